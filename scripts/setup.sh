#!/usr/bin/env bash
# Installs what a fresh machine lacks to build Cyanotype: cmake and nasm (the vendored libjpeg-turbo
# build needs them). Idempotent; needs root (or sudo) only when something is missing.
set -euo pipefail
missing=()
for tool in cmake nasm; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]} from Debian" >&2
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v cargo >/dev/null || { echo "setup: the Rust toolchain (cargo) is required" >&2; exit 1; }
