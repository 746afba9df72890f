#!/usr/bin/env bash
# What can be checked of the container on a machine with no container engine (CI's): the
# compose file against the Compose schema (docker-compose config), the Dockerfile's lines
# this script mirrors, the binary's libraries against what distroless/cc-debian12 holds, and
# then docker-compose.yml's three services run as processes on loopback, with the image's
# environment and a state folder standing in for the volume: health (the image's own
# --health-check), the example API through HTTP_PROXY and the example Lambda Invoke endpoint,
# and a restart on the same state. Prints PASS/FAIL per check and "N passed, M failed".
#
#   scripts/check-container.sh          (the debug binary; APIGW_BIN=path for another, e.g.
#                                        target/release/apigw-local as the image has it)
#
# Why the debug build: the Dockerfile's cargo command differs only by --release, which costs
# CI minutes on two cores; --locked is checked the same way.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
if ! command -v docker-compose >/dev/null 2>&1; then
  # Only the compose file is validated: no container engine (docker.io, which Debian recommends
  # with it: ~150 MB more on a CI machine short of disk).
  echo "installing docker-compose (apt-get install docker-compose), to validate the compose file" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose >/dev/null
fi

out=$(docker-compose -f docker-compose.yml config -q 2>&1); check "docker-compose.yml is valid (docker-compose config)" $? "$out"

# The Dockerfile's lines this script stands for; change both together.
for line in \
  'cargo build --release --locked -p apigw-local' \
  'FROM gcr.io/distroless/cc-debian12:nonroot AS runtime' \
  'ENV APIGW_LISTEN=0.0.0.0:4566 APIGW_DB=/data/state.db' \
  'CMD ["/usr/local/bin/apigw-local", "--health-check"]' \
  'ENTRYPOINT ["/usr/local/bin/apigw-local"]'; do
  grep -qF -- "$line" Dockerfile; check "Dockerfile has: $line" $? "not found"
done

out=$(cargo build --locked -q -p apigw-local 2>&1); check "cargo build --locked -p apigw-local" $? "$out"
BIN="${APIGW_BIN:-target/debug/apigw-local}"

# distroless/cc-debian12 has glibc (libc, libm, libdl, libpthread, librt), libgcc_s and
# libstdc++ and libssl; anything else the binary needs would be missing at run time.
extra=$(readelf -d "$BIN" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' \
  | grep -vxE 'libc\.so\.6|libm\.so\.6|libdl\.so\.2|libpthread\.so\.0|librt\.so\.1|libgcc_s\.so\.1|libstdc\+\+\.so\.6|ld-linux-x86-64\.so\.2')
[ -z "$extra" ]; check "the binary needs only libraries distroless/cc has" $? "also needs: $extra"

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

# The compose services: `upstream` and `lambda` as the compose file runs them, on loopback.
up_port=$(free_port)
python3 -m http.server "$up_port" --bind 127.0.0.1 --directory examples/upstream >/dev/null 2>&1 &
pids+=($!)
fn_port=$(free_port)
python3 -u examples/lambda_invoke.py 127.0.0.1 "$fn_port" >"$work/lambda.log" 2>&1 &
pids+=($!)
wait_port "$up_port"; check "upstream listening" $? "port $up_port"
wait_port "$fn_port"; check "examples/lambda_invoke.py listening" $? "$(cat "$work/lambda.log")"
# The example API with the upstream's compose host name replaced by its loopback address.
sed "s#http://upstream:8080#http://127.0.0.1:$up_port#" examples/openapi.yaml >"$work/openapi.yaml"

# `apigw`: the image's environment and compose's, the listening address on loopback and
# the volume a folder; the folder is made first, as the image has it.
gw_port=$(free_port)
mkdir "$work/data"
start_gw() {
  APIGW_LISTEN="127.0.0.1:$gw_port" APIGW_DB="$work/data/state.db" \
  APIGW_LAMBDA_FUNCTIONS="hello=http://127.0.0.1:$fn_port,fail=http://127.0.0.1:$fn_port" APIGW_INIT="$work/openapi.yaml" APIGW_INIT_STAGE=dev \
    "$BIN" >>"$work/gw.log" 2>&1 &
  gw_pid=$!
  pids+=($gw_pid)
  for _ in $(seq 100); do
    APIGW_LISTEN="127.0.0.1:$gw_port" "$BIN" --health-check 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
health_fails=$(APIGW_LISTEN="127.0.0.1:$gw_port" "$BIN" --health-check 2>&1); [ $? -ne 0 ]
check "--health-check fails with no server" $? "$health_fails"
start_gw; check "apigw-local healthy (--health-check)" $? "$(cat "$work/gw.log")"
GW="http://127.0.0.1:$gw_port"
api=$(curl -s "$GW/restapis" | python3 -c 'import json,sys; print(" ".join(i["id"] for i in json.load(sys.stdin)["item"]))')
[ -n "$api" ] && [ "${api// /}" = "$api" ]; check "--init imported one API" $? "ids: $api"
body=$(curl -s "$GW/_aws/execute-api/$api/dev/pets")
[ "$body" = "$(cat examples/upstream/pets.json)" ]; check "GET /pets through HTTP_PROXY" $? "got: $body"
body=$(curl -s "$GW/_aws/execute-api/$api/dev/hello?name=compose")
echo "$body" | grep -qF '"message": "hello, compose"'; check "GET /hello through the Lambda example" $? "got: $body"
code=$(curl -s -o /dev/null -w '%{http_code}' "$GW/_aws/execute-api/$api/dev/fail")
[ "$code" = 502 ]; check "GET /fail: a function error is a 502" $? "got $code"
body=$(curl -s "$GW/_localstack/health")
echo "$body" | grep -qF '"apigateway":"running"'; check "/_localstack/health" $? "got: $body"

# A restart on the same state (docker compose restart): nothing imported twice.
kill -TERM "$gw_pid"; wait "$gw_pid" 2>/dev/null
start_gw; check "restarted on the same state" $? "$(tail -5 "$work/gw.log")"
again=$(curl -s "$GW/restapis" | python3 -c 'import json,sys; print(" ".join(i["id"] for i in json.load(sys.stdin)["item"]))')
[ "$again" = "$api" ]; check "the state survived; --init did not import again" $? "ids: $again"

summary
