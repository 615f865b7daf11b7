#!/usr/bin/env bash
# In-process benchmarks against sharp (libvips) in the same run, interleaved rounds, median of 20 runs
# after 2 warm-ups each: the JPEG thumbnail (12 MP -> 200 px wide, q80) with its floor (the bare
# 1/8-scale DCT decode), and a text watermark on the whole 12 MP photo.
# Usage: bench/run.sh [rounds]   (installs sharp with npm into bench/node_modules)
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd .. && pwd)
testdata=${CYANOTYPE_TESTDATA:-$root/../shared/testdata}
rounds=${1:-3}

"$root/scripts/setup.sh"
[ -d node_modules/sharp ] || npm install --no-audit --no-fund --loglevel=error
(cd "$root" && cargo build --release -p cyanotype-imaging --example bench && cargo build --release -p cyanotype) >/dev/null
bench="$root/target/release/examples/bench"

# A real 12 MP camera photo (CC-BY-SA-4.0, from Debian's lomiri-wallpapers-16.04), centre-cropped to
# 4000x3000 by Cyanotype itself; falls back to the generated 12 MP test image if Debian is unreachable.
mkdir -p work
input="work/photo_4000x3000.jpg"
if [ ! -s "$input" ]; then
  (cd work && apt-get download lomiri-wallpapers-16.04 >/dev/null 2>&1 && dpkg-deb -x lomiri-wallpapers-16.04_*.deb deb) || true
  if [ -s work/deb/usr/share/backgrounds/Dragonfly_by_Bolly.jpg ]; then
    "$root/target/release/cyanotype" process work/deb/usr/share/backgrounds/Dragonfly_by_Bolly.jpg \
      "image/crop,w_4000,h_3000,g_center/quality,Q_90" -o "$input"
  else
    input="$testdata/extreme/gen_large_4000x3000.jpg"
  fi
fi
mkdir -p results
echo "input: $input ($(stat -c %s "$input") bytes), machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
median() { python3 -c 'import json,sys;print(json.load(sys.stdin)["median_ms"])'; }

# 1. The JPEG thumbnail, with the floor: the bare 1/8-scale DCT decode of the same file.
out="results/thumbnail.json"
printf '%-6s %12s %12s %12s %8s %8s\n' round cyanotype sharp decode-1/8 ratio floor
rows=()
for r in $(seq 1 "$rounds"); do
  c=$("$bench" "$input" "image/resize,w_200/quality,Q_80" 20)
  s=$(JPEG_QUALITY=80 node sharp_bench.mjs "$input" thumb 20)
  f=$("$bench" "$input" "decode-1/8" 20)
  cm=$(echo "$c" | median); sm=$(echo "$s" | median); fm=$(echo "$f" | median)
  printf '%-6s %10s ms %10s ms %10s ms %8s %8s\n' "$r" "$cm" "$sm" "$fm" \
    "$(python3 -c "print(f'{$cm/$sm:.2f}')")" "$(python3 -c "print(f'{$cm/$fm:.2f}')")"
  rows+=("{\"round\":$r,\"cyanotype\":$c,\"sharp\":$s,\"decode_1_8\":$f}")
done
(IFS=,; echo "{\"op\":\"resize,w_200 to JPEG q80\",\"input\":\"$(basename "$input")\",\"date\":\"$(date -u +%FT%TZ)\",\"cores\":$(nproc),\"rounds\":[${rows[*]}]}") > "$out"
echo "ratio = cyanotype / sharp (lower is faster); floor = cyanotype / bare 1/8 decode; written to bench/$out"

# 2. A text watermark on the whole 12 MP photo, re-encoded at q80: the same words, font file (the
#    embedded WenQuanYi Micro Hei) and 40 px size; sharp renders with libvips/pango and composites.
out="results/watermark_text.json"
wm="image/watermark,text_SGVsbG8g5Zu-54mH5pyN5YqhIQ,type_d3F5LW1pY3JvaGVp/quality,Q_80"
printf '%-6s %12s %12s %8s\n' round cyanotype sharp ratio
rows=()
for r in $(seq 1 "$rounds"); do
  c=$("$bench" "$input" "$wm" 20)
  s=$(WM_FONTFILE="$root/fonts/wqy-microhei.ttc" JPEG_QUALITY=80 node sharp_bench.mjs "$input" wmtext 20)
  cm=$(echo "$c" | median); sm=$(echo "$s" | median)
  printf '%-6s %10s ms %10s ms %8s\n' "$r" "$cm" "$sm" "$(python3 -c "print(f'{$cm/$sm:.2f}')")"
  rows+=("{\"round\":$r,\"cyanotype\":$c,\"sharp\":$s}")
done
(IFS=,; echo "{\"op\":\"$wm\",\"input\":\"$(basename "$input")\",\"date\":\"$(date -u +%FT%TZ)\",\"cores\":$(nproc),\"rounds\":[${rows[*]}]}") > "$out"
echo "ratio = cyanotype / sharp (lower is faster); written to bench/$out"
