#!/usr/bin/env bash
# Installs the benchmark's peers, idempotently: sharp from npm (bench/node_modules); Pillow, pyvips and
# thumbor from PyPI into bench/.venv; libvips (for pyvips) and wrk (the HTTP load generator) from Debian.
set -euo pipefail
cd "$(dirname "$0")"
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
dpkg-query -W -f='${Status}' libvips42 2>/dev/null | grep -q "ok installed" || need+=(libvips42)
python3 -m venv --help >/dev/null 2>&1 && python3 -c 'import ensurepip' 2>/dev/null || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  echo "bench/setup: installing ${need[*]} from Debian" >&2
  $sudo apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
[ -d node_modules/sharp ] || npm install --no-audit --no-fund --loglevel=error
if ! .venv/bin/python -c 'import PIL, pyvips, thumbor' 2>/dev/null; then
  rm -rf .venv
  python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
fi
