#!/usr/bin/env bash
# Throughput and latency of apigw-local against nginx on this machine, all on loopback.
#
# Targets (same wrk connections and duration for each):
#   upstream   nginx answering `return 200` directly       (the floor for MOCK)
#   nginx      nginx reverse proxy with upstream keep-alive (the bar for HTTP_PROXY), in the
#              same nginx as the upstream: a worker often serves the upstream side of its own
#              proxied request, with no process switch in between
#   nginx-own  the same reverse proxy in an nginx of its own (its own worker processes), as
#              apigw-local is: the like-for-like reference, printed beside the bar
#   proxy      apigw-local HTTP_PROXY route to the same upstream
#   mock       apigw-local MOCK route
#   keyed      apigw-local HTTP_PROXY route requiring an API key, with a usage plan (throttle
#              and quota) and stage method throttling on, limits set high: the cost of the
#              key, bucket and quota checks (target: >= 0.9x proxy)
#
# apigw-local runs with --account-throttle off: AWS's 10,000 rps account limit would
# otherwise cap every apigw-local target. It runs --quiet: nginx logs nothing either (access_log
# off), and the request log costs a line per request (docs/performance.md); BENCH_LOG=1 runs it
# with its default request log instead, written to a file, to measure that cost.
#
#   scripts/bench.sh [DURATION_SECONDS] [CONNECTIONS] [ROUNDS]   (default 10 s, 64, 3 rounds)
#
# Each round drives every target once; the ratios are printed per round and of the medians.
# This VM's speed drifts within minutes, so one run of each target, in a fixed order, mostly
# measured when it ran: repeated rounds in alternating order give each target the same luck.
#
# Installs nginx and wrk from Debian's packages when missing. Bounded in time; everything it
# starts is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-10}"
CONNS="${2:-64}"
ROUNDS="${3:-3}"
THREADS=2
need() { command -v "$1" >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }; }
need nginx nginx-light
need wrk wrk
need aws awscli 2>/dev/null || python3 -m pip install --quiet awscli

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for f in "$work/nginx.pid" "$work/own/nginx.pid"; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT

