"""JPEG output size at equal quality: Cyanotype's thumbnails against sharp's, scored by SSIM.

For each photo and each op (thumb: 200 px wide; fill: 300x300 cover), both write a JPEG at q80.
SSIM (scikit-image, RGB, data range 255) compares each to the same reference: Pillow's Lanczos resize
(and centre crop for fill) of the fully decoded original, which neither of them computed. Reported:
bytes and SSIM at q80, and Cyanotype's bytes at sharp's q80 SSIM (interpolated over a sweep of our
quality from 50 to 95): the size the target "at most 0.95x sharp's bytes at equal or better SSIM" asks.

A photo whose own JPEG quality (estimated from its tables) is below 85 is skipped: `Q_80` never raises
the quality above the source's (OSS's rule), so our output would be at the source's quality while
sharp's is at 80, not a like-for-like pair. Photos under a directory named `backgrounds` are marked as
the set our quantisation tables were calibrated on (bench/jpeg_tables.py); the others are held out.

Usage (bench/run.sh calls it): python jpeg_size.py <cyanotype binary> <photo> [<photo> ...]
Writes bench/results/jpeg_size.json.
"""
import io
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from PIL import Image
from skimage.metrics import structural_similarity

HERE = os.path.dirname(os.path.abspath(__file__))
OPS = {"thumb": "image/resize,w_200", "fill": "image/resize,m_fill,w_300,h_300"}
SWEEP = list(range(50, 96, 5))
MIN_SOURCE_QUALITY = 85
# libjpeg's luminance table (JPEG Annex K), in the zig-zag order Pillow reports.
STD_LUMA = [16, 11, 12, 14, 12, 10, 16, 14, 13, 14, 18, 17, 16, 19, 24, 40, 26, 24, 22, 22, 24, 49, 35, 37, 29, 40, 58,
            51, 61, 60, 57, 51, 56, 55, 64, 72, 92, 78, 64, 68, 87, 69, 55, 56, 80, 109, 81, 87, 95, 98, 103, 104, 103,
            62, 77, 113, 121, 112, 100, 120, 92, 101, 103, 99]


