# Helpers the scripts share; sourced (`. "$(dirname "$0")/lib.sh"`), not run.

# A free TCP port on loopback.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wait_health URL PID: wait until URL answers (at most 10 s); fail at once if PID has exited.
wait_health() {
  local _
  for _ in $(seq 200); do
    curl -sf "$1" >/dev/null && return 0
    kill -0 "$2" 2>/dev/null || { echo "the server ($2) exited before it was ready" >&2; return 1; }
    sleep 0.05
  done
  echo "no answer from $1 within 10 s" >&2
  return 1
}

# check NAME STATUS DETAIL: count and print one step's PASS or FAIL; `summary` ends the script
# with the counts (exit status 1 when anything failed).
pass=0; fail=0
check() {
  if [ "$2" -eq 0 ]; then echo "PASS $1"; pass=$((pass+1)); else echo "FAIL $1: $3"; fail=$((fail+1)); fi
}
summary() {
  echo "$pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}
