#!/usr/bin/env bash
# Runs the real OSS SDKs against the real `cyanotype serve` binary: oss2 (V1, V4) and
# alibabacloud-oss-v2 (V4, V1) with pytest, ali-oss (authorizationV4 true and false) with node --test.
# Each suite starts its own server on an ephemeral port with a temporary data directory.
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/setup.sh
tests/compat/setup.sh
cargo build -p cyanotype --locked
export CYANOTYPE_BIN="$PWD/target/debug/cyanotype"
tests/compat/.venv/bin/python -m pytest -q tests/compat "$@"
node --test tests/compat/
