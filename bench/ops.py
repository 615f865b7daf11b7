"""The in-process benchmark: every operation of the set, for Cyanotype, sharp, libvips (pyvips) and
Pillow, interleaved in rounds on the same machine; median of N runs after 2 warm-ups per peer and op.
Two ways: "idle", each peer at its defaults on an otherwise idle machine (sharp and libvips with a
thread per core, Cyanotype splitting a 1/8 JPEG decode over the idle core), which is the latency of
one request; and "one core", every peer pinned to CPU 0 (taskset) with one thread, which is the CPU
cost per image and so what a loaded server can do per core. Prints a table for each, with
milliseconds and ratios to sharp, and writes bench/results/ops.json.

Usage (bench/run.sh prepares the inputs and peers): python ops.py <work dir> <rounds> <iterations>
"""
import json
import math
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TESTDATA = os.environ.get("CYANOTYPE_TESTDATA", os.path.join(ROOT, "..", "shared", "testdata"))
WM = "image/watermark,text_SGVsbG8g5Zu-54mH5pyN5YqhIQ,type_d3F5LW1pY3JvaGVp"

# name, input, Cyanotype's process string, what it is. The peers' versions are in peers/.
OPS = [
    ("thumb", "photo", "image/resize,w_200/quality,Q_80", "12 MP JPEG -> 200 px wide JPEG"),
    ("fill", "photo", "image/resize,m_fill,w_300,h_300/quality,Q_80", "12 MP -> 300x300 cover JPEG"),
    ("webp1600", "photo", "image/resize,w_1600/format,webp/quality,Q_80", "12 MP -> 1600 px WebP q80"),
    ("rotate", "photo", "image/rotate,90/quality,Q_80", "12 MP rotate 90 -> JPEG"),
    ("blur", "photo_1000", "image/blur,r_3,s_2/quality,Q_80", "1000 px JPEG blur sigma 2"),
    ("png_alpha", "alpha_1000", "image/resize,w_500", "1000 px RGBA PNG -> 500 px PNG"),
    ("crop", "photo", "image/crop,x_1000,y_1000,w_800,h_600/quality,Q_80", "12 MP crop 800x600 JPEG"),
    ("to_png", "photo_1000", "image/format,png", "1000 px JPEG -> PNG"),
    ("hue", "photo", "image/average-hue", "12 MP average colour"),
    ("info", "camera", "image/info", "2000 px camera JPEG: size, format, EXIF"),
    ("wm_text", "photo", WM + "/quality,Q_80", "12 MP text watermark -> JPEG"),
    ("gif", "anim", "image/resize,w_100", "31-frame GIF -> 100 px animated GIF"),
    ("webp_thumb", "webp", "image/resize,w_400/quality,Q_80", "1600 px WebP -> 400 px WebP"),
    ("example", "example", "image/resize,w_100/quality,Q_80", "the OSS guide's example.jpg (400x267) -> 100 px JPEG"),
    # The HTTP benchmark's `small` op, so its server overhead is measured against this same run.
    ("small", "photo_1000", "image/resize,w_300/quality,Q_80", "1000 px JPEG -> 300 px wide JPEG"),
]
PEERS = ["cyanotype", "sharp", "libvips", "pillow"]


def inputs(work):
    return {
        "photo": os.path.join(work, "photo_4000x3000.jpg"),
        "photo_1000": os.path.join(work, "photo_1000.jpg"),
        "alpha_1000": os.path.join(work, "alpha_1000.png"),
        "webp": os.path.join(work, "photo_1600.webp"),
        "camera": os.path.join(TESTDATA, "jpeg", "camera_exif", "pillow_xmp_test_canon-eos-rebel-t6.jpg"),
        "anim": os.path.join(TESTDATA, "gif", "pillow_chi_animated.gif"),
        "example": os.path.join(TESTDATA, "oss", "example.jpg"),
    }


MODES = ["idle", "one_core"]


def run_peer(peer, op, process, path, iterations, mode):
    env = dict(os.environ, WM_FONTFILE=os.path.join(ROOT, "fonts", "wqy-microhei.ttc"))
    pin = []
    if mode == "one_core":
        env.update(VIPS_CONCURRENCY="1", SHARP_CONCURRENCY="1")
        pin = ["taskset", "-c", "0"]
    if peer == "cyanotype":
        cmd = [os.path.join(ROOT, "target", "release", "examples", "bench"), path, process, str(iterations)]
    elif peer == "sharp":
        cmd = ["node", os.path.join(HERE, "peers", "sharp_bench.mjs"), op, path, str(iterations)]
    else:
        py = os.path.join(HERE, ".venv", "bin", "python")
        cmd = [py, os.path.join(HERE, "peers", "py_bench.py"), "vips" if peer == "libvips" else "pillow", op, path, str(iterations)]
    r = subprocess.run(pin + cmd, capture_output=True, text=True, env=env, cwd=HERE)
    if r.returncode != 0:
        return {"error": (r.stderr.strip().splitlines() or ["failed"])[-1][:200]}
    return json.loads(r.stdout.strip().splitlines()[-1])


