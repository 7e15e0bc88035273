/**
 * Signed media URLs: `/_media/<relPath>?expires=<ms>&token=<hmac>`, an HMAC-SHA256 over the path
 * and expiry with a per-process secret, like a cloud bucket's signed URL. The token is a
 * credential: it is never logged.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** URL path prefix under which media is served. */
export const MEDIA_PREFIX = '/_media/';

/** Outcome of checking a signed media request. */
export type SignedUrlCheck = { ok: true; relPath: string } | { ok: false; reason: 'invalid' | 'expired' };

/** Mints and checks signed media URLs for one emulator instance. */
export class UrlSigner {
  private readonly secret: Buffer;
  readonly ttlMs: number;

  constructor(ttlMs: number, secret: Buffer = randomBytes(32)) {
    this.ttlMs = ttlMs;
    this.secret = secret;
  }

  private mac(relPath: string, expires: number): string {
    return createHmac('sha256', this.secret).update(`${relPath}\n${expires}`).digest('hex');
  }

  /** A signed URL for a media path relative to DIR/media, valid for ttlMs from now. */
  sign(baseUrl: string, relPath: string, nowMs: number = Date.now()): string {
    const expires = nowMs + this.ttlMs;
    const path = relPath.split('/').map(encodeURIComponent).join('/');
    return `${baseUrl}${MEDIA_PREFIX}${path}?expires=${expires}&token=${this.mac(relPath, expires)}`;
  }

  /** Checks a received `/_media/…` request target. */
  check(requestTarget: string, nowMs: number = Date.now()): SignedUrlCheck {
    const url = new URL(requestTarget, 'http://x');
    let relPath: string;
    try {
      relPath = decodeURIComponent(url.pathname.slice(MEDIA_PREFIX.length));
    } catch {
      return { ok: false, reason: 'invalid' };
    }
    const expires = Number(url.searchParams.get('expires'));
    const token = url.searchParams.get('token') ?? '';
    if (!Number.isInteger(expires) || !/^[0-9a-f]{64}$/.test(token)) return { ok: false, reason: 'invalid' };
    const want = Buffer.from(this.mac(relPath, expires), 'hex');
    if (!timingSafeEqual(want, Buffer.from(token, 'hex'))) return { ok: false, reason: 'invalid' };
    if (nowMs > expires) return { ok: false, reason: 'expired' };
    return { ok: true, relPath };
  }
}
