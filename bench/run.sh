#!/usr/bin/env bash
# The benchmark, one command: installs the peers (bench/setup.sh), builds Cyanotype (release), prepares
# the inputs, runs every operation in-process for Cyanotype, sharp, libvips (pyvips) and Pillow
# (bench/ops.py: one table, bench/results/ops.json), then the HTTP benchmark against thumbor
# (bench/http.sh: bench/results/http.json) unless --no-http.
# Usage: bench/run.sh [--no-http] [rounds (2)] [iterations (20)]
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd .. && pwd)
testdata=${CYANOTYPE_TESTDATA:-$root/../shared/testdata}
http=1
if [ "${1:-}" = "--no-http" ]; then http=0; shift; fi
rounds=${1:-2}
iterations=${2:-20}

"$root/scripts/setup.sh"
./setup.sh
(cd "$root" && cargo build --release --locked -p cyanotype-imaging --example bench && cargo build --release --locked -p cyanotype) >&2
cy="$root/target/release/cyanotype"

# Inputs. A real 12 MP camera photo (CC-BY-SA-4.0, from Debian's lomiri-wallpapers-16.04),
# centre-cropped to 4000x3000 by Cyanotype itself; the generated 12 MP test image if Debian is
# unreachable. The 1000 px JPEG, the 1000 px RGBA PNG (rounded corners) and the 1600 px WebP derive
# from it. The animated GIF (31 frames) and the camera JPEG with EXIF come from ../shared/testdata.
mkdir -p work
w=work
if [ ! -s $w/photo_4000x3000.jpg ]; then
  (cd $w && apt-get download lomiri-wallpapers-16.04 >/dev/null 2>&1 && dpkg-deb -x lomiri-wallpapers-16.04_*.deb deb) || true
  if [ -s $w/deb/usr/share/backgrounds/Dragonfly_by_Bolly.jpg ]; then
    "$cy" process $w/deb/usr/share/backgrounds/Dragonfly_by_Bolly.jpg "image/crop,w_4000,h_3000,g_center/quality,Q_90" -o $w/photo_4000x3000.jpg
  else
    cp "$testdata/extreme/gen_large_4000x3000.jpg" $w/photo_4000x3000.jpg
  fi
fi
[ -s $w/photo_1000.jpg ] || "$cy" process $w/photo_4000x3000.jpg "image/resize,w_1000/quality,Q_90" -o $w/photo_1000.jpg
[ -s $w/alpha_1000.png ] || "$cy" process $w/photo_4000x3000.jpg "image/resize,w_1000/rounded-corners,r_250/format,png" -o $w/alpha_1000.png
[ -s $w/photo_1600.webp ] || "$cy" process $w/photo_4000x3000.jpg "image/resize,w_1600/format,webp/quality,Q_85" -o $w/photo_1600.webp

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $rounds rounds x $iterations runs"
.venv/bin/python ops.py "$w" "$rounds" "$iterations"
if [ $http = 1 ]; then ./http.sh; fi
