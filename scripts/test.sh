#!/usr/bin/env bash
# Run the whole test suite; the end-to-end tests run twice, on database files, then in memory.
# They drive the real binary with the aws CLI (awscli v1) as well as the Rust SDK, so install the CLI first when it is missing; the HTTPS
# backend test runs `openssl s_server`, so the openssl tool too, and the GetSdk test Node.js.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v aws >/dev/null 2>&1; then
  echo "installing the aws CLI (pip install awscli)" >&2
  python3 -m pip install --quiet awscli
  hash -r
fi
# The GetSdk test runs the generated JavaScript client with Node.js (18+, for fetch).
if ! command -v node >/dev/null 2>&1; then
  echo "installing Node.js (apt-get install nodejs)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs >/dev/null
fi
if ! command -v openssl >/dev/null 2>&1; then
  echo "installing openssl (apt-get install openssl)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null
fi
cargo test --workspace "$@"
# CI users run the emulator with --db :memory:, where the store has a single connection (a
# deadlock once hid there): the end-to-end suite runs again with every server in memory.
echo "end-to-end suite again, with --db :memory:" >&2
# --workspace, as above: the same feature set, so nothing is built again.
APIGW_E2E_DB=memory cargo test --workspace --test e2e "$@"
# The container's steps on the host (docs/container.md): no container engine runs here.
echo "container checks (scripts/check-container.sh)" >&2
./scripts/check-container.sh
