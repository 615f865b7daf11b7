// The real ali-oss (Node) client against cyanotype, with authorizationV4 true and false. With an IP
// endpoint ali-oss keeps the path /<key> and sends Host: <bucket>.oss-cn-hangzhou.aliyuncs.com.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const OSS = require('ali-oss');
const here = dirname(fileURLToPath(import.meta.url));
const AK = 'LTAIcompattestkey';
const SK = 'compat-test-secret-0123456789abcdef';
const testdata = process.env.CYANOTYPE_TESTDATA || join(here, '..', '..', '..', 'shared', 'testdata');
const exampleJpg = readFileSync(join(testdata, 'oss', 'example.jpg'));

let server;
let endpoint;
let dataDir;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'cyanotype-ali-'));
  const bin = process.env.CYANOTYPE_BIN || join(here, '..', '..', 'target', 'debug', 'cyanotype');
  server = spawn(bin, ['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir], {
    env: { ...process.env, CYANOTYPE_ACCESS_KEY_ID: AK, CYANOTYPE_ACCESS_KEY_SECRET: SK },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  endpoint = await new Promise((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) resolve(m[1]);
    });
    server.on('exit', () => reject(new Error('cyanotype serve exited before listening')));
  });
});

after(() => {
  server.kill();
  rmSync(dataDir, { recursive: true, force: true });
});

function client(bucket, v4, extra = {}) {
  return new OSS({
    accessKeyId: AK, accessKeySecret: SK, endpoint, region: 'oss-cn-hangzhou', bucket,
    authorizationV4: v4, timeout: 20000, ...extra,
  });
}

// ali-oss refuses to sign URLs for an IP endpoint; a host name with sldEnable (path-style) works.
function urlClient(bucket, v4) {
  return client(bucket, v4, { endpoint: endpoint.replace('127.0.0.1', 'localhost'), sldEnable: true });
}

function name() {
  return 'ali-' + Math.random().toString(36).slice(2, 12);
}

async function imageWidth(buf) {
  // JPEG SOF0/SOF2 scan: enough to check a resize without another dependency.
  for (let i = 2; i < buf.length - 9;) {
    if (buf[i] !== 0xff) { i++; continue; }
    const marker = buf[i + 1];
    const len = buf.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xc3) return buf.readUInt16BE(i + 7);
    i += 2 + len;
  }
  return -1;
}

