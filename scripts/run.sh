#!/usr/bin/env bash
# Builds Cyanotype (release) on a fresh machine and runs it with the given arguments, e.g.
#   scripts/run.sh process ../shared/testdata/oss/example.jpg "image/resize,w_200" -o thumb.jpg
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release --locked -p cyanotype >&2
exec target/release/cyanotype "$@"