def source_quality(path):
    """The libjpeg quality whose luminance table is nearest the file's (least squares)."""
    table = Image.open(path).quantization[0]
    def err(q):
        scale = 5000 // q if q < 50 else 200 - 2 * q
        return sum((min(255, max(1, (v * scale + 50) // 100)) - t) ** 2 for v, t in zip(STD_LUMA, table))
    return min(range(1, 101), key=err)


def reference(path, op, size):
    """`size` is sharp's output size: the rounding of the height of a 200 px wide thumbnail is the
    resizer's choice, and Cyanotype's must match it for the pair to count."""
    src = Image.open(path)
    src.load()
    src = src.convert("RGB")
    if op == "thumb":
        return src.resize(size, Image.LANCZOS)
    side = min(src.width, src.height)
    left, top = (src.width - side) // 2, (src.height - side) // 2
    return src.crop((left, top, left + side, top + side)).resize((300, 300), Image.LANCZOS)


def ssim(ref, data):
    a = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.float64)
    b = np.asarray(ref, dtype=np.float64)
    if a.shape != b.shape:
        return None
    return float(structural_similarity(b, a, channel_axis=2, data_range=255))


def cyanotype(binary, path, op, q, out):
    subprocess.run([binary, "process", path, f"{OPS[op]}/quality,Q_{q}", "-o", out], check=True, capture_output=True)
    return open(out, "rb").read()


def sharp(path, op, q, out):
    subprocess.run(["node", os.path.join(HERE, "peers", "sharp_jpeg.mjs"), path, out, op, str(q)], check=True,
                   capture_output=True, cwd=HERE)
    return open(out, "rb").read()


def bytes_at(target, sweep):
    """Bytes at SSIM `target`, interpolated between the sweep's neighbouring points."""
    pts = sorted((s, b) for s, b in sweep if s is not None)
    for (s0, b0), (s1, b1) in zip(pts, pts[1:]):
        if s0 <= target <= s1:
            return b0 + (b1 - b0) * (target - s0) / (s1 - s0) if s1 > s0 else b0
    return None


def main():
    binary, photos = os.path.abspath(sys.argv[1]), [os.path.abspath(p) for p in sys.argv[2:]]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "o.jpg")
        for path in photos:
            sq = source_quality(path)
            if sq < MIN_SOURCE_QUALITY:
                print(f"{os.path.basename(path)}: skipped, its own quality is {sq} (< {MIN_SOURCE_QUALITY})", flush=True)
                continue
            held_out = "backgrounds" not in path
            for op in OPS:
                s_data = sharp(path, op, 80, out)
                ref = reference(path, op, Image.open(io.BytesIO(s_data)).size)
                c_data = cyanotype(binary, path, op, 80, out)
                s_ssim, c_ssim = ssim(ref, s_data), ssim(ref, c_data)
                if c_ssim is None:
                    print(f"{os.path.basename(path)} {op}: sizes differ, sharp {Image.open(io.BytesIO(s_data)).size} "
                          f"cyanotype {Image.open(io.BytesIO(c_data)).size}; not compared", flush=True)
                    continue
                sweep = []
                for q in SWEEP:
                    d = cyanotype(binary, path, op, q, out)
                    sweep.append((ssim(ref, d), len(d)))
                at = bytes_at(s_ssim, sweep) if s_ssim is not None else None
                row = {"photo": os.path.basename(path), "op": op, "held_out": held_out, "source_quality": sq, "sharp_bytes": len(s_data), "sharp_ssim": s_ssim,
                       "cyanotype_bytes": len(c_data), "cyanotype_ssim": c_ssim,
                       "ratio_at_q80": len(c_data) / len(s_data),
                       "cyanotype_bytes_at_sharp_ssim": at, "ratio_at_equal_ssim": at / len(s_data) if at else None}
                rows.append(row)
                eq = f"{row['ratio_at_equal_ssim']:.3f}" if at else "  -  "
                print(f"{row['photo'][:34]:<34}{'*' if held_out else ' '} {op:<5} sharp {len(s_data):>6} B ssim {s_ssim:.4f}   cyanotype "
                      f"{len(c_data):>6} B ssim {c_ssim:.4f}   q80 ratio {row['ratio_at_q80']:.3f}   equal-SSIM ratio {eq}",
                      flush=True)
    geo = lambda xs: float(np.exp(np.mean(np.log(xs)))) if xs else None
    summary = {op: {"geomean_ratio_at_q80": geo([r["ratio_at_q80"] for r in rows if r["op"] == op]),
                    "geomean_ratio_at_equal_ssim": geo([r["ratio_at_equal_ssim"] for r in rows
                                                        if r["op"] == op and r["ratio_at_equal_ssim"]]),
                    "cyanotype_ssim_not_below_sharp": sum(r["cyanotype_ssim"] >= r["sharp_ssim"] for r in rows
                                                          if r["op"] == op),
                    "photos": sum(r["op"] == op for r in rows),
                    "held_out_geomean_ratio_at_equal_ssim": geo([r["ratio_at_equal_ssim"] for r in rows
                                                                 if r["op"] == op and r["held_out"] and r["ratio_at_equal_ssim"]])}
               for op in OPS}
    for op, s in summary.items():
        print(f"{op}: bytes / sharp at q80 {s['geomean_ratio_at_q80']:.3f} (SSIM not below sharp's on "
              f"{s['cyanotype_ssim_not_below_sharp']}/{s['photos']}); at sharp's SSIM {s['geomean_ratio_at_equal_ssim']:.3f}"
              f" (held out, marked *: {s['held_out_geomean_ratio_at_equal_ssim'] or float('nan'):.3f})")
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "jpeg_size.json"), "w") as f:
        json.dump({"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "summary": summary, "rows": rows}, f, indent=1)
    print("written to bench/results/jpeg_size.json")


if __name__ == "__main__":
    main()
