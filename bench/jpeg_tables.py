"""Calibrates the quality mapping of our JPEG quantisation tables (crates/imaging/src/encode/jpeg_tables.rs).

On the same resized pixels (Pillow: DCT-scaled draft decode then Lanczos, as a thumbnailer does), it
encodes with libjpeg's tables at each asked quality and with our tables at every quality, and finds the
lowest quality for our tables whose mean SSIM (against a Lanczos resize of the full decode) reaches
libjpeg's. Prints, per width and asked quality: the mapped quality, both SSIMs and the bytes ratio.
Pillow writes the tables through the same libjpeg calls as csrc/jpeg_tables.c (scale 100, baseline).

Usage: python jpeg_tables.py <dir of photos> [widths, default 100,200,400]
(bench/run.sh leaves Debian's lomiri-wallpapers-16.04 photos in bench/work/deb/usr/share/backgrounds.)
"""
import glob
import io
import os
import sys

import numpy as np
from PIL import Image
from skimage.metrics import structural_similarity

# Our base tables, natural order: the formulas of jpeg_tables.rs.
LUMA = [(16 * (10 + 2 * (u + v)) + 5) // 10 for v in range(8) for u in range(8)]
CHROMA = [(17 * (10 + (u + v)) + 5) // 10 for v in range(8) for u in range(8)]


def scaled(table, q):
    percent = 5000 // q if q < 50 else 200 - 2 * q
    return [max(1, min(255, (v * percent + 50) // 100)) for v in table]


def encode(img, q, ours):
    out = io.BytesIO()
    if ours:
        img.save(out, "JPEG", qtables=[scaled(LUMA, q), scaled(CHROMA, q)], optimize=True, subsampling=2)
    else:
        img.save(out, "JPEG", quality=q, optimize=True, subsampling=2)
    return out.getvalue()


def ssim(ref, data):
    a = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.float64)
    return structural_similarity(ref, a, channel_axis=2, data_range=255)


def prepare(path, width):
    src = Image.open(path)
    src.load()
    src = src.convert("RGB")
    size = (width, round(src.height * width / src.width))
    ref = np.asarray(src.resize(size, Image.LANCZOS), dtype=np.float64)
    draft = Image.open(path)
    draft.draft("RGB", (size[0] * 2, size[1] * 2))
    return ref, draft.convert("RGB").resize(size, Image.LANCZOS)


def main():
    photos = sorted(glob.glob(os.path.join(sys.argv[1], "*.jpg")))
    widths = [int(w) for w in (sys.argv[2] if len(sys.argv) > 2 else "100,200,400").split(",")]
    for width in widths:
        sets = [prepare(p, width) for p in photos]
        ours = {}
        for q in range(10, 101, 2):
            runs = [(ssim(ref, d), len(d)) for ref, img in sets for d in [encode(img, q, True)]]
            ours[q] = (np.mean([s for s, _ in runs]), np.array([b for _, b in runs]))
        for asked in range(30, 101, 5):
            runs = [(ssim(ref, d), len(d)) for ref, img in sets for d in [encode(img, asked, False)]]
            target = np.mean([s for s, _ in runs])
            base = np.array([b for _, b in runs])
            reach = [q for q in ours if ours[q][0] >= target]
            if not reach:
                print(f"{width} px  q{asked}: our tables never reach SSIM {target:.4f}")
                continue
            q = min(reach)
            ratio = ours[q][1] / base
            print(f"{width} px  q{asked} -> {q}  SSIM libjpeg {target:.4f} ours {ours[q][0]:.4f}  "
                  f"bytes ratio mean {ratio.mean():.3f} max {ratio.max():.3f}", flush=True)


if __name__ == "__main__":
    main()