. scripts/lib.sh
UP_PORT=$(free_port); NGX_PORT=$(free_port); OWN_PORT=$(free_port); GW_PORT=$(free_port)
cat > "$work/nginx.conf" <<NGX
worker_processes $(nproc);
pid $work/nginx.pid;
error_log $work/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  upstream backend { server 127.0.0.1:$UP_PORT; keepalive 128; }
  server { listen 127.0.0.1:$UP_PORT; location / { default_type text/plain; return 200 "ok\n"; } }
  server {
    listen 127.0.0.1:$NGX_PORT;
    location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
NGX
nginx -c "$work/nginx.conf" -p "$work"
mkdir "$work/own"
cat > "$work/own/nginx.conf" <<NGX
worker_processes $(nproc);
pid $work/own/nginx.pid;
error_log $work/own/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  upstream backend { server 127.0.0.1:$UP_PORT; keepalive 128; }
  server {
    listen 127.0.0.1:$OWN_PORT;
    location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
NGX
nginx -c "$work/own/nginx.conf" -p "$work/own"

echo "building apigw-local (release)..." >&2
cargo build --release -q -p apigw-local
# A session of its own, as nginx puts itself in when it daemonizes. With the kernel's autogroup
# scheduling on (sched_autogroup_enabled=1), each session is one scheduling group that gets a
# fair share of each core as a whole: started straight from this script, the gateway would
# share a group with wrk while nginx has one to itself, and the kernel then kept the upstream
# nginx worker off its core for tens of milliseconds at a time (perf traces, README), the p99
# tail of earlier runs. `setsid` execs in place here (a background job of a script leads no process group), so
# $! is the gateway.
QUIET=--quiet
[ "${BENCH_LOG:-0}" = 1 ] && QUIET=
setsid ./target/release/apigw-local --listen "127.0.0.1:$GW_PORT" --db :memory: --account-throttle off $QUIET > "$work/gw.log" 2>&1 < /dev/null &
pids+=($!)
wait_health "http://127.0.0.1:$GW_PORT/_apigw/health" "${pids[0]}"
if [ -r /proc/sys/kernel/sched_autogroup_enabled ]; then
  [ "$(cat "/proc/${pids[0]}/comm")" = apigw-local ] || { echo "the gateway's pid is not ${pids[0]}" >&2; exit 1; }
  echo "autogroups: apigw-local $(cut -d' ' -f1 "/proc/${pids[0]}/autogroup"), wrk $(cut -d' ' -f1 /proc/self/autogroup), nginx $(cut -d' ' -f1 "/proc/$(cat "$work/nginx.pid")/autogroup") (sched_autogroup_enabled=$(cat /proc/sys/kernel/sched_autogroup_enabled))"
fi

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
aws_() { aws --endpoint-url "http://127.0.0.1:$GW_PORT" --output text "$@"; }
api=$(aws_ apigateway create-rest-api --name bench --query id)
root=$(aws_ apigateway get-resources --rest-api-id "$api" --query 'items[0].id')
proxy=$(aws_ apigateway create-resource --rest-api-id "$api" --parent-id "$root" --path-part '{proxy+}' --query id)
aws_ apigateway put-method --rest-api-id "$api" --resource-id "$proxy" --http-method ANY --authorization-type NONE \
  --request-parameters method.request.path.proxy=true >/dev/null
aws_ apigateway put-integration --rest-api-id "$api" --resource-id "$proxy" --http-method ANY --type HTTP_PROXY \
  --integration-http-method ANY --uri "http://127.0.0.1:$UP_PORT/{proxy}" \
  --request-parameters integration.request.path.proxy=method.request.path.proxy >/dev/null
mock=$(aws_ apigateway create-resource --rest-api-id "$api" --parent-id "$root" --path-part mock --query id)
aws_ apigateway put-method --rest-api-id "$api" --resource-id "$mock" --http-method GET --authorization-type NONE >/dev/null
aws_ apigateway put-method-response --rest-api-id "$api" --resource-id "$mock" --http-method GET --status-code 200 >/dev/null
aws_ apigateway put-integration --rest-api-id "$api" --resource-id "$mock" --http-method GET --type MOCK \
  --request-templates '{"application/json":"{\"statusCode\": 200}"}' >/dev/null
aws_ apigateway put-integration-response --rest-api-id "$api" --resource-id "$mock" --http-method GET --status-code 200 \
  --response-templates '{"application/json":"ok"}' >/dev/null
keyed=$(aws_ apigateway create-resource --rest-api-id "$api" --parent-id "$root" --path-part keyed --query id)
keyed_proxy=$(aws_ apigateway create-resource --rest-api-id "$api" --parent-id "$keyed" --path-part '{proxy+}' --query id)
aws_ apigateway put-method --rest-api-id "$api" --resource-id "$keyed_proxy" --http-method ANY --authorization-type NONE \
  --api-key-required --request-parameters method.request.path.proxy=true >/dev/null
aws_ apigateway put-integration --rest-api-id "$api" --resource-id "$keyed_proxy" --http-method ANY --type HTTP_PROXY \
  --integration-http-method ANY --uri "http://127.0.0.1:$UP_PORT/{proxy}" \
  --request-parameters integration.request.path.proxy=method.request.path.proxy >/dev/null
aws_ apigateway create-deployment --rest-api-id "$api" --stage-name bench >/dev/null
# The keyed target gets a stage of its own, so its method throttle does not touch the others.
aws_ apigateway create-stage --rest-api-id "$api" --stage-name keyed \
  --deployment-id "$(aws_ apigateway get-stage --rest-api-id "$api" --stage-name bench --query deploymentId)" >/dev/null
aws_ apigateway update-stage --rest-api-id "$api" --stage-name keyed --patch-operations \
  op=replace,path=/*/*/throttling/rateLimit,value=1000000 op=replace,path=/*/*/throttling/burstLimit,value=1000000 >/dev/null
plan=$(aws_ apigateway create-usage-plan --name bench --api-stages "apiId=$api,stage=keyed" \
  --throttle burstLimit=1000000,rateLimit=1000000 --quota limit=2000000000,offset=0,period=DAY --query id)
key_id=$(aws_ apigateway create-api-key --name bench --enabled --query id)
key=$(aws_ apigateway get-api-key --api-key "$key_id" --include-value --query value)
aws_ apigateway create-usage-plan-key --usage-plan-id "$plan" --key-id "$key_id" --key-type API_KEY >/dev/null

RESULTS="$work/results"
run() { # run ROUND NAME URL [WRK-ARGS...]
  local round=$1 name=$2 url=$3; shift 3
  local out; out=$(wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency "$@" "$url")
  local rps p50 p99
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  local non2xx; non2xx=$(echo "$out" | awk '/Non-2xx/ {print $5}')
  printf "%-3s %-10s %12s req/s   p50 %9s   p99 %9s   %s\n" "$round" "$name" "$rps" "$p50" "$p99" "${non2xx:+non-2xx: $non2xx}"
  echo "$round $name $rps $(to_ms "$p99")" >> "$RESULTS"
}
to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us/,"",v); print v/1000 } else if (v ~ /ms$/) { sub(/ms/,"",v); print v } else if (v ~ /s$/) { sub(/s/,"",v); print v*1000 } else print v }'; }

