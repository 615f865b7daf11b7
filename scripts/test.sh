#!/usr/bin/env bash
# Runs every test on a fresh machine: installs the build tools, runs the workspace's tests, then the
# real OSS SDKs (oss2, alibabacloud-oss-v2, ali-oss, installed into tests/compat) against the server.
# The engine tests read images from ../shared/testdata (override with CYANOTYPE_TESTDATA).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo test --workspace --locked "$@"
tests/compat/run.sh
