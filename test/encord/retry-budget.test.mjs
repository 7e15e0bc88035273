// The run-level retry budget and safe re-sends, on a real HTTP server: a shared reserve that
// faults drain and answers refill, non-idempotent calls re-sent only after faults that prove
// nothing was applied, the `resent` / `ambiguous` details callers rely on, and 413 handling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { EncordHttpClient, RetryBudget, parseOpenSshPrivateKey } from '../../dist/platform/encord/index.js';
import { seededRandom } from '../../dist/platform/emulator/index.js';
import { REF_KEY_TEXT, startServer, json, FAST_RETRY } from './fixtures.mjs';

const key = parseOpenSshPrivateKey(REF_KEY_TEXT);
const client = (url, budget, retry = {}) =>
  new EncordHttpClient({
    domain: url,
    key,
    retry: { ...FAST_RETRY, backoffBaseMs: 1, maxRetries: 8, ...retry },
    ...(budget && { budget }),
  });
const resource = { type: 'project', id: 'p' };

test('one budget shared by two clients: the reserve is spent, then failing requests fail at their first fault and say why', async () => {
  const s = await startServer((req, res) => json(res, 503, { message: 'down' }));
  const budget = new RetryBudget(5);
  const a = client(s.url, budget);
  const b = client(s.url, budget);
  try {
    const e1 = await a.v2('GET', 'projects/p').catch((x) => x);
    assert.equal(e1.code, 'TA_PLATFORM_REQUEST_FAILED');
    assert.equal(s.requests.length, 6, 'the first request took the whole reserve of 5 retries');
    assert.equal(e1.details.budgetSpent, true);
    assert.match(e1.message, /after 6 attempts; the run's retry budget is spent/);
    const e2 = await b.v1('labelrowmetadata', 'GET', { resource }).catch((x) => x);
    assert.equal(e2.details.budgetSpent, true);
    assert.equal(s.requests.length, 7, 'the other client sent one attempt only');
    assert.equal(budget.spent, 5);
    assert.equal(budget.denied, 2);
  } finally {
    await a.close();
    await b.close();
    await s.close();
  }
});

test('a budget of 0 retries nothing; without a budget only maxRetries limits a request', async () => {
  const s = await startServer((req, res) => json(res, 500, { message: 'boom' }));
  const none = client(s.url, new RetryBudget(0));
  const unlimited = client(s.url, undefined, { maxRetries: 3 });
  try {
    await none.v2('GET', 'x').catch(() => undefined);
    assert.equal(s.requests.length, 1);
    await unlimited.v2('GET', 'x').catch(() => undefined);
    assert.equal(s.requests.length, 5);
  } finally {
    await none.close();
    await unlimited.close();
    await s.close();
  }
});

// Seeded sweep: whatever the fault rate, retries never exceed the reserve plus half the answered
// requests; at ≤ 20 % faults (the fault campaign's rate) every request gets through.
for (const seed of [1, 2, 3, 4, 5, 6]) {
  test(`budget invariant under random faults (seed ${seed})`, async () => {
    const random = seededRandom(seed);
    const rate = [0.05, 0.2, 0.2, 0.35, 0.5, 0.9][seed - 1];
    const s = await startServer((req, res) =>
      random() < rate
        ? random() < 0.5
          ? json(res, 429, { m: 'slow' }, { 'retry-after': '0' })
          : json(res, 502, { m: 'gw' })
        : json(res, 200, { ok: true }),
    );
    const budget = new RetryBudget(10);
    const c = client(s.url, budget);
    let ok = 0;
    let failed = 0;
    try {
      for (let i = 0; i < 150; i++) {
        const r = await c.v2('POST', 'projects/p/priorities', { body: [] }).catch((e) => e);
        if (r?.ok === true) ok++;
        else {
          failed++;
          assert.ok(
            r.details.budgetSpent === true || r.details.attempts === 9,
            `seed ${seed}: request ${i} failed for another reason: ${r.message}`,
          );
        }
      }
      const retries = s.requests.length - 150;
      assert.equal(retries, budget.spent, `seed ${seed}`);
      assert.ok(retries <= 10 + 0.5 * ok, `seed ${seed}: ${retries} retries for ${ok} answered requests`);
      if (rate <= 0.2) assert.equal(failed, 0, `seed ${seed}: at ${rate * 100} % faults every request gets through`);
      if (rate >= 0.9) assert.ok(failed > 100, `seed ${seed}: a platform that mostly fails drains the budget (${failed} failed)`);
    } finally {
      await c.close();
      await s.close();
    }
  });
}

test('idempotent: false is re-sent after 429 and refused connections, never after a 5xx or a reset mid-request', async () => {
  const script = ['429', 'ok', '500', 'reset'];
  const s = await startServer((req, res, body, n) => {
    const what = script[n - 1];
    if (what === '429') return json(res, 429, { message: 'slow' }, { 'retry-after': '1' });
    if (what === '500') return json(res, 500, { message: 'oops' });
    if (what === 'reset') return req.socket.destroy();
    return json(res, 200, { status: 200, response: [] });
  });
  const c = client(s.url, new RetryBudget(50));
  const put = () => c.v1('labelrow', 'PUT', { uid: ['d'], resource, idempotent: false });
  try {
    assert.deepEqual(await put(), []);
    assert.equal(s.requests.length, 2, '429 proves nothing was applied: re-sent');
    const e500 = await put().catch((x) => x);
    assert.equal(e500.details.ambiguous, true);
    assert.equal(s.requests.length, 3, 'a 500 may have been applied: not re-sent');
    const reset = await put().catch((x) => x);
    assert.equal(reset.code, 'TA_PLATFORM_UNREACHABLE');
    assert.equal(reset.details.ambiguous, true);
    assert.match(reset.message, /not re-sent/);
    assert.equal(s.requests.length, 4);
  } finally {
    await c.close();
    await s.close();
  }
  const srv = createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  const refused = client(`http://127.0.0.1:${port}`, new RetryBudget(50), { maxRetries: 2 });
  try {
    const e = await refused.v1('labelrow', 'PUT', { uid: ['d'], resource, idempotent: false }).catch((x) => x);
    assert.equal(e.code, 'TA_PLATFORM_UNREACHABLE');
    assert.equal(e.details.attempts, 3, 'a connection that never opened is re-sent');
    assert.equal(e.details.ambiguous, undefined);
  } finally {
    await refused.close();
  }
});

test('an error after a re-send that followed an ambiguous fault carries resent: true (and not after a 429)', async () => {
  const script = ['500', '400', '429', '400', 'reset', '400'];
  const s = await startServer((req, res, body, n) => {
    const what = script[n - 1];
    if (what === 'reset') return req.socket.destroy();
    return json(res, Number(what), { message: what });
  });
  const c = client(s.url, new RetryBudget(50));
  const post = () => c.v2('POST', 'projects/p/workflow/stages/s/actions', { body: [] }).catch((x) => x);
  try {
    const a = await post();
    assert.equal(a.details.status, 400);
    assert.equal(a.details.resent, true);
    const b = await post();
    assert.equal(b.details.status, 400);
    assert.equal(b.details.resent, false);
    const d = await post();
    assert.equal(d.details.resent, true);
    assert.equal(s.requests.length, 6);
  } finally {
    await c.close();
    await s.close();
  }
});

test('413 is retried only with Retry-After (a body too large stays too large)', async () => {
  let withRa = false;
  const s = await startServer((req, res) => json(res, 413, { message: 'too large' }, withRa ? { 'retry-after': '0' } : {}));
  const c = client(s.url, new RetryBudget(50), { maxRetries: 2 });
  try {
    const e = await c.v1('labelrow', 'POST', { uid: ['l'], resource }).catch((x) => x);
    assert.equal(e.details.status, 413);
    assert.equal(s.requests.length, 1);
    withRa = true;
    await c.v1('labelrow', 'POST', { uid: ['l'], resource }).catch(() => undefined);
    assert.equal(s.requests.length, 4);
  } finally {
    await c.close();
    await s.close();
  }
});
