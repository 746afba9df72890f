#!/usr/bin/env bash
# The README's worked example as a script: build an API with the aws CLI, deploy it, and call
# it with curl; then secure it with an API key and a usage plan, watch the throttle, and turn on
# access logs to a CloudWatch Logs log group. Prints
# PASS/FAIL per step and a last line "N passed, M failed".
#
#   scripts/seed-walkthrough.sh [ENDPOINT]     (default http://127.0.0.1:4566)
#
# Needs the aws CLI, curl (7.67 or later, for --parallel) and python3 (a tiny upstream for the
# HTTP_PROXY route).
set -uo pipefail
EP="${1:-http://127.0.0.1:4566}"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}" AWS_PAGER=""
aws_() { aws --endpoint-url "$EP" --output json "$@"; }
. "$(dirname "$0")/lib.sh"
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval('d'+sys.argv[1]))" "$1"; }

# A local upstream: python's http.server on an ephemeral port, serving one file. Threaded, with
# a deep accept queue, so the rate-limiting burst below is not held up by the upstream.
dir=$(mktemp -d); echo "hello from upstream" > "$dir/hello.txt"
port_file="$dir/port"
python3 - "$dir" "$port_file" 2>/dev/null <<'PY' &
import http.server, socketserver, sys, functools, os
os.chdir(sys.argv[1])
http.server.SimpleHTTPRequestHandler.log_message = lambda *a: None
h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    request_queue_size = 256
with Server(("127.0.0.1", 0), h) as s:
    open(sys.argv[2] + ".tmp", "w").write(str(s.server_address[1])); os.rename(sys.argv[2] + ".tmp", sys.argv[2])
    s.serve_forever()
PY
up_pid=$!
trap 'kill $up_pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 50); do [ -f "$port_file" ] && break; sleep 0.1; done
UP="http://127.0.0.1:$(cat "$port_file")"

api=$(aws_ apigateway create-rest-api --name walkthrough | json "['id']"); check "create-rest-api" $? "$api"
root=$(aws_ apigateway get-resources --rest-api-id "$api" | json "['items'][0]['id']"); check "get-resources (root)" $? "$root"
res=$(aws_ apigateway create-resource --rest-api-id "$api" --parent-id "$root" --path-part hello | json "['id']"); check "create-resource /hello" $? "$res"
aws_ apigateway put-method --rest-api-id "$api" --resource-id "$res" --http-method GET --authorization-type NONE >/dev/null
check "put-method GET" $? ""
aws_ apigateway put-integration --rest-api-id "$api" --resource-id "$res" --http-method GET --type HTTP_PROXY \
  --integration-http-method GET --uri "$UP/hello.txt" >/dev/null
check "put-integration HTTP_PROXY" $? ""

# CORS preflight as AWS's guide sets it up: OPTIONS + MOCK + header mappings.
aws_ apigateway put-method --rest-api-id "$api" --resource-id "$res" --http-method OPTIONS --authorization-type NONE >/dev/null
check "put-method OPTIONS" $? ""
aws_ apigateway put-method-response --rest-api-id "$api" --resource-id "$res" --http-method OPTIONS --status-code 200 \
  --response-parameters '{"method.response.header.Access-Control-Allow-Headers":false,"method.response.header.Access-Control-Allow-Methods":false,"method.response.header.Access-Control-Allow-Origin":false}' >/dev/null
check "put-method-response OPTIONS 200" $? ""
aws_ apigateway put-integration --rest-api-id "$api" --resource-id "$res" --http-method OPTIONS --type MOCK \
  --request-templates '{"application/json":"{\"statusCode\": 200}"}' >/dev/null
check "put-integration MOCK" $? ""
aws_ apigateway put-integration-response --rest-api-id "$api" --resource-id "$res" --http-method OPTIONS --status-code 200 \
  --response-parameters '{"method.response.header.Access-Control-Allow-Headers":"'"'"'Content-Type,X-Api-Key'"'"'","method.response.header.Access-Control-Allow-Methods":"'"'"'GET,OPTIONS'"'"'","method.response.header.Access-Control-Allow-Origin":"'"'"'*'"'"'"}' >/dev/null
