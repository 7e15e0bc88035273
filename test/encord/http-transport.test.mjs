// The Encord client's transport seams (http-interceptors.ts): every attempt signed afresh (the
// emulator rejects stale signatures), a body broken after a 200's headers re-sent whole,
// gzip/deflate/br bodies decoded (errors too), Retry-After honoured in both forms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { EncordHttpClient, parseOpenSshPrivateKey, v2Headers } from '../../dist/platform/encord/index.js';
import { seededRandom, startEmulator } from '../../dist/platform/emulator/index.js';
import { makeProject } from '../helpers/projects.mjs';
import { REF_KEY_TEXT, startServer, json, FAST_RETRY } from './fixtures.mjs';

const key = parseOpenSshPrivateKey(REF_KEY_TEXT);
const client = (url, retry = {}) => new EncordHttpClient({ domain: url, key, retry: { ...FAST_RETRY, ...retry } });
const gaps = (reqs) => reqs.slice(1).map((r, i) => r.at - reqs[i].at);

/** A fault seed whose first roll at rate p is a fault and whose second is not (computed, not hard-coded). */
function seedFaultThenClean(p) {
  for (let seed = 1; ; seed++) {
    const r = seededRandom(seed);
    if (r() < p && r() >= p) return seed;
  }
}

test('a retry after a 2 s Retry-After carries a fresh signature: the emulator (max age 31 s, created back-dated 30 s) accepts it, and rejects re-used headers', async () => {
  const p = makeProject(1);
  const emu = await startEmulator({
    dir: p.dir,
    faults: '429:0.5',
    faultSeed: seedFaultThenClean(0.5),
    retryAfterSeconds: 2,
    maxSignatureAgeSeconds: 31,
  });
  // Retry-After in real seconds: the wait must outlast the signature's age limit.
  const c = client(emu.url, { retryAfterUnitMs: 1000 });
  try {
    const project = await c.v2('GET', `projects/${emu.projectHash}`);
    assert.equal(project.projectHash, emu.projectHash);
    assert.equal(c.attempts(), 2);
    const log = (await (await fetch(`${emu.url}/_emulator/requests`)).json()).requests;
    assert.deepEqual(
      log.map((e) => [e.endpoint, e.status]),
      [
        ['fault 429', 429],
        ['GET v2 projects/{p}', 200],
      ],
    );
    assert.ok(log[1].start - log[0].end >= 1900, `Retry-After 2 s honoured: ${log[1].start - log[0].end} ms`);
  } finally {
    await c.close();
    await emu.close();
  }
  // The control: the same exchange with headers made once and sent again is refused as stale,
  // so the acceptance above depends on re-signing.
  const emu2 = await startEmulator({
    dir: p.dir,
    faults: '429:0.5',
    faultSeed: seedFaultThenClean(0.5),
    retryAfterSeconds: 2,
    maxSignatureAgeSeconds: 31,
  });
  const c2 = client(emu2.url, { retryAfterUnitMs: 1000 });
  try {
    const { url, requestTarget } = c2.v2Target(`projects/${emu2.projectHash}`);
    const once = v2Headers(key, { method: 'GET', requestTarget });
    const res = await c2.send('GET', url, () => once, undefined, { retryable: true, idempotent: true });
    assert.equal(res.status, 401);
    assert.match(res.body.toString(), /stale/);
  } finally {
    await c2.close();
    await emu2.close();
  }
});

test("a body broken after a 200's headers is sent again whole (not resumed with Range); a non-idempotent call fails as ambiguous", async () => {
  const s = await startServer((req, res, body, n) => {
    if (n % 2 === 1) {
      // Headers and half the body, then the connection drops.
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 40 });
      res.write('{"half": ');
      setTimeout(() => req.socket.destroy(), 10);
      return;
    }
    json(res, 200, { n, range: req.headers.range ?? null });
  });
  const c = client(s.url);
  try {
    assert.deepEqual(await c.v2('GET', 'projects/p'), { n: 2, range: null });
    assert.equal(c.attempts(), 2);
    const e = await c.v2('POST', 'projects/p/priorities', { body: { priorities: [] }, idempotent: false }).catch((x) => x);
    assert.equal(e.code, 'TA_PLATFORM_UNREACHABLE');
    assert.equal(e.details.ambiguous, true);
    assert.equal(e.details.attempts, 1);
    assert.equal(s.requests.length, 3);
  } finally {
    await c.close();
    await s.close();
  }
});

const CODINGS = {
  gzip: gzipSync,
  deflate: deflateSync,
  br: brotliCompressSync,
  'gzip, br': (b) => brotliCompressSync(gzipSync(b)),
};

test('gzip, deflate, br and stacked codings are decoded, on answers and on error bodies; a body that does not decode is a coded error without secrets', async () => {
  const s = await startServer((req, res) => {
    const u = new URL(req.url, 'http://x');
    const coding = u.searchParams.get('coding');
    const status = u.pathname.endsWith('/fail') ? 400 : 200;
    const text = JSON.stringify(status === 200 ? { coding, big: 'x'.repeat(5000) } : { message: `rejected (${coding})` });
    const body = u.pathname.endsWith('/corrupt') ? Buffer.from('not gzip at all') : CODINGS[coding](Buffer.from(text));
    res.writeHead(status, { 'content-type': 'application/json', 'content-encoding': coding, 'content-length': body.length });
    res.end(body);
  });
  const c = client(s.url);
  try {
    for (const coding of Object.keys(CODINGS)) {
      const got = await c.v2('GET', 'items/ok', { query: { coding } });
      assert.equal(got.coding, coding);
      assert.equal(got.big.length, 5000);
      const e = await c.v2('GET', 'items/fail', { query: { coding } }).catch((x) => x);
      assert.equal(e.details.kind, 'InvalidArgumentsError');
      assert.match(e.message, new RegExp(`rejected \\(${coding}\\)`));
    }
    const res = await c.send('GET', `${s.url}/v2/public/items/ok?coding=gzip`, () => ({}), undefined, {
      retryable: true,
      idempotent: true,
    });
    assert.equal(res.headers['content-encoding'], undefined);
    assert.equal(res.headers['content-length'], undefined);
    const bad = await c.v2('GET', 'items/corrupt', { query: { coding: 'gzip', token: 'SECRET42' } }).catch((x) => x);
    assert.equal(bad.code, 'TA_PLATFORM_REQUEST_FAILED');
    assert.match(bad.message, /gzip response body \(HTTP 200\) does not decode/);
    assert.ok(!bad.message.includes('SECRET42') && !JSON.stringify(bad.details).includes('SECRET42'), bad.message);
  } finally {
    await c.close();
    await s.close();
  }
});

test('Retry-After as an HTTP date is honoured on a 503, where the backoff alone would retry at once', async () => {
  const s = await startServer((req, res, body, n) =>
    n === 1 ? json(res, 503, { message: 'later' }, { 'retry-after': new Date(Date.now() + 3000).toUTCString() }) : json(res, 200, { n }),
  );
  // 50 ms per Retry-After second: an HTTP date 2–3 s ahead waits 100–150 ms; the first backoff is 0.
  const c = client(s.url);
  try {
    assert.deepEqual(await c.v2('GET', 'projects/p'), { n: 2 });
    const [gap] = gaps(s.requests);
    assert.ok(gap >= 90, `gap ${gap} ms`);
  } finally {
    await c.close();
    await s.close();
  }
});
