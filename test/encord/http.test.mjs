import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { createServer } from 'node:net';
import {
  EncordHttpClient,
  parseOpenSshPrivateKey,
  verifyV2Request,
  verifyV1Request,
  parseAuthorizedKeys,
  formatOpenSshPublicKey,
  encodeQuery,
  backoffDelayMs,
  SDK_RETRY_POLICY,
  redactUrl,
  parseRetryAfterMs,
} from '../../dist/platform/encord/index.js';
import { REF_KEY_TEXT, startServer, json, FAST_RETRY } from './fixtures.mjs';

const key = parseOpenSshPrivateKey(REF_KEY_TEXT);
const keys = parseAuthorizedKeys(formatOpenSshPublicKey(key));
const client = (url, retry = {}) => new EncordHttpClient({ domain: `${url}/`, key, retry: { ...FAST_RETRY, ...retry } });
const gaps = (reqs) => reqs.slice(1).map((r, i) => r.at - reqs[i].at);

test('policy helpers: SDK backoff 0/3/6 s, Retry-After parsing, Python query encoding, URL redaction', () => {
  assert.deepEqual(
    [1, 2, 3].map((n) => backoffDelayMs(SDK_RETRY_POLICY, n)),
    [0, 3000, 6000],
  );
  assert.equal(backoffDelayMs(SDK_RETRY_POLICY, 20), 120000);
  assert.equal(parseRetryAfterMs('2'), 2000);
  assert.equal(parseRetryAfterMs(new Date(Date.now() + 5000).toUTCString(), 1000) > 3000, true);
  assert.equal(parseRetryAfterMs('soon'), null);
  assert.equal(
    encodeQuery([
      ['pageToken', undefined],
      ['userEmails', ['a@b.com']],
      ['dataHashes', ['x', 'y']],
      ['dataTitleContains', 'img 1'],
      ['signUrls', true],
      ['f', false],
      ['n', null],
    ]),
    'userEmails=a%40b.com&dataHashes=x&dataHashes=y&dataTitleContains=img+1&signUrls=True&f=False',
  );
  assert.equal(redactUrl('https://bucket.example/a/b.mp4?X-Goog-Signature=abc&x=1'), 'https://bucket.example/a/b.mp4?…');
});

test('429 with Retry-After is retried after Retry-After, requests are signed per attempt', async () => {
  const s = await startServer((req, res, body, n) =>
    n < 3 ? json(res, 429, { message: 'slow down' }, { 'retry-after': '2' }) : json(res, 200, { ok: true }),
  );
  const c = client(s.url);
  try {
    assert.deepEqual(await c.v2('GET', '/projects/p1/', { query: [['a', true]] }), { ok: true });
    assert.equal(s.requests.length, 3);
    for (const g of gaps(s.requests)) assert.ok(g >= 95, `gap ${g} < 2 × 50 ms`);
    for (const r of s.requests) {
      assert.equal(r.url, '/v2/public/projects/p1?a=True');
      assert.equal(verifyV2Request({ method: r.method, requestTarget: r.url, headers: r.headers, body: r.body, keys }).ok, true);
    }
    assert.notEqual(s.requests[0].headers['x-cloud-trace-context'], s.requests[1].headers['x-cloud-trace-context']);
    assert.equal(c.attempts(), 3);
  } finally {
    await c.close();
    await s.close();
  }
});

test('503 ×4: three retries with 0, base×2, base×4 backoff, then TA_PLATFORM_REQUEST_FAILED', async () => {
  const s = await startServer((req, res) => json(res, 503, { detail: 'down' }));
  // A base large enough that "immediate" and "base × 2" stay apart on a loaded machine.
  const c = client(s.url, { backoffBaseMs: 150 });
  try {
    const e = await c.v2('POST', 'projects/p/priorities', { body: { priorities: [] }, op: 'setPriorities' }).catch((x) => x);
    assert.equal(e.code, 'TA_PLATFORM_REQUEST_FAILED');
    assert.equal(e.details.status, 503);
    assert.equal(e.details.kind, 'UnknownException');
    assert.match(e.message, /down/);
    assert.equal(s.requests.length, 4);
    const [g1, g2, g3] = gaps(s.requests);
    assert.ok(g1 < 200, `first retry immediate, got ${g1}`);
    assert.ok(g2 >= 295 && g3 >= 595, `gaps ${g2}, ${g3}`);
    assert.ok(g3 > g2 && g2 > g1, `gaps grow: ${g1}, ${g2}, ${g3}`);
    assert.deepEqual(c.callCounts(), { setPriorities: 1 });
  } finally {
    await c.close();
    await s.close();
  }
});

