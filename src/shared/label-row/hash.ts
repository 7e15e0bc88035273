/**
 * Client-generated label hashes (§7.4): 8 characters = base64 of 6 random bytes, the same shape
 * the Python SDK uses for objectHash, classificationHash and trackHash.
 */

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * A fresh 8-character label hash.
 *
 * @example
 * ```ts
 * newLabelHash(); // e.g. "fNwm2O2V"
 * ```
 */
export function newLabelHash(): string {
  // globalThis.crypto exists in Node 20 main and worker threads alike (no import needed).
  const b = globalThis.crypto.getRandomValues(new Uint8Array(6));
  let out = '';
  for (let i = 0; i < 6; i += 3) {
    const n = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
    out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63];
  }
  return out;
}
