#!/usr/bin/env bash
# Installs the real OSS clients the compatibility tests drive: Python oss2 and alibabacloud-oss-v2 (plus
# pytest, requests, Pillow) in a venv, Node ali-oss with npm. Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")"
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import oss2, alibabacloud_oss_v2, pytest, PIL, requests' 2>/dev/null; then
  rm -rf .venv
  if ! python3 -m venv .venv 2>/dev/null; then
    # Debian keeps venv/ensurepip in a separate package.
    rm -rf .venv
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv .venv
  fi
  .venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
fi
if [ ! -d node_modules/ali-oss ]; then
  npm install --silent --no-audit --no-fund
fi
