/**
 * Signatures of task-ready webhook notifications. Encord's docs say an Agent stage's webhook comes
 * with a generated "Signing secret" to verify it with, but the verification scheme itself could not
 * be found in any public page we can reach; this implements the closest documented standard,
 * Standard Webhooks (the scheme Svix-delivered webhooks use): headers `webhook-id`,
 * `webhook-timestamp` (Unix seconds) and `webhook-signature` (`v1,<base64>` entries, space
 * separated), the signature being HMAC-SHA256 over `${id}.${timestamp}.${raw body}` keyed with the
 * secret (`whsec_<base64>` decoded, any other secret as its UTF-8 bytes). The `svix-` header prefix
 * is accepted too. A timestamp further than the tolerance (5 min) from now is refused, so a captured
 * notification cannot be replayed later.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** The HMAC key of a signing secret. */
export function webhookKey(secret: string): Buffer {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8');
}

function mac(secret: string, id: string, timestamp: string, body: Buffer | string): Buffer {
  return createHmac('sha256', webhookKey(secret)).update(`${id}.${timestamp}.`).update(body).digest();
}

/** The three headers of a signed notification. */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: Buffer | string): Record<string, string> {
  const timestamp = String(Math.floor(timestampSeconds));
  return {
    'webhook-id': id,
    'webhook-timestamp': timestamp,
    'webhook-signature': `v1,${mac(secret, id, timestamp, body).toString('base64')}`,
  };
}

export type WebhookVerdict = { ok: true; id: string; timestamp: number } | { ok: false; reason: string };

type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers, name: string): string | undefined {
  for (const prefix of ['webhook-', 'svix-']) {
    const v = headers[`${prefix}${name}`];
    const s = Array.isArray(v) ? v[0] : v;
    if (s) return s;
  }
  return undefined;
}

/** Checks a notification's signature against the secret (raw body bytes, as received). */
export function verifyWebhook(
  secret: string,
  headers: Headers,
  body: Buffer,
  nowSeconds = Date.now() / 1000,
  toleranceSeconds = WEBHOOK_TOLERANCE_SECONDS,
): WebhookVerdict {
  const id = header(headers, 'id');
  const timestamp = header(headers, 'timestamp');
  const signature = header(headers, 'signature');
  if (!id || !timestamp || !signature) return { ok: false, reason: 'missing webhook-id, webhook-timestamp or webhook-signature' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'webhook-timestamp is not a Unix time in seconds' };
  const ts = Number(timestamp);
  if (Math.abs(nowSeconds - ts) > toleranceSeconds) return { ok: false, reason: 'webhook-timestamp is outside the tolerance window' };
  const expected = mac(secret, id, timestamp, body);
  for (const entry of signature.split(' ')) {
    const [version, value] = entry.split(',', 2);
    if (version !== 'v1' || !value) continue;
    const given = Buffer.from(value, 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true, id, timestamp: ts };
  }
  return { ok: false, reason: 'no signature matches' };
}
