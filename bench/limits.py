"""The worst requests the pixel limits allow: small files that decode to 225-250 MP (made here with
Pillow), each through `cyanotype process` alone (seconds and peak RSS), then two at once against
`cyanotype serve` with the default memory budget (half the machine's memory, which two of them
stay under on a large machine) and with the one given (the server's peak RSS).

Usage (after bench/setup.sh and a release build): bench/.venv/bin/python bench/limits.py [budget MB (2500)]
Inputs go to bench/work/limits/. Nothing is asserted: the figures are for the README and the notes.
"""
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

import oss2
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CY = os.path.join(ROOT, "target", "release", "cyanotype")
WORK = os.path.join(HERE, "work", "limits")
AK, SK = "AKlimits", "SKlimits"


def inputs():
    """Writes each input once; (file, process) pairs to time."""
    os.makedirs(WORK, exist_ok=True)

    def make(name, build):
        path = os.path.join(WORK, name)
        if not os.path.exists(path):
            build(path)
        return name

    flat = lambda mode, size, colour: Image.new(mode, size, colour)
    big = (15000, 15000)
    cases = [
        (make("pal_250mp.png", lambda p: flat("P", (15800, 15800), 0).save(p)), "image/resize,w_100"),
        (make("rgba_250mp.png", lambda p: flat("RGBA", (15800, 15800), (10, 20, 30, 0)).save(p)),
         "image/resize,w_100"),
        (make("base_225mp.jpg", lambda p: flat("RGB", big, (120, 130, 140)).save(p, quality=75)),
         "image/resize,w_100"),
        ("base_225mp.jpg", "image/resize,w_4096"),
        (make("prog420_225mp.jpg",
              lambda p: flat("RGB", big, (120, 130, 140)).save(p, quality=75, progressive=True)),
         "image/resize,w_4096"),
        (make("prog444_225mp.jpg",
              lambda p: flat("RGB", big, (120, 130, 140)).save(p, quality=75, progressive=True, subsampling=0)),
         "image/resize,w_4096"),
        (make("anim_990x500sq.gif", lambda p: (lambda fs: fs[0].save(
            p, save_all=True, append_images=fs[1:], duration=20))(
            [flat("RGB", (500, 500), (i % 2 * 255, 0, 0)) for i in range(990)])), "image/resize,w_100"),
        (make("lossless_250mp.webp", lambda p: flat("RGB", (15800, 15800), (1, 2, 3)).save(p, lossless=True)),
         "image/resize,w_100"),
    ]
    return cases


def one_request(name, process):
    out = tempfile.NamedTemporaryFile(delete=False)
    out.close()
    r = subprocess.run(["/usr/bin/time", "-f", "%e %M", CY, "process", os.path.join(WORK, name), process,
                        "-o", out.name], capture_output=True, text=True)
    os.unlink(out.name)
    seconds, kb = r.stderr.strip().splitlines()[-1].split()
    size = os.path.getsize(os.path.join(WORK, name))
    print(f"{name:<22} {size:>9} B  {process:<22} {float(seconds):>6.2f} s  {int(kb) / 1024 / 1024:>5.2f} GB"
          + ("" if r.returncode == 0 else f"  exit {r.returncode}"), flush=True)


def two_at_once(budget_mb):
    """Peak RSS of the server while it answers two concurrent resizes of the progressive 4:4:4 JPEG."""
    data = tempfile.mkdtemp(prefix="cyanotype-limits-")
    conf = tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False)
    conf.write(f'listen = "127.0.0.1:9931"\nimage_memory_mb = {budget_mb}\n')
    conf.close()
    env = dict(os.environ, CYANOTYPE_ACCESS_KEY_ID=AK, CYANOTYPE_ACCESS_KEY_SECRET=SK)
    proc = subprocess.Popen([CY, "serve", "--config", conf.name, "--data-dir", data], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        start_line = proc.stdout.readline()
        while "listening on" not in start_line:
            if not start_line and proc.poll() is not None:
                raise SystemExit(f"cyanotype serve exited with {proc.returncode} before listening")
            start_line = proc.stdout.readline()
        bucket = oss2.Bucket(oss2.Auth(AK, SK), "http://127.0.0.1:9931", "limits")
        bucket.create_bucket(oss2.BUCKET_ACL_PUBLIC_READ)
        bucket.put_object_from_file("p.jpg", os.path.join(WORK, "prog444_225mp.jpg"))
        url = "http://127.0.0.1:9931/limits/p.jpg?x-oss-process=image/resize,w_4096"
        t0 = time.time()
        curls = [subprocess.Popen(["curl", "-sf", "-o", "/dev/null", "-w", "%{time_total}", url],
                                  stdout=subprocess.PIPE, text=True) for _ in range(2)]
        each = [c.communicate()[0] for c in curls]
        if any(c.returncode for c in curls):
            raise SystemExit(f"a request failed: curl exit codes {[c.returncode for c in curls]}")
        wall = time.time() - t0
        with open(f"/proc/{proc.pid}/status") as fh:
            hwm = next(int(l.split()[1]) for l in fh if l.startswith("VmHWM"))
        budget = re.search(r"image memory ([^,)]+)", start_line).group(1)
        print(f"two at once, image_memory_mb = {budget_mb} (image memory {budget}): {wall:.1f} s for both "
              f"(each {', '.join(each)} s), server peak RSS {hwm / 1024 / 1024:.2f} GB", flush=True)
    finally:
        proc.terminate()
        proc.wait()
        os.unlink(conf.name)
        subprocess.run(["rm", "-rf", data])


def main():
    budget = int(sys.argv[1]) if len(sys.argv) > 1 else 2500
    for name, process in inputs():
        one_request(name, process)
    two_at_once(0)
    two_at_once(budget)


if __name__ == "__main__":
    main()
