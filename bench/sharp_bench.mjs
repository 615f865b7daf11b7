// sharp (libvips) doing the same operation in-process: `node sharp_bench.mjs <file> <op> [iterations]`.
// One thread and no cache, as our engine runs one image per worker.
import sharp from 'sharp';
import { readFileSync } from 'node:fs';

sharp.cache(false);
sharp.concurrency(1);
const [file, op, itArg] = process.argv.slice(2);
const input = readFileSync(file);
const iterations = Number(itArg || 20);

// The text watermark: the same words, font file and size (40 px: 40 pt at 72 dpi) as Cyanotype's
// `watermark,text_...,type_wqy-microhei`, rendered by libvips/pango per request (Cyanotype also renders
// per request), composited at the bottom-right with 10 px margins, the whole 12 MP image re-encoded.
const WM_TEXT = 'Hello 图片服务!';
const WM_FONT = process.env.WM_FONTFILE;

const ops = {
  // resize,w_200 to JPEG at the source quality (cyanotype keeps the source's estimated quality)
  thumb: (q) => sharp(input).resize({ width: 200 }).jpeg({ quality: q }).toBuffer(),
  wmtext: async (q) => {
    const text = await sharp({
      text: { text: WM_TEXT, font: 'WenQuanYi Micro Hei 40', fontfile: WM_FONT, dpi: 72, rgba: true },
    }).png().toBuffer({ resolveWithObject: true });
    const img = sharp(input);
    const { width, height } = await img.metadata();
    return img
      .composite([{ input: text.data, left: width - text.info.width - 10, top: height - text.info.height - 10 }])
      .jpeg({ quality: q })
      .toBuffer();
  },
};

const q = Number(process.env.JPEG_QUALITY || 80);
const run = () => ops[op](q);
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
