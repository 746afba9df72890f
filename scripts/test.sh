#!/usr/bin/env bash
# Run the whole test suite. The end-to-end tests drive the real binary with the aws CLI
# (awscli v1) as well as the Rust SDK, so install the CLI first when it is missing; the HTTPS
# backend test runs `openssl s_server`, so the openssl tool too.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v aws >/dev/null 2>&1; then
  echo "installing the aws CLI (pip install awscli)" >&2
  python3 -m pip install --quiet awscli
  hash -r
fi
if ! command -v openssl >/dev/null 2>&1; then
  echo "installing openssl (apt-get install openssl)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null
fi
exec cargo test --workspace "$@"