test('PATCH and DELETE are never retried on a status; 504 and 400 are not retried; non-retryable calls are not', async () => {
  const s = await startServer((req, res) =>
    json(res, req.url.includes('bad') ? 400 : req.url.includes('gw') ? 504 : 503, { message: 'no' }),
  );
  const c = client(s.url);
  try {
    for (const m of ['PATCH', 'DELETE']) {
      const before = s.requests.length;
      assert.equal((await c.v2(m, 'storage/items/patch-bulk', { body: {} }).catch((x) => x)).details.status, 503);
      assert.equal(s.requests.length - before, 1, m);
    }
    let before = s.requests.length;
    await c.v2('GET', 'gw').catch(() => undefined);
    assert.equal(s.requests.length - before, 1);
    before = s.requests.length;
    const bad = await c.v2('POST', 'bad', { body: [] }).catch((x) => x);
    assert.equal(s.requests.length - before, 1);
    assert.equal(bad.details.kind, 'InvalidArgumentsError');
    before = s.requests.length;
    await c.v1('labelrow', 'PUT', { uid: ['d'], resource: { type: 'project', id: 'p' }, retryable: false }).catch(() => undefined);
    assert.equal(s.requests.length - before, 1);
  } finally {
    await c.close();
    await s.close();
  }
});

test('a socket reset is retried for every method, PATCH included', async () => {
  const s = await startServer((req, res, body, n) => {
    if (n % 2 === 1)
      req.socket.destroy(); // odd requests: reset
    else json(res, 200, { n });
  });
  const c = client(s.url);
  try {
    assert.deepEqual(await c.v2('PATCH', 'storage/items/patch-bulk', { body: { itemPatches: {} } }), { n: 2 });
    assert.deepEqual(await c.v2('GET', 'x'), { n: 4 });
    assert.equal(c.attempts(), 4);
  } finally {
    await c.close();
    await s.close();
  }
});

test('connection refused: 3 retries then TA_PLATFORM_UNREACHABLE', async () => {
  const srv = createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const port = srv.address().port;
  await new Promise((r) => srv.close(r));
  const c = client(`http://127.0.0.1:${port}`);
  try {
    const e = await c.v2('GET', 'projects/p').catch((x) => x);
    assert.equal(e.code, 'TA_PLATFORM_UNREACHABLE');
    assert.match(e.message, /ECONNREFUSED/);
    assert.equal(c.attempts(), 4);
  } finally {
    await c.close();
  }
});

test('v2 status mapping: 401/403 unauthorized, 404 fixed text, 200 empty body is an error, 204 ok, signed URLs redacted', async () => {
  const s = await startServer((req, res) => {
    if (req.url.endsWith('/401')) return json(res, 401, { message: 'bad sig' });
    if (req.url.endsWith('/403')) return json(res, 403, { message: 'nope' });
    if (req.url.endsWith('/404')) return json(res, 404, { message: 'ignored' });
    if (req.url.endsWith('/empty')) {
      res.writeHead(200);
      return res.end();
    }
    if (req.url.endsWith('/204')) {
      res.writeHead(204);
      return res.end();
    }
    if (req.url.endsWith('/leak'))
      return json(res, 400, { message: 'cannot read https://bucket.example/f.mp4?X-Goog-Signature=SECRET123' });
    return json(res, 418, 'teapot');
  });
  const c = client(s.url);
  try {
    assert.equal((await c.v2('GET', '401').catch((x) => x)).code, 'TA_PLATFORM_UNAUTHORIZED');
    assert.equal((await c.v2('GET', '403').catch((x) => x)).details.kind, 'AuthorisationError');
    const nf = await c.v2('GET', '404').catch((x) => x);
    assert.equal(nf.details.kind, 'ResourceNotFoundError');
    assert.ok(!nf.message.includes('ignored'));
    assert.match((await c.v2('GET', 'empty').catch((x) => x)).message, /parsing JSON/);
    assert.equal(await c.v2('POST', '204', { body: [] }), undefined);
    const leak = await c.v2('GET', 'storage/items/x', { query: { signUrl: true, token: 'SECRET999' } }).catch((x) => x);
    assert.ok(leak.message.includes('/v2/public/storage/items/x?…') && !leak.message.includes('SECRET999'), leak.message);
    const l2 = await c.v2('GET', 'leak', { query: { k: 'SECRET999' } }).catch((x) => x);
    assert.ok(!l2.message.includes('SECRET123') && !l2.message.includes('SECRET999'), l2.message);
    assert.equal((await c.v2('GET', 'teapot').catch((x) => x)).details.kind, 'UnknownException');
  } finally {
    await c.close();
    await s.close();
  }
});

