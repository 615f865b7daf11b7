#!/usr/bin/env bash
# The benchmark, one command: installs the peers (bench/setup.sh), builds Cyanotype (release), prepares
# the inputs, runs every operation in-process for Cyanotype, sharp, libvips (pyvips) and Pillow
# (bench/ops.py: one table, bench/results/ops.json), then the HTTP benchmark against thumbor
# (bench/http.sh: bench/results/http.json; with a 5-minute RSS soak, bench/results/soak.json) unless
# --no-http. Between them, JPEG bytes and SSIM against sharp (bench/jpeg_size.py: results/jpeg_size.json).
# Usage: bench/run.sh [--no-http] [rounds (2)] [iterations (20)] [soak seconds (300)]
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd .. && pwd)
testdata=${CYANOTYPE_TESTDATA:-$root/../shared/testdata}
http=1
if [ "${1:-}" = "--no-http" ]; then http=0; shift; fi
rounds=${1:-2}
iterations=${2:-20}
soak=${3:-300}

"$root/scripts/setup.sh"
./setup.sh
(cd "$root" && cargo build --release --locked -p cyanotype-imaging --example bench && cargo build --release --locked -p cyanotype) >&2
cy="$root/target/release/cyanotype"

# Inputs. A real 12 MP camera photo (CC-BY-SA-4.0, from Debian's lomiri-wallpapers-16.04),
# centre-cropped to 4000x3000 by Pillow; the generated 12 MP test image if Debian is
# unreachable. The 1000 px JPEG, the 1000 px RGBA PNG (rounded corners) and the 1600 px WebP derive
# from it. The animated GIF (31 frames) and the camera JPEG with EXIF come from ../shared/testdata.
mkdir -p work
w=work
photos=$w/deb/usr/share/backgrounds
[ -d $photos ] || (cd $w && apt-get download lomiri-wallpapers-16.04 >/dev/null 2>&1 && dpkg-deb -x lomiri-wallpapers-16.04_*.deb deb) || true
if [ ! -s $w/photo_4000x3000.jpg ]; then
  if [ -s $w/deb/usr/share/backgrounds/Dragonfly_by_Bolly.jpg ]; then
    # Written by Pillow (libjpeg's own tables, q90, 4:2:0) like a camera would, not by the encoder under test.
    .venv/bin/python -c 'import sys; from PIL import Image; im = Image.open(sys.argv[1]); l, t = (im.width - 4000) // 2, (im.height - 3000) // 2; im.crop((l, t, l + 4000, t + 3000)).save(sys.argv[2], quality=90, subsampling=2)' \
      $w/deb/usr/share/backgrounds/Dragonfly_by_Bolly.jpg $w/photo_4000x3000.jpg
  else
    cp "$testdata/extreme/gen_large_4000x3000.jpg" $w/photo_4000x3000.jpg
  fi
fi
[ -s $w/photo_1000.jpg ] || .venv/bin/python -c 'import sys; from PIL import Image; im = Image.open(sys.argv[1]); im.resize((1000, 750), Image.LANCZOS).save(sys.argv[2], quality=90, subsampling=2)' \
  $w/photo_4000x3000.jpg $w/photo_1000.jpg
[ -s $w/alpha_1000.png ] || "$cy" process $w/photo_4000x3000.jpg "image/resize,w_1000/rounded-corners,r_250/format,png" -o $w/alpha_1000.png
[ -s $w/photo_1600.webp ] || "$cy" process $w/photo_4000x3000.jpg "image/resize,w_1600/format,webp/quality,Q_85" -o $w/photo_1600.webp

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $rounds rounds x $iterations runs"
.venv/bin/python ops.py "$w" "$rounds" "$iterations"
# JPEG bytes at equal SSIM: the Debian photos (if Debian was reachable) and three held-out camera JPEGs.
.venv/bin/python jpeg_size.py "$cy" $(ls $photos/*.jpg 2>/dev/null) "$testdata/jpeg/camera_exif/pillow_xmp_test_canon-eos-rebel-t6.jpg" \
  "$testdata/jpeg/camera_exif/goexif_samsung-SM-N920T_gps_progressive.jpg" "$testdata/jpeg/camera_exif/goexif_gps-2000-scaled.jpg"
if [ $http = 1 ]; then ./http.sh 10 "$soak"; fi