def versions():
    py = os.path.join(HERE, ".venv", "bin", "python")
    v = subprocess.run([py, "-c", "import PIL, pyvips; print(PIL.__version__, '%d.%d.%d' % tuple(pyvips.version(i) for i in range(3)))"],
                       capture_output=True, text=True).stdout.split()
    sharp = json.load(open(os.path.join(HERE, "node_modules", "sharp", "package.json")))["version"]
    libvips_sharp = subprocess.run(["node", "-e", "import('sharp').then(s=>console.log(s.default.versions.vips))"],
                                   capture_output=True, text=True, cwd=HERE).stdout.strip()
    return {"sharp": sharp, "sharp_libvips": libvips_sharp, "pillow": v[0] if v else "?", "libvips_pyvips": v[1] if len(v) > 1 else "?"}


def median(values):
    """The median; of an even count, the mean of the middle two (not the upper one)."""
    v = sorted(values)
    if not v:
        return None
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def table(paths, raw, mode):
    """Prints the table of one mode; returns its rows and the geometric mean of cyanotype/sharp."""
    def med(op, peer):
        return median([x["median_ms"] for x in raw[op][peer] if "median_ms" in x])

    rows = []
    print(f"\n{mode}: " + ("each peer at its defaults, machine otherwise idle" if mode == "idle"
                           else "every peer pinned to one core, one thread"))
    head = f"{'op':<11} {'cyanotype':>10} {'sharp':>10} {'libvips':>10} {'pillow':>10}   {'cy/sharp':>8} {'vips/sh':>8} {'pil/sh':>8}  what"
    print(head)
    print("-" * len(head))
    ratios = []
    for op, inp, process, what in OPS:
        m = {p: med(op, p) for p in PEERS}
        s = m["sharp"]
        rat = {p: (m[p] / s if m[p] and s else None) for p in PEERS}
        if rat["cyanotype"]:
            ratios.append(rat["cyanotype"])
        fmt = lambda v: f"{v:10.2f}" if v is not None else f"{'err':>10}"
        fr = lambda v: f"{v:8.2f}" if v is not None else f"{'-':>8}"
        print(f"{op:<11} {fmt(m['cyanotype'])} {fmt(m['sharp'])} {fmt(m['libvips'])} {fmt(m['pillow'])}   "
              f"{fr(rat['cyanotype'])} {fr(rat['libvips'])} {fr(rat['pillow'])}  {what}")
        rows.append({"op": op, "what": what, "input": os.path.basename(paths[inp]), "cyanotype_process": process,
                     "median_ms": m, "ratio_to_sharp": rat,
                     "bytes": {p: (raw[op][p][-1].get("bytes")) for p in PEERS},
                     "errors": {p: x["error"] for p in PEERS for x in raw[op][p] if "error" in x}})
    geo = math.exp(sum(math.log(r) for r in ratios) / len(ratios)) if ratios else None
    print(f"geometric mean of cyanotype/sharp over {len(ratios)} ops: {geo:.2f}" if geo else "")
    return rows, geo


def main():
    work, rounds, iterations = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    paths = inputs(work)
    raw = {mode: {op: {p: [] for p in PEERS} for op, *_ in OPS} for mode in MODES}
    floor = []
    for r in range(rounds):
        # The floor of the thumbnail: libjpeg-turbo's bare 1/8-scale DCT decode of the photo (one thread).
        floor.append(run_peer("cyanotype", "floor", "decode-1/8", paths["photo"], iterations, "one_core"))
        for mode in MODES:
            for op, inp, process, _ in OPS:
                for peer in PEERS:
                    res = run_peer(peer, op, process, paths[inp], iterations, mode)
                    raw[mode][op][peer].append(res)
                line = "  ".join(
                    f"{p} {raw[mode][op][p][-1].get('median_ms', 'ERR')}" for p in PEERS)
                print(f"round {r + 1} {mode:<8} {op:<11} {line}", file=sys.stderr, flush=True)

    results = {mode: table(paths, raw[mode], mode) for mode in MODES}
    fl = median([x["median_ms"] for x in floor if "median_ms" in x])
    thumb = {mode: next(r["median_ms"]["cyanotype"] for r in results[mode][0] if r["op"] == "thumb") for mode in MODES}
    if fl:
        for mode in MODES:
            if thumb[mode]:
                print(f"thumb floor (libjpeg-turbo's bare 1/8 DCT decode of the photo): {fl:.2f} ms; "
                      f"thumb ({mode}) / floor = {thumb[mode] / fl:.2f}")
    cpu = ""
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except Exception:
        pass
    result = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "machine": {"cores": os.cpu_count(), "cpu": cpu,
              "kernel": platform.release()}, "rounds": rounds, "iterations": iterations, "versions": versions(),
              "modes": {"idle": "each peer at its defaults (threads per core), machine otherwise idle",
                        "one_core": "every peer pinned to CPU 0 with taskset, one thread"},
              "geomean_cyanotype_to_sharp": results["idle"][1], "ops": results["idle"][0],
              "geomean_cyanotype_to_sharp_one_core": results["one_core"][1], "ops_one_core": results["one_core"][0],
              "thumb_floor_ms": fl, "thumb_to_floor": (thumb["idle"] / fl if fl and thumb["idle"] else None),
              "thumb_one_core_to_floor": (thumb["one_core"] / fl if fl and thumb["one_core"] else None),
              "raw": raw, "raw_floor": floor}
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "ops.json"), "w") as f:
        json.dump(result, f, indent=1)
    print("written to bench/results/ops.json")


if __name__ == "__main__":
    main()
