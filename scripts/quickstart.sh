#!/usr/bin/env bash
# The README's quick start, run by an end-to-end test twice against one server (it must work
# on a state that already has an API). Lines between the markers are in the README verbatim.
#
#   scripts/quickstart.sh [ENDPOINT]     (default http://localhost:4566)
set -euo pipefail
URL="${1:-http://localhost:4566}"
# >>> README
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=
EP="--endpoint-url $URL"
API=$(aws $EP apigateway create-rest-api --name demo --query id --output text)
ROOT=$(aws $EP apigateway get-resources --rest-api-id $API --query 'items[0].id' --output text)
PETS=$(aws $EP apigateway create-resource --rest-api-id $API --parent-id $ROOT --path-part pets --query id --output text)
aws $EP apigateway put-method --rest-api-id $API --resource-id $PETS --http-method GET --authorization-type NONE
aws $EP apigateway put-method-response --rest-api-id $API --resource-id $PETS --http-method GET --status-code 200
aws $EP apigateway put-integration --rest-api-id $API --resource-id $PETS --http-method GET --type MOCK \
  --request-templates '{"application/json": "{\"statusCode\": 200}"}'
aws $EP apigateway put-integration-response --rest-api-id $API --resource-id $PETS --http-method GET --status-code 200 \
  --response-templates '{"application/json": "[{\"id\": 1, \"type\": \"dog\"}]"}'
aws $EP apigateway create-deployment --rest-api-id $API --stage-name dev
curl $URL/_aws/execute-api/$API/dev/pets        # [{"id": 1, "type": "dog"}]
# <<< README
