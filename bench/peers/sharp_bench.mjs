// sharp (libvips 8.18 prebuilt) doing each benchmark operation in-process:
// `node peers/sharp_bench.mjs <op> <file> [iterations]` prints {"median_ms","min_ms","bytes"}.
// No cache; threads: sharp's default (one per core) unless SHARP_CONCURRENCY says (bench/ops.py runs
// each op both ways: on an idle machine at defaults, and pinned to one core with 1). The operations
// mirror the process strings in bench/ops.py; JPEG and WebP outputs at quality 80.
import sharp from 'sharp';
import { readFileSync } from 'node:fs';

sharp.cache(false);
if (process.env.SHARP_CONCURRENCY) sharp.concurrency(Number(process.env.SHARP_CONCURRENCY));
const [op, file, itArg] = process.argv.slice(2);
const input = readFileSync(file);
const iterations = Number(itArg || 20);
const Q = 80;

// The text watermark: the same words, font file and size (40 px: 40 pt at 72 dpi) as Cyanotype's
// `watermark,text_...,type_wqy-microhei`, rendered by libvips/pango per request (Cyanotype also renders
// per request), composited at the bottom-right with 10 px margins, the whole image re-encoded.
const WM_TEXT = 'Hello 图片服务!';
const WM_FONT = process.env.WM_FONTFILE;

const ops = {
  thumb: () => sharp(input).resize({ width: 200 }).jpeg({ quality: Q }).toBuffer(),
  fill: () => sharp(input).resize(300, 300, { fit: 'cover' }).jpeg({ quality: Q }).toBuffer(),
  webp1600: () => sharp(input).resize({ width: 1600 }).webp({ quality: Q }).toBuffer(),
  rotate: () => sharp(input).rotate(90).jpeg({ quality: Q }).toBuffer(),
  blur: () => sharp(input).blur(2).jpeg({ quality: Q }).toBuffer(),
  png_alpha: () => sharp(input).resize({ width: 500 }).png().toBuffer(),
  crop: () => sharp(input).extract({ left: 1000, top: 1000, width: 800, height: 600 }).jpeg({ quality: Q }).toBuffer(),
  to_png: () => sharp(input).png().toBuffer(),
  hue: async () => {
    // stats() reads the input, not the pipeline's output: take the mean of the shrunk pixels.
    const { data, info } = await sharp(input).resize(256, 256, { fit: 'inside' }).raw().toBuffer({ resolveWithObject: true });
    const s = await sharp(data, { raw: info }).stats();
    return Buffer.from(JSON.stringify(s.channels.slice(0, 3).map((c) => Math.round(c.mean))));
  },
  info: async () => Buffer.from(JSON.stringify(await sharp(input).metadata(), (k, v) => (Buffer.isBuffer(v) ? v.length : v))),
  wm_text: async () => {
    const text = await sharp({
      text: { text: WM_TEXT, font: 'WenQuanYi Micro Hei 40', fontfile: WM_FONT, dpi: 72, rgba: true },
    }).png().toBuffer({ resolveWithObject: true });
    const img = sharp(input);
    const { width, height } = await img.metadata();
    return img
      .composite([{ input: text.data, left: width - text.info.width - 10, top: height - text.info.height - 10 }])
      .jpeg({ quality: Q })
      .toBuffer();
  },
  gif: () => sharp(input, { animated: true }).resize({ width: 100 }).gif().toBuffer(),
  webp_thumb: () => sharp(input).resize({ width: 400 }).webp({ quality: Q }).toBuffer(),
  example: () => sharp(input).resize({ width: 100 }).jpeg({ quality: Q }).toBuffer(),
  small: () => sharp(input).resize({ width: 300 }).jpeg({ quality: Q }).toBuffer(),
};

const run = ops[op];
if (!run) throw new Error(`unknown op ${op}`);
for (let i = 0; i < 2; i++) await run();
const times = [];
let bytes = 0;
for (let i = 0; i < iterations; i++) {
  const t = process.hrtime.bigint();
  const out = await run();
  times.push(Number(process.hrtime.bigint() - t) / 1e6);
  bytes = out.length;
}
times.sort((a, b) => a - b);
console.log(JSON.stringify({ median_ms: +times[times.length >> 1].toFixed(3), min_ms: +times[0].toFixed(3), bytes }));
