// Task-ready webhook signatures (Standard Webhooks: HMAC-SHA256 over `id.timestamp.body`): the
// published test vector, and every way a notification must be refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signWebhook, verifyWebhook, webhookKey } from '../../dist/platform/encord/index.js';

// The Standard Webhooks / Svix example: secret, id, timestamp, body and the signature they publish.
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const headersOf = (v) => ({ 'webhook-id': v.id, 'webhook-timestamp': String(v.timestamp), 'webhook-signature': v.signature });

test('the published Standard Webhooks vector signs and verifies byte for byte', () => {
  assert.equal(signWebhook(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body)['webhook-signature'], VECTOR.signature);
  const v = verifyWebhook(VECTOR.secret, headersOf(VECTOR), Buffer.from(VECTOR.body), VECTOR.timestamp);
  assert.deepEqual(v, { ok: true, id: VECTOR.id, timestamp: VECTOR.timestamp });
  assert.equal(webhookKey(VECTOR.secret).length, 24);
});

test('refused: tampered body, wrong secret, stale or future timestamp, missing headers, unknown version', () => {
  const body = Buffer.from(VECTOR.body);
  const at = VECTOR.timestamp;
  const cases = [
    ['tampered body', VECTOR.secret, headersOf(VECTOR), Buffer.from('{"test": 2432232315}'), at],
    ['wrong secret', 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', headersOf(VECTOR), body, at],
    ['stale', VECTOR.secret, headersOf(VECTOR), body, at + 301],
    ['from the future', VECTOR.secret, headersOf(VECTOR), body, at - 301],
    ['no signature', VECTOR.secret, { 'webhook-id': VECTOR.id, 'webhook-timestamp': String(at) }, body, at],
    ['no id', VECTOR.secret, { 'webhook-timestamp': String(at), 'webhook-signature': VECTOR.signature }, body, at],
    ['timestamp not a number', VECTOR.secret, { ...headersOf(VECTOR), 'webhook-timestamp': 'yesterday' }, body, at],
    ['id changed', VECTOR.secret, { ...headersOf(VECTOR), 'webhook-id': 'msg_other' }, body, at],
    ['v2 only', VECTOR.secret, { ...headersOf(VECTOR), 'webhook-signature': VECTOR.signature.replace('v1,', 'v2,') }, body, at],
  ];
  for (const [what, secret, headers, b, now] of cases) assert.equal(verifyWebhook(secret, headers, b, now).ok, false, what);
  // Just inside the window both ways.
  assert.equal(verifyWebhook(VECTOR.secret, headersOf(VECTOR), body, at + 300).ok, true);
  assert.equal(verifyWebhook(VECTOR.secret, headersOf(VECTOR), body, at - 300).ok, true);
});

test('several signatures (secret rotation): one match is enough; svix- headers and plain-text secrets work', () => {
  const body = Buffer.from(VECTOR.body);
  const rotated = { ...headersOf(VECTOR), 'webhook-signature': `v1,bm90IGEgc2lnbmF0dXJl ${VECTOR.signature}` };
  assert.equal(verifyWebhook(VECTOR.secret, rotated, body, VECTOR.timestamp).ok, true);
  const svix = { 'svix-id': VECTOR.id, 'svix-timestamp': String(VECTOR.timestamp), 'svix-signature': VECTOR.signature };
  assert.equal(verifyWebhook(VECTOR.secret, svix, body, VECTOR.timestamp).ok, true);
  const plain = signWebhook('plain secret', 'msg_1', 1_700_000_000, 'x');
  assert.equal(verifyWebhook('plain secret', plain, Buffer.from('x'), 1_700_000_000).ok, true);
  assert.equal(verifyWebhook('other secret', plain, Buffer.from('x'), 1_700_000_000).ok, false);
});
