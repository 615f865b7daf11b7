#!/usr/bin/env bash
# Runs every test on a fresh machine: installs the build tools, runs the workspace's tests, then the
# real OSS SDKs (oss2, alibabacloud-oss-v2, ali-oss, installed into tests/compat) against the server.
# The engine tests read images from ../shared/testdata (override with CYANOTYPE_TESTDATA).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# setup.sh installed the watermark fonts when it could; if it did, the font-mapping test must pass.
if dpkg-query -W -f='${Status}' fonts-wqy-zenhei 2>/dev/null | grep -q "ok installed"; then
  export CYANOTYPE_EXPECT_DEBIAN_FONTS=1
fi
cargo test --workspace --locked "$@"
tests/compat/run.sh
