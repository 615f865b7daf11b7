"""What a shrink-on-load scale costs in quality: the SSIM of two Cyanotype builds' JPEG resizes against
one reference, for the resizes where the two differ.

Used to choose the n/8 scales of the JPEG-to-JPEG resize (`decode::jpeg::choose_eighths`): build the
commit before a change as OLD, the change as NEW, and run

    bench/.venv/bin/python bench/scale_quality.py OLD NEW FRACTION,... FILE...

(after `bench/setup.sh`, which installs Pillow and scikit-image into bench/.venv). Each file is resized
to each fraction of its width (`image/resize,w_N/quality,Q_95`) by both builds' `cyanotype process`.
The reference is the source decoded whole by Pillow and resized by its Lanczos filter in one step.
Alongside, for scale: Pillow's own JPEG q95 of that reference ("full") and of the same resize from its
draft mode (the DCT-scaled decode thumbor uses, to at least the target size: "draft"). The SSIM is
scikit-image's, over RGB, data range 255.
"""

import io
import subprocess
import sys

import numpy as np
from PIL import Image
from skimage.metrics import structural_similarity as ssim


def cyanotype(exe, path, process):
    r = subprocess.run([exe, "process", path, process], capture_output=True)
    if r.returncode:
        return None
    return Image.open(io.BytesIO(r.stdout)).convert("RGB")


def jpeg95(im):
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=95, subsampling=2)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def main():
    old, new, fractions, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    scores = {"old": [], "new": [], "full": [], "draft": []}
    for path in files:
        w0, h0 = Image.open(path).size
        for fraction in (float(f) for f in fractions.split(",")):
            process = f"image/resize,w_{max(1, round(w0 * fraction))}/quality,Q_95"
            ours = {name: cyanotype(exe, path, process) for name, exe in (("old", old), ("new", new))}
            if None in ours.values() or ours["old"].tobytes() == ours["new"].tobytes():
                continue
            size = ours["old"].size
            reference = Image.open(path).convert("RGB").resize(size, Image.LANCZOS)
            draft = Image.open(path)
            draft.draft("RGB", size)
            outs = dict(ours, full=jpeg95(reference),
                        draft=jpeg95(draft.convert("RGB").resize(size, Image.LANCZOS)))
            ref = np.asarray(reference, dtype=np.float64)
            s = {k: ssim(ref, np.asarray(v, dtype=np.float64), channel_axis=2, data_range=255)
                 for k, v in outs.items()}
            for k, v in s.items():
                scores[k].append(v)
            print(f"{path.split('/')[-1][:32]:32s} {w0}x{h0} -> {size[0]}x{size[1]}: old {s['old']:.4f} "
                  f"new {s['new']:.4f} ({s['new'] - s['old']:+.4f}); Pillow full {s['full']:.4f}, "
                  f"draft at {draft.size[0]}x{draft.size[1]} {s['draft']:.4f} ({s['draft'] - s['full']:+.4f})")
    if scores["old"]:
        print("mean: " + ", ".join(f"{k} {np.mean(v):.4f}" for k, v in scores.items()) + f" ({len(scores['old'])} resizes)")


if __name__ == "__main__":
    main()