echo "wrk: $THREADS threads, $CONNS connections, ${DURATION}s each, $(nproc) cores; gateway ${QUIET:-with its request log}"
# Sanity: each target answers 200 before it is measured.
for u in "http://127.0.0.1:$UP_PORT/" "http://127.0.0.1:$NGX_PORT/x" "http://127.0.0.1:$OWN_PORT/x" "http://127.0.0.1:$GW_PORT/_aws/execute-api/$api/bench/x" "http://127.0.0.1:$GW_PORT/_aws/execute-api/$api/bench/mock"; do
  code=$(curl -s -o /dev/null -w '%{http_code}' "$u"); [ "$code" = 200 ] || { echo "target $u answered $code" >&2; exit 1; }
done
KEYED_URL="http://127.0.0.1:$GW_PORT/_aws/execute-api/$api/keyed/keyed/x"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "x-api-key: $key" "$KEYED_URL"); [ "$code" = 200 ] || { echo "keyed target answered $code" >&2; exit 1; }
code=$(curl -s -o /dev/null -w '%{http_code}' "$KEYED_URL"); [ "$code" = 403 ] || { echo "keyed target without a key answered $code" >&2; exit 1; }
targets=(upstream nginx nginx-own proxy mock keyed)
declare -A URL=(
  [upstream]="http://127.0.0.1:$UP_PORT/" [nginx]="http://127.0.0.1:$NGX_PORT/x"
  [nginx-own]="http://127.0.0.1:$OWN_PORT/x" [proxy]="http://127.0.0.1:$GW_PORT/_aws/execute-api/$api/bench/x"
  [mock]="http://127.0.0.1:$GW_PORT/_aws/execute-api/$api/bench/mock" [keyed]="$KEYED_URL"
)
printf "%-3s %-10s\n" round target
for round in $(seq "$ROUNDS"); do
  # Every other round runs the targets in reverse order, so no target always runs first or
  # last in a round while the machine's speed drifts.
  order=("${targets[@]}")
  if [ $((round % 2)) = 0 ]; then order=(keyed mock proxy nginx-own nginx upstream); fi
  for t in "${order[@]}"; do
    if [ "$t" = keyed ]; then run "$round" "$t" "${URL[$t]}" -H "x-api-key: $key"; else run "$round" "$t" "${URL[$t]}"; fi
  done
done
# Ratios per round (each pair measured minutes apart at most), then of the medians.
awk -v rounds="$ROUNDS" '
  { rps[$2, $1] = $3; p99[$2, $1] = $4 }
  function median(arr, name,   n, i, j, t, v) {
    n = 0; for (i = 1; i <= rounds; i++) v[++n] = arr[name, i]
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
  }
  function line(label, a, b, arr, note,   i, s) {
    s = ""; for (i = 1; i <= rounds; i++) s = s sprintf(" %.2f", arr[a, i] / arr[b, i])
    printf "%-38s %.2fx   (rounds:%s)%s\n", label, median(arr, a) / median(arr, b), s, note
  }
  END {
    printf "\nmedians over %d rounds\n", rounds
    printf "%-10s %12s %10s\n", "target", "req/s", "p99 ms"
    split("upstream nginx nginx-own proxy mock keyed", names, " ")
    for (k = 1; k <= 6; k++) printf "%-10s %12.0f %10.2f\n", names[k], median(rps, names[k]), median(p99, names[k])
    print ""
    line("HTTP_PROXY / nginx proxy, throughput", "proxy", "nginx", rps, "   target >= 1.0x")
    line("HTTP_PROXY / nginx proxy, p99", "proxy", "nginx", p99, "   target <= 1.5x")
    line("HTTP_PROXY / nginx-own, throughput", "proxy", "nginx-own", rps, "   (nginx proxy in its own processes)")
    line("HTTP_PROXY / nginx-own, p99", "proxy", "nginx-own", p99, "")
    line("MOCK / nginx return 200, throughput", "mock", "upstream", rps, "   target >= 1.0x")
    line("keyed / HTTP_PROXY, throughput", "keyed", "proxy", rps, "   (API key + usage plan + stage throttle)")
  }' "$RESULTS"