check "put-integration-response OPTIONS" $? ""

dep=$(aws_ apigateway create-deployment --rest-api-id "$api" --stage-name dev | json "['id']"); check "create-deployment (stage dev)" $? "$dep"

base="$EP/_aws/execute-api/$api/dev"
body=$(curl -s "$base/hello"); [ "$body" = "hello from upstream" ]; check "GET /hello through HTTP_PROXY" $? "got: $body"
hosted=$(curl -s -H "Host: $api.execute-api.localhost" "$EP/dev/hello"); [ "$hosted" = "hello from upstream" ]; check "GET via {api}.execute-api host" $? "got: $hosted"
cors=$(curl -s -o /dev/null -D - -X OPTIONS "$base/hello" | tr -d '\r' | grep -i '^access-control-allow-origin: \*$'); check "OPTIONS /hello CORS headers" $? "no Access-Control-Allow-Origin: *"
methods=$(curl -s -o /dev/null -D - -X OPTIONS "$base/hello" | tr -d '\r' | awk -F': ' 'tolower($1)=="access-control-allow-methods" {print $2}')
[ "$methods" = "GET,OPTIONS" ]; check "OPTIONS /hello allows GET,OPTIONS" $? "got: $methods"
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/nothing"); [ "$code" = "403" ]; check "unknown path is 403" $? "got $code"
msg=$(curl -s "$base/nothing"); [ "$msg" = '{"message":"Missing Authentication Token"}' ]; check "403 body is Missing Authentication Token" $? "got $msg"

# Securing with API keys, then rate limiting: the guide's usage plan (burst 100, rate 50 per
# second) with a daily quota on stage dev, a key attached to it, and the key required on GET.
plan=$(aws_ apigateway create-usage-plan --name walkthrough-plan --api-stages "apiId=$api,stage=dev" \
  --throttle burstLimit=100,rateLimit=50 --quota limit=1000,offset=0,period=DAY | json "['id']")
check "create-usage-plan (burst 100, rate 50, 1000/day)" $? "$plan"
key_json=$(aws_ apigateway create-api-key --name walkthrough-key --enabled)
key_id=$(json "['id']" <<<"$key_json"); check "create-api-key --enabled" $? "$key_id"
key=$(json "['value']" <<<"$key_json")
aws_ apigateway create-usage-plan-key --usage-plan-id "$plan" --key-id "$key_id" --key-type API_KEY >/dev/null
check "create-usage-plan-key" $? ""
aws_ apigateway update-method --rest-api-id "$api" --resource-id "$res" --http-method GET \
  --patch-operations op=replace,path=/apiKeyRequired,value=true >/dev/null
check "update-method GET apiKeyRequired=true" $? ""
# apiKeyRequired is part of the deployment: it takes effect on the wire once redeployed.
dep2=$(aws_ apigateway create-deployment --rest-api-id "$api" --stage-name dev | json "['id']"); check "create-deployment (redeploy dev)" $? "$dep2"
on=$(aws_ apigateway get-stage --rest-api-id "$api" --stage-name dev | json "['deploymentId']")
[ "$on" = "$dep2" ]; check "get-stage: dev serves the new deployment" $? "got $on, want $dep2"
n=$(aws_ apigateway get-deployments --rest-api-id "$api" | json "['items'].__len__()")
[ "$n" = "2" ]; check "get-deployments lists both" $? "got $n"
member=$(aws_ apigateway get-usage-plan-keys --usage-plan-id "$plan" | json "['items'][0]['id']")
[ "$member" = "$key_id" ]; check "get-usage-plan-keys lists the key" $? "got $member"
value=$(aws_ apigateway get-api-key --api-key "$key_id" --include-value | json "['value']")
[ "$value" = "$key" ]; check "get-api-key --include-value" $? "got $value"

code=$(curl -s -o /dev/null -w '%{http_code}' "$base/hello"); [ "$code" = "403" ]; check "GET /hello without a key is 403" $? "got $code"
msg=$(curl -s "$base/hello"); [ "$msg" = '{"message":"Forbidden"}' ]; check "403 body is Forbidden" $? "got $msg"
body=$(curl -s -H "x-api-key: $key" "$base/hello"); [ "$body" = "hello from upstream" ]; check "GET /hello with x-api-key" $? "got: $body"