test('v1: envelope unwrapped (gzip too), signed body, error codes mapped, HTTP 5xx retried before the envelope', async () => {
  const s = await startServer((req, res, body, n) => {
    const env = JSON.parse(body.toString());
    if (env.query_type === 'flaky' && n === 1) return json(res, 502, {});
    if (env.query_type === 'denied') return json(res, 401, { status: 401, response: ['AUTHENTICATION_ERROR'] });
    if (env.query_type === 'missing')
      return json(res, 404, { status: 404, response: ['RESOURCE_NOT_FOUND_ERROR'], payload: 'no such row' });
    const text = JSON.stringify({ status: 200, response: { echo: env } });
    if (env.query_type === 'zipped') {
      const z = gzipSync(text);
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'application/json', 'content-length': z.length });
      return res.end(z);
    }
    return json(res, 200, JSON.parse(text));
  });
  const c = client(s.url);
  try {
    const r = await c.v1('flaky', 'GET', {
      uid: null,
      payload: { data_hashes: ['a'] },
      resource: { type: 'project', id: 'p1' },
      op: 'meta',
    });
    assert.deepEqual(r.echo, { query_type: 'flaky', query_method: 'GET', values: { uid: null, payload: { data_hashes: ['a'] } } });
    const req = s.requests[1];
    assert.equal(req.url, '/public');
    assert.equal(
      req.body.toString(),
      '{"query_type": "flaky", "query_method": "GET", "values": {"uid": null, "payload": {"data_hashes": ["a"]}}}',
    );
    assert.equal(req.headers.resourcetype, 'project');
    assert.equal(req.headers.resourceid, 'p1');
    assert.equal(verifyV1Request({ headers: req.headers, body: req.body, keys }).ok, true);
    assert.equal((await c.v1('zipped', 'GET', { resource: { type: '', id: '' }, userScoped: true })).echo.query_type, 'zipped');
    assert.equal(s.requests.at(-1).url, '/public/user');
    assert.equal((await c.v1('denied', 'GET', { resource: { type: '', id: '' } }).catch((x) => x)).code, 'TA_PLATFORM_UNAUTHORIZED');
    const m = await c.v1('missing', 'GET', { resource: { type: '', id: '' } }).catch((x) => x);
    assert.equal(m.details.v1Code, 'RESOURCE_NOT_FOUND_ERROR');
    assert.match(m.message, /no such row/);
    assert.deepEqual(c.callCounts(), { meta: 1 });
  } finally {
    await c.close();
    await s.close();
  }
});

test('v2Paged follows nextPageToken with pageToken first', async () => {
  const s = await startServer((req, res) => {
    const u = new URL(req.url, 'http://x');
    const tok = u.searchParams.get('pageToken');
    json(res, 200, tok === null ? { results: [1, 2], nextPageToken: 't1' } : { results: [3], nextPageToken: null });
  });
  const c = client(s.url);
  try {
    const all = [];
    for await (const x of c.v2Paged('projects/p/workflow/stages/s/tasks', [['dataHashes', ['a', 'b']]], (v) => v)) all.push(x);
    assert.deepEqual(all, [1, 2, 3]);
    assert.equal(s.requests[1].url, '/v2/public/projects/p/workflow/stages/s/tasks?pageToken=t1&dataHashes=a&dataHashes=b');
  } finally {
    await c.close();
    await s.close();
  }
});
