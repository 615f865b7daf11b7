#!/usr/bin/env bash
# Installs the real OSS clients the compatibility tests drive: Python oss2 and alibabacloud-oss-v2 in a
# venv, Node ali-oss with npm. Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import oss2, alibabacloud_oss_v2' 2>/dev/null; then
  python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
fi
if [ ! -d node_modules/ali-oss ]; then
  npm install --silent --no-audit --no-fund
fi
