import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeRle, encodeRle } from '../../dist/index.js';
import { code, loadJson } from './helpers.mjs';

// Vectors derived with an independent transcription of pycocotools' rleToString (see fixtures).
const vectors = loadJson('rle-vectors.json');

const maskOf = (v) => {
  const m = new Uint8Array(v.w * v.h);
  for (const i of v.ones) m[i] = 1;
  return m;
};

test('the §7.4 example: 3×4 mask, row 1 cols 1–2 → "525"', () => {
  const mask = new Uint8Array(12);
  mask[1 * 4 + 1] = 1;
  mask[1 * 4 + 2] = 1;
  assert.equal(encodeRle(mask, 4, 3), '525');
  assert.deepEqual([...decodeRle('525', 4, 3)], [...mask]);
});

for (const v of vectors) {
  test(`vector ${v.w}×${v.h} with ${v.ones.length} set pixels encodes to ${v.rle.slice(0, 12)}${v.rle.length > 12 ? '…' : ''}`, () => {
    const mask = maskOf(v);
    assert.equal(encodeRle(mask, v.w, v.h), v.rle);
    assert.deepEqual(decodeRle(v.rle, v.w, v.h), mask);
  });
}

test('non-zero bytes count as set (e.g. 255 masks)', () => {
  const mask = Uint8Array.from([0, 255, 7, 0]);
  assert.equal(encodeRle(mask, 2, 2), encodeRle(Uint8Array.from([0, 1, 1, 0]), 2, 2));
});

test('random masks round-trip, including long runs and negative deltas', () => {
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let n = 0; n < 50; n++) {
    const w = 1 + Math.floor(rnd() * 300);
    const h = 1 + Math.floor(rnd() * 200);
    const p = rnd();
    const mask = new Uint8Array(w * h);
    for (let i = 0; i < mask.length; i++) mask[i] = rnd() < p ? 1 : 0;
    assert.deepEqual(decodeRle(encodeRle(mask, w, h), w, h), mask, `${w}×${h} p=${p}`);
  }
});

test('sizes and strings that do not fit are rejected', () => {
  assert.throws(() => encodeRle(new Uint8Array(11), 4, 3), code('TA_LABEL_ROW_INVALID', '4×3'));
  assert.throws(() => decodeRle('525', 4, 4), code('TA_LABEL_ROW_INVALID', '12 pixels'));
  assert.throws(() => decodeRle('5;5', 3, 4), code('TA_LABEL_ROW_INVALID'));
  assert.throws(() => decodeRle('5' + String.fromCharCode(48 + 0x20), 3, 4), code('TA_LABEL_ROW_INVALID', 'Truncated'));
});
