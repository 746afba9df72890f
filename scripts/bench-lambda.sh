#!/usr/bin/env bash
# Cold and warm invocation times of the built-in Lambda, on loopback: a Python and (when `node`
# is on the PATH) a Node.js function answering `{}`. Cold: the first invocation after a new
# environment (a new worker process: start, import, Runtime API round trip). Warm: the next
# ones, reusing the worker. Times are for Invoke over HTTP from a client on this machine.
#
#   scripts/bench-lambda.sh [COLD_ROUNDS] [WARM_CALLS]   (default 10 and 200)
set -euo pipefail
cd "$(dirname "$0")/.."
cold=${1:-10}; warm=${2:-200}
cargo build --release -q -p apigw-local
work=$(mktemp -d)
. scripts/lib.sh
port=$(free_port)
./target/release/apigw-local --listen "127.0.0.1:$port" --db :memory: --quiet >"$work/gw.log" 2>&1 &
gw=$!
trap 'kill $gw 2>/dev/null; rm -rf "$work"' EXIT
wait_health "http://127.0.0.1:$port/_apigw/health" "$gw"
python3 - "$port" "$cold" "$warm" "$work" <<'PY'
import base64, io, json, shutil, statistics, sys, time, urllib.request, zipfile
port, cold, warm, work = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
base = f"http://127.0.0.1:{port}"
def call(method, path, body=None, form=False):
    data = body if form else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("content-type", "application/x-www-form-urlencoded" if form else "application/json")
    with urllib.request.urlopen(req) as r:
        return r.read()
call("POST", "/", b"Action=CreateRole&RoleName=bench&AssumeRolePolicyDocument=%7B%7D&Version=2010-05-08", form=True)
def zipped(name, text):
    b = io.BytesIO(); z = zipfile.ZipFile(b, "w"); z.writestr(name, text); z.close()
    return base64.b64encode(b.getvalue()).decode()
functions = [("py", "python3.12", "app.handler", zipped("app.py", "def handler(e, c):\n    return {}\n"))]
if shutil.which("node"):
    functions.append(("node", "nodejs20.x", "index.handler", zipped("index.js", "exports.handler = async () => ({});\n")))
def ms(f):
    t = time.perf_counter(); f(); return (time.perf_counter() - t) * 1000
print(f"{'function':10} {'cold median':>12} {'cold max':>10} {'warm median':>12} {'warm p99':>10}")
for name, runtime, handler, code in functions:
    call("POST", "/2015-03-31/functions", {"FunctionName": name, "Runtime": runtime, "Handler": handler,
         "Role": "arn:aws:iam::000000000000:role/bench", "Code": {"ZipFile": code}})
    invoke = lambda: call("POST", f"/2015-03-31/functions/{name}/invocations", {})
    colds = []
    for i in range(cold):
        # A new environment retires the warm worker (a description would not): the next call
        # starts one.
        call("PUT", f"/2015-03-31/functions/{name}/configuration",
             {"Environment": {"Variables": {"ROUND": str(i)}}})
        colds.append(ms(invoke))
    warms = sorted(ms(invoke) for _ in range(warm))
    print(f"{name:10} {statistics.median(colds):10.1f}ms {max(colds):8.1f}ms {statistics.median(warms):10.2f}ms {warms[int(len(warms)*0.99)-1]:8.2f}ms")
PY
