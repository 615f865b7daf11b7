#!/usr/bin/env bash
# Installs what a fresh machine lacks: cmake and nasm (the vendored libjpeg-turbo build needs them),
# libheif-dev (HEIC and AVIF sources: the binary links the system libheif, with libde265 and dav1d),
# and the Debian fonts that stand for OSS's watermark font names (see the README's font table).
# Idempotent; needs root (or sudo) only when something is missing. The fonts are optional: if they
# cannot be installed (or CYANOTYPE_SKIP_FONTS=1), the font compiled into the binary stands in for all.
set -euo pipefail
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
missing=()
for tool in cmake nasm; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if command -v dpkg-query >/dev/null 2>&1; then
  dpkg-query -W -f='${Status}' libheif-dev 2>/dev/null | grep -q "ok installed" || missing+=(libheif-dev)
elif ! pkg-config --exists libheif 2>/dev/null; then
  echo "setup: libheif (development files, 1.14 or later) is required; install it with your package manager" >&2
  exit 1
fi
fonts=()
if [ "${CYANOTYPE_SKIP_FONTS:-0}" != 1 ] && command -v dpkg-query >/dev/null 2>&1; then
  for p in fonts-wqy-zenhei fonts-wqy-microhei fonts-arphic-gbsn00lp fonts-arphic-gkai00mp \
           fonts-arphic-uming fonts-droid-fallback; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || fonts+=("$p")
  done
fi
if [ ${#missing[@]} -gt 0 ] || [ ${#fonts[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]} ${fonts[*]} from Debian" >&2
  $sudo apt-get update -qq || true
fi
if [ ${#missing[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ ${#fonts[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${fonts[@]}" >/dev/null \
    || echo "setup: could not install ${fonts[*]}; the embedded WenQuanYi Micro Hei stands in" >&2
fi
command -v cargo >/dev/null || { echo "setup: the Rust toolchain (cargo) is required" >&2; exit 1; }
