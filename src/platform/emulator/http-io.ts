/** Small request/response helpers for the emulator: bounded body reading and JSON replies. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Thrown when a body exceeds the limit (answered 413). */
export class BodyTooLarge extends Error {}

/** Reads the whole body, failing fast past `limit` bytes (the socket keeps draining). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(new BodyTooLarge());
      return;
    }
    const parts: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      else parts.push(c);
    });
    req.on('end', () => (over ? reject(new BodyTooLarge()) : resolve(Buffer.concat(parts))));
    req.on('error', reject);
  });
}

/** Parses JSON, or returns undefined (malformed input must never crash the server). */
export function parseJson(body: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Sends a JSON reply. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** `True`/`true`/`1` → true (the SDK sends Python-cased booleans). */
export function queryBool(v: string | null): boolean {
  return v !== null && /^(true|1)$/i.test(v);
}
