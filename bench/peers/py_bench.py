"""Pillow and libvips (pyvips) doing each benchmark operation in-process:
`python peers/py_bench.py <pillow|vips> <op> <file> [iterations]` prints {"median_ms","min_ms","bytes"}.
No operation cache; libvips threads from VIPS_CONCURRENCY (bench/ops.py: default, or 1 on one core). The operations mirror the process strings in bench/ops.py; JPEG and
WebP outputs at quality 80. Pillow uses draft() (DCT-scaled JPEG decode) where a resize follows, as its
thumbnail() does; libvips uses its thumbnail (shrink-on-load).
"""
import io
import json
import os
import sys
import time

Q = 80
WM_TEXT = "Hello 图片服务!"
WM_FONT = os.environ.get("WM_FONTFILE", "")


def pillow_ops(data):
    from PIL import Image, ImageDraw, ImageFont, ImageOps, ImageSequence, ImageStat

    def open_():
        return Image.open(io.BytesIO(data))

    def save(im, fmt, **kw):
        out = io.BytesIO()
        im.save(out, fmt, **kw)
        return out.getvalue()

    def thumb():
        im = open_()
        im.thumbnail((200, 10**6), Image.LANCZOS)
        return save(im, "JPEG", quality=Q)

    def example():
        im = open_()
        im.thumbnail((100, 10**6), Image.LANCZOS)
        return save(im, "JPEG", quality=Q)

    def small():
        im = open_()
        im.thumbnail((300, 10**6), Image.LANCZOS)
        return save(im, "JPEG", quality=Q)

    def fill():
        im = open_()
        im.draft("RGB", (600, 600))
        return save(ImageOps.fit(im, (300, 300), Image.LANCZOS), "JPEG", quality=Q)

    def webp1600():
        im = open_()
        w, h = im.size
        im.draft("RGB", (1600, 1600 * h // w))
        return save(im.resize((1600, 1600 * h // w), Image.LANCZOS), "WEBP", quality=Q)

    def rotate():
        return save(open_().transpose(Image.Transpose.ROTATE_270), "JPEG", quality=Q)

    def blur():
        from PIL import ImageFilter
        return save(open_().filter(ImageFilter.GaussianBlur(2)), "JPEG", quality=Q)

    def png_alpha():
        im = open_()
        w, h = im.size
        return save(im.resize((500, round(500 * h / w)), Image.LANCZOS), "PNG")

    def crop():
        return save(open_().crop((1000, 1000, 1800, 1600)), "JPEG", quality=Q)

    def to_png():
        return save(open_(), "PNG")

    def hue():
        im = open_()
        im.draft("RGB", (256, 256))
        im.thumbnail((256, 256))
        return json.dumps([round(m) for m in ImageStat.Stat(im.convert("RGB")).mean]).encode()

    def info():
        im = open_()
        exif = {k: str(v) for k, v in im.getexif().items()}
        return json.dumps({"w": im.width, "h": im.height, "format": im.format, "exif": exif}).encode()

    font = ImageFont.truetype(WM_FONT, 40) if WM_FONT else None

    def wm_text():
        im = open_().convert("RGB")
        d = ImageDraw.Draw(im)
        l, t, r, b = d.textbbox((0, 0), WM_TEXT, font=font)
        d.text((im.width - (r - l) - 10 - l, im.height - (b - t) - 10 - t), WM_TEXT, font=font, fill=(0, 0, 0))
        return save(im, "JPEG", quality=Q)

    def gif():
        im = open_()
        frames = []
        for f in ImageSequence.Iterator(im):
            f = f.convert("RGBA")
            frames.append(f.resize((100, round(100 * f.height / f.width)), Image.LANCZOS))
        out = io.BytesIO()
        frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], loop=0,
                       duration=im.info.get("duration", 100))
        return out.getvalue()

    def webp_thumb():
        im = open_()
        w, h = im.size
        return save(im.resize((400, round(400 * h / w)), Image.LANCZOS), "WEBP", quality=Q)

    return locals()


def vips_ops(data):
    import pyvips

    pyvips.cache_set_max(0)

    def load(**kw):
        return pyvips.Image.new_from_buffer(data, "", **kw)

    def thumb():
        return pyvips.Image.thumbnail_buffer(data, 200).jpegsave_buffer(Q=Q)

    def example():
        return pyvips.Image.thumbnail_buffer(data, 100).jpegsave_buffer(Q=Q)

    def small():
        return pyvips.Image.thumbnail_buffer(data, 300).jpegsave_buffer(Q=Q)

    def fill():
        return pyvips.Image.thumbnail_buffer(data, 300, height=300, crop="centre").jpegsave_buffer(Q=Q)

    def webp1600():
        return pyvips.Image.thumbnail_buffer(data, 1600).webpsave_buffer(Q=Q)

    def rotate():
        return load().rot90().jpegsave_buffer(Q=Q)

    def blur():
        return load(access="sequential").gaussblur(2).jpegsave_buffer(Q=Q)

    def png_alpha():
        return pyvips.Image.thumbnail_buffer(data, 500).pngsave_buffer()

    def crop():
        return load().crop(1000, 1000, 800, 600).jpegsave_buffer(Q=Q)

    def to_png():
        return load(access="sequential").pngsave_buffer()

    def hue():
        im = pyvips.Image.thumbnail_buffer(data, 256).copy_memory()
        return json.dumps([round(im.extract_band(i).avg()) for i in range(3)]).encode()

    def info():
        im = load()
        fields = {f: str(im.get(f))[:64] for f in im.get_fields() if not f.endswith("-data")}
        return json.dumps(fields).encode()

    def wm_text():
        im = load(access="sequential")
        mask = pyvips.Image.text(WM_TEXT, font="WenQuanYi Micro Hei 40", fontfile=WM_FONT, dpi=72)
        ink = mask.new_from_image([0, 0, 0]).bandjoin(mask).copy(interpretation="srgb")
        x, y = im.width - mask.width - 10, im.height - mask.height - 10
        return im.composite2(ink, "over", x=x, y=y).jpegsave_buffer(Q=Q)

    def gif():
        return pyvips.Image.thumbnail_buffer(data, 100, option_string="n=-1").gifsave_buffer()

    def webp_thumb():
        return pyvips.Image.thumbnail_buffer(data, 400).webpsave_buffer(Q=Q)

    return locals()


def main():
    peer, op, path = sys.argv[1:4]
    iterations = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    with open(path, "rb") as f:
        data = f.read()
    run = (pillow_ops if peer == "pillow" else vips_ops)(data)[op]
    for _ in range(2):
        run()
    times = []
    out = b""
    for _ in range(iterations):
        t = time.perf_counter()
        out = run()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    print(json.dumps({"median_ms": round(times[len(times) // 2], 3), "min_ms": round(times[0], 3), "bytes": len(out)}))


if __name__ == "__main__":
    main()
