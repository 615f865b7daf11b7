#!/usr/bin/env bash
# The HTTP half of the benchmark (bench/run.sh calls it): Cyanotype and thumbor under wrk.
# Usage: bench/http.sh [seconds per run (10)] [soak seconds (0)]; expects bench/run.sh's inputs in bench/work.
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh
../scripts/setup.sh
(cd .. && cargo build --release --locked -p cyanotype) >&2
.venv/bin/python http_bench.py work "${1:-10}" "${2:-0}"