# 300 requests with the key, 50 at a time from one curl (--parallel: a process per request
# would stretch the burst over seconds of refill): the bucket admits its burst of 100, plus 50
# per second while the burst runs, and answers the rest 429 Too Many Requests.
codes=$(for _ in $(seq 300); do printf 'url = "%s"\noutput = "/dev/null"\n' "$base/hello"; done \
  | curl -s --no-progress-meter --parallel --parallel-max 50 -H "x-api-key: $key" -w '%{http_code}\n' -K -)
ok=$(grep -c '^200$' <<<"$codes"); limited=$(grep -c '^429$' <<<"$codes")
[ "$ok" -ge 100 ] && [ "$limited" -gt 0 ] && [ $((ok + limited)) -eq 300 ]
check "burst of 300: $ok admitted, $limited throttled (429)" $? "$(sort <<<"$codes" | uniq -c | tr -s ' \n' ' ')"

# GetUsage counts the key's admitted requests for today (UTC): the single call and the burst's.
today=$(date -u +%F)
used=$(aws_ apigateway get-usage --usage-plan-id "$plan" --start-date "$today" --end-date "$today" \
  | json "['items']['$key_id'][0][0]")
[ "$used" = "$((ok + 1))" ]; check "get-usage counts $((ok + 1)) requests today" $? "got $used"

# Logging: the guide's IAM role that lets API Gateway write to CloudWatch Logs, the account
# setting naming it, a log group, and access logs on stage dev; a request then lands as one line
# in the group, in the stage's format.
trust='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
role_arn=$(aws_ iam create-role --role-name walkthrough-apigw-logs --assume-role-policy-document "$trust" | json "['Role']['Arn']")
check "iam create-role" $? "$role_arn"
aws_ iam attach-role-policy --role-name walkthrough-apigw-logs \
  --policy-arn arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs >/dev/null
check "iam attach-role-policy" $? ""
aws_ apigateway update-account --patch-operations "op=replace,path=/cloudwatchRoleArn,value=$role_arn" >/dev/null
check "update-account cloudwatchRoleArn" $? ""
set_arn=$(aws_ apigateway get-account | json "['cloudwatchRoleArn']")
[ "$set_arn" = "$role_arn" ]; check "get-account shows the role" $? "got $set_arn"
aws_ logs create-log-group --log-group-name walkthrough-access >/dev/null
check "logs create-log-group" $? ""
group_arn=$(aws_ logs describe-log-groups --log-group-name-prefix walkthrough-access | json "['logGroups'][0]['arn']")
aws_ apigateway update-stage --rest-api-id "$api" --stage-name dev --patch-operations \
  "op=replace,path=/accessLogSettings/destinationArn,value=${group_arn%:*}" \
  'op=replace,path=/accessLogSettings/format,value=$context.requestId $context.httpMethod $context.resourcePath $context.status' >/dev/null
check "update-stage accessLogSettings" $? ""
dest=$(aws_ apigateway get-stage --rest-api-id "$api" --stage-name dev | json "['accessLogSettings']['destinationArn']")
[ "$dest" = "${group_arn%:*}" ]; check "get-stage shows the log destination" $? "got $dest"
rid=$(curl -s -D - -o /dev/null -H "x-api-key: $key" "$base/hello" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-amzn-requestid" {print $2}')
line=""
for _ in $(seq 50); do
  line=$(aws_ logs filter-log-events --log-group-name walkthrough-access | json "['events'][0]['message']" 2>/dev/null) && break
  sleep 0.2
done
[ "$line" = "$rid GET /hello 200" ]; check "access log line in the log group" $? "got: $line (request $rid)"

# The emulator's own guard: a web page (a cross-site Origin) cannot wipe the state.
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Origin: https://evil.example' "$EP/_apigw/reset"); [ "$code" = "403" ]
check "a cross-site POST /_apigw/reset is refused" $? "got $code"

summary
