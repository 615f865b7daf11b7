// sharp writing one JPEG for bench/jpeg_size.py: `node peers/sharp_jpeg.mjs <in> <out> <op> <quality>`,
// op `thumb` (200 px wide) or `fill` (300x300 cover), sharp's default JPEG settings otherwise.
import sharp from 'sharp';
const [input, output, op, q] = process.argv.slice(2);
const img = op === 'fill' ? sharp(input).resize(300, 300, { fit: 'cover' }) : sharp(input).resize({ width: 200 });
await img.jpeg({ quality: Number(q) }).toFile(output);
