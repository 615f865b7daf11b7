#!/usr/bin/env bash
# Builds Cyanotype (release) on a fresh machine and runs it. Without arguments it starts the server on
# the embedded default (127.0.0.1:8080, ./cyanotype-data, a generated and printed access key); with
# arguments it runs those, e.g.
#   scripts/run.sh process ../shared/testdata/oss/example.jpg "image/resize,w_200" -o thumb.jpg
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release --locked -p cyanotype >&2
if [ $# -eq 0 ]; then set -- serve; fi
exec target/release/cyanotype "$@"
