#!/usr/bin/env bash
# Runs every test of the workspace on a fresh machine: installs the build tools, then cargo test.
# The engine tests read images from ../shared/testdata (override with CYANOTYPE_TESTDATA).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo test --workspace --locked "$@"