for (const v4 of [true, false]) {
  test(`ali-oss authorizationV4=${v4}`, async () => {
    const bucket = name();
    const c = client(bucket, v4);
    await c.putBucket(bucket);
    try {
      const put = await c.put('photo.jpg', exampleJpg);
      assert.equal(put.res.status, 200);
      const got = await c.get('photo.jpg');
      assert.deepEqual(Buffer.from(got.content), exampleJpg);
      const head = await c.head('photo.jpg');
      assert.equal(head.status, 200);
      // Node sends "José" as ISO-8859-1 bytes and ali-oss signs its UTF-8: accepted, and the same
      // bytes come back (ali-oss reads them as the same text).
      await c.put('meta.txt', Buffer.from('x'), { meta: { name: 'José' } });
      assert.equal((await c.head('meta.txt')).meta.name, 'José');
      await c.delete('meta.txt');

      const processed = await c.get('photo.jpg', { process: 'image/resize,w_200' });
      assert.equal(processed.res.status, 200);
      assert.equal(await imageWidth(Buffer.from(processed.content)), 200);

      const uc = urlClient(bucket, v4);
      const url = uc.signatureUrl('photo.jpg', { process: 'image/resize,w_200' });
      assert.ok(url.includes('x-oss-process=image%2Fresize%2Cw_200'), url);
      const r = await uc.urllib.request(url);
      assert.equal(r.status, 200, String(r.data));
      assert.equal(await imageWidth(Buffer.from(r.data)), 200);

      const u4 = await uc.signatureUrlV4('GET', 60, {
        headers: { 'cache-control': 'no-cache' },
        queries: { 'x-oss-process': 'image/resize,w_200' },
      }, 'photo.jpg', ['cache-control']);
      const r4 = await uc.urllib.request(u4, { headers: { 'cache-control': 'no-cache' } });
      assert.equal(r4.status, 200, String(r4.data));

      const saved = await c.processObjectSave('photo.jpg', 'saved.jpg', 'image/resize,w_100,');
      assert.equal(saved.res.status, 200);
      const archive = name();
      await c.putBucket(archive);
      const saved2 = await c.processObjectSave(
        // ali-oss's own test string: standard-alphabet base64, lowercase colour, trailing comma.
        'photo.jpg', 'saved.jpg', 'image/resize,w_50/watermark,text_aGVsbG8g5Zu+54mH5pyN5Yqh77yB,color_ff6a00,size_10,',
        archive);
      assert.equal(saved2.res.status, 200);
      const archived = client(archive, v4);
      assert.equal(await imageWidth(Buffer.from((await archived.get('saved.jpg')).content)), 50);
      await archived.delete('saved.jpg');
      await archived.deleteBucket(archive);

      await assert.rejects(c.get('missing.jpg'), (err) => {
        assert.equal(err.name, 'NoSuchKeyError');
        assert.equal(err.status, 404);
        assert.equal(err.message, 'The specified key does not exist.');
        return true;
      });

      const listed = await c.list({ 'max-keys': 10 });
      assert.deepEqual(listed.objects.map((o) => o.name).sort(), ['photo.jpg', 'saved.jpg']);
      await c.deleteMulti(['photo.jpg', 'saved.jpg']);

      // multipartUploadCopy: ranges of 100 KB copied part by part (UploadPartCopy), in parallel.
      const big = randomBytes(350 * 1024);
      await c.put('big.bin', big);
      const copied = await c.multipartUploadCopy('copy.bin', { sourceKey: 'big.bin', sourceBucketName: bucket },
        { partSize: 100 * 1024, parallel: 2 });
      assert.equal(copied.res.status, 200);
      assert.deepEqual(Buffer.from((await c.get('copy.bin')).content), big);
      assert.equal((await c.head('copy.bin')).res.headers['x-oss-object-type'], 'Multipart');
      await c.deleteMulti(['big.bin', 'copy.bin']);

      // Object tags (ali-oss reads Tagging.TagSet even when it is empty) and storage classes.
      await c.put('tagged.txt', Buffer.from('t'), { headers: { 'x-oss-storage-class': 'Archive' } });
      assert.deepEqual((await c.getObjectTagging('tagged.txt')).tag, {});
      assert.equal((await c.putObjectTagging('tagged.txt', { project: 'cyanotype', 'a.b': 'c/d' })).status, 200);
      assert.deepEqual((await c.getObjectTagging('tagged.txt')).tag, { project: 'cyanotype', 'a.b': 'c/d' });
      const h = (await c.head('tagged.txt')).res.headers;
      assert.equal(h['x-oss-tagging-count'], '2');
      assert.equal(h['x-oss-storage-class'], 'Archive');
      await assert.rejects(c.get('tagged.txt'), (err) => err.status === 403 && err.code === 'InvalidObjectState');
      assert.equal((await c.restore('tagged.txt')).res.status, 202);
      assert.equal((await c.deleteObjectTagging('tagged.txt')).status, 204);
      assert.deepEqual((await c.getObjectTagging('tagged.txt')).tag, {});
      await c.delete('tagged.txt');
    } finally {
      // Best-effort cleanup: a failure above must stay the reported one.
      await c.deleteBucket(bucket).catch(() => {});
    }
    await assert.rejects(c.getBucketInfo(bucket), (err) => err.name === 'NoSuchBucketError');
  });
}

// The web console's script is not run here (no browser), but it must at least parse: a syntax
// error would leave the page dead while every API test stays green.
test('console page script parses', async () => {
  const page = await (await fetch(endpoint + '/_console')).text();
  const m = page.match(/<script>([\s\S]*)<\/script>/);
  assert.ok(m, 'the page has its script');
  assert.doesNotThrow(() => new Function(m[1]));
});
