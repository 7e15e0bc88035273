// Emulator building blocks: fault specs and the seeded RNG, signed URL tokens; how it reads projects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FaultInjector, parseFaultSpec, seededRandom, UrlSigner } from '../../dist/platform/emulator/index.js';
import { ROOT } from '../helpers/cli.mjs';

test('fault spec: statuses, resets and latency; bad specs are coded errors', () => {
  const spec = parseFaultSpec('429:0.1,500:0.05,503:0.05,reset:0.02,latency:50ms');
  assert.deepEqual(spec, {
    rates: [
      [429, 0.1],
      [500, 0.05],
      [503, 0.05],
      ['reset', 0.02],
    ],
    latencyMs: 50,
  });
  assert.equal(parseFaultSpec('latency:1s').latencyMs, 1000);
  for (const bad of ['200:0.1', '429:2', 'boom:0.1', '429:0.6,500:0.6', 'latency:fast']) {
    assert.throws(
      () => parseFaultSpec(bad),
      (e) => e.code === 'TA_CFG_INVALID',
      bad,
    );
  }
});

test('seeded faults are reproducible and close to the configured rates', () => {
  const roll = (seed) => {
    const f = new FaultInjector(parseFaultSpec('429:0.1,500:0.05,reset:0.05'), seed);
    return Array.from({ length: 20000 }, () => f.roll());
  };
  assert.deepEqual(roll(3), roll(3));
  const rolls = roll(3);
  const rate = (pred) => rolls.filter(pred).length / rolls.length;
  assert.ok(Math.abs(rate((r) => r?.status === 429) - 0.1) < 0.01);
  assert.ok(Math.abs(rate((r) => r?.status === 500) - 0.05) < 0.01);
  assert.ok(Math.abs(rate((r) => r?.kind === 'reset') - 0.05) < 0.01);
  assert.equal(new FaultInjector(parseFaultSpec('latency:5ms')).roll(), null);
  const r = seededRandom(1);
  for (let i = 0; i < 1000; i++) {
    const x = r();
    assert.ok(x >= 0 && x < 1);
  }
});

test('signed URLs: valid until expiry, bound to path and expiry, per-instance secret', () => {
  const s = new UrlSigner(1000);
  const url = s.sign('http://h:1', 'a dir/img 1.jpg', 5000);
  const target = url.slice('http://h:1'.length);
  assert.deepEqual(s.check(target, 5500), { ok: true, relPath: 'a dir/img 1.jpg' });
  assert.deepEqual(s.check(target, 6001), { ok: false, reason: 'expired' });
  assert.deepEqual(s.check(target.replace('expires=6000', 'expires=9000'), 5500), { ok: false, reason: 'invalid' });
  assert.deepEqual(s.check(target.replace('img%201', 'img%202'), 5500), { ok: false, reason: 'invalid' });
  assert.deepEqual(new UrlSigner(1000).check(target, 5500), { ok: false, reason: 'invalid' });
  assert.deepEqual(s.check('/_media/x.jpg', 0), { ok: false, reason: 'invalid' });
});

test("the emulator reads and writes projects through LocalProject's methods, never its SQLite handle", () => {
  const dir = join(ROOT, 'src', 'platform', 'emulator');
  const raw = readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .flatMap((f) =>
      readFileSync(join(dir, f), 'utf8')
        .split('\n')
        .map((line, i) => [`${f}:${i + 1}`, line]),
    )
    .filter(([, line]) => /\.db\b|\.prepare\(|\bSELECT\b|\bUPDATE\b/.test(line));
  assert.deepEqual(raw, []);
});
