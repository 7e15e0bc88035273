/**
 * Encord request signing, both families, byte-exact with the Python SDK (protocol reference §2),
 * and the matching verification used by the emulator.
 *
 * - v1 RPC (`POST {domain}/public`): `Authorization: <pubkey-hex>:<hex(ed25519(sha256(body)))>`.
 * - v2 REST (`{domain}/v2/public/...`): HTTP Message Signatures with label `encord-sig`, covering
 *   `@method`, `@request-target` (path + raw query) and `content-digest`; `created` is back-dated 30 s.
 */
import { createHash, createPublicKey, randomBytes, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import type { AuthorizedKey, Ed25519SigningKey } from './ssh-key.js';

/** The SDK release whose wire behaviour this module reproduces. */
export const ENCORD_SDK_VERSION = '0.1.190';
/** This package's product token in the User-Agent. */
export const TASK_AGENTS_USER_AGENT_TOKEN = 'task-agents/0.1.0';
/** The SDK back-dates `created` by this many seconds to absorb clock skew. */
export const V2_CREATED_BACKDATE_SECONDS = 30;
/** `Content-Digest` of an empty body (every GET). */
export const EMPTY_CONTENT_DIGEST = 'sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:';

const SIGNATURE_LABEL = 'encord-sig';
const COVERED = '("@method" "@request-target" "content-digest")';

type Body = Uint8Array | string | null | undefined;
const bodyBytes = (body: Body): Buffer =>
  body == null
    ? Buffer.alloc(0)
    : typeof body === 'string'
      ? Buffer.from(body, 'utf8')
      : Buffer.from(body.buffer, body.byteOffset, body.byteLength);

/** `sha-256=:<base64 SHA-256 of the body>:` (RFC 9530 Content-Digest). */
export function contentDigest(body: Body): string {
  return `sha-256=:${createHash('sha256').update(bodyBytes(body)).digest('base64')}:`;
}

/** The signature-params string: `("@method" "@request-target" "content-digest");created=N;keyid="hex";alg="ed25519"`. */
export function v2SignatureParams(created: number, keyId: string): string {
  return `${COVERED};created=${created};keyid="${keyId}";alg="ed25519"`;
}

/** The RFC 9421 signature base the SDK signs (four lines, no trailing newline). */
export function v2SignatureBase(method: string, requestTarget: string, digest: string, params: string): string {
  return [
    `"@method": ${method.toUpperCase()}`,
    `"@request-target": ${requestTarget}`,
    `"content-digest": ${digest}`,
    `"@signature-params": ${params}`,
  ].join('\n');
}

export interface V2SignatureHeaders {
  'Content-Digest': string;
  'Signature-Input': string;
  Signature: string;
}

export interface SignV2Input {
  method: string;
  /** Path plus `?query` exactly as sent on the wire (requests' `path_url`). */
  requestTarget: string;
  body?: Body;
  /** The `created` value; default `floor(now) - 30` like the SDK. */
  created?: number;
}

/** Current `created` the way the SDK computes it. */
export function v2Created(nowMs: number = Date.now()): number {
  return Math.floor(nowMs / 1000) - V2_CREATED_BACKDATE_SECONDS;
}

/** Signs a v2 request; returns the three headers to add. */
export function signV2Request(key: Ed25519SigningKey, input: SignV2Input): V2SignatureHeaders {
  const digest = contentDigest(input.body);
  const params = v2SignatureParams(input.created ?? v2Created(), key.publicKeyHex);
  const base = v2SignatureBase(input.method, input.requestTarget, digest, params);
  const sig = sign(null, Buffer.from(base, 'utf8'), key.privateKey);
  return {
    'Content-Digest': digest,
    'Signature-Input': `${SIGNATURE_LABEL}=${params}`,
    Signature: `${SIGNATURE_LABEL}=:${sig.toString('base64')}:`,
  };
}

/** The v1 `Authorization` header value for a body: `<pubkey-hex>:<hex(sig over sha256(body))>`. */
export function signV1Body(key: Ed25519SigningKey, body: Body): string {
  const digest = createHash('sha256').update(bodyBytes(body)).digest();
  return `${key.publicKeyHex}:${sign(null, digest, key.privateKey).toString('hex')}`;
}

/**
 * The SDK's User-Agent shape (`encord-sdk-python/<v> …[ suffix]`) with our runtime instead of Python's:
 * `encord-sdk-python/0.1.190 node/20.x task-agents/0.1.0[ suffix]`.
 */
export function sdkUserAgent(suffix?: string): string {
  return `encord-sdk-python/${ENCORD_SDK_VERSION} node/${process.versions.node} ${TASK_AGENTS_USER_AGENT_TOKEN}${suffix ? ` ${suffix}` : ''}`;
}

/** A fresh `X-Cloud-Trace-Context` (`<32 hex>/1;o=1`), or `TRACE/<u64>;o=1` when continuing an inbound trace. */
export function traceContextHeader(inboundTraceId?: string): string {
  if (inboundTraceId) return `${inboundTraceId}/${randomBytes(8).readBigUInt64BE()};o=1`;
  return `${randomUUID().replace(/-/g, '')}/1;o=1`;
}

/** Resource scoping of a v1 call (`ResourceType`/`ResourceID` headers). */
export interface V1Resource {
  type: 'project' | 'dataset' | 'ontology' | '';
  id: string;
}

/** All headers the SDK sends on a v1 RPC call, Authorization included. */
export function v1Headers(
  key: Ed25519SigningKey,
  body: Body,
  resource: V1Resource,
  userAgent: string = sdkUserAgent(),
): Record<string, string> {
  return {
    Accept: 'application/json',
    'Content-Type': 'application/json',
    'Accept-Encoding': 'gzip',
    ResourceType: resource.type,
    ResourceID: resource.id,
    'User-Agent': userAgent,
    'X-Cloud-Trace-Context': traceContextHeader(),
    Authorization: signV1Body(key, body),
  };
}

/** All headers the SDK sends on a v2 call (signature included; Content-Type only with a body). */
export function v2Headers(key: Ed25519SigningKey, input: SignV2Input, userAgent: string = sdkUserAgent()): Record<string, string> {
  const hasBody = input.body != null && bodyBytes(input.body).length > 0;
  return {
    'Accept-Encoding': 'identity',
    ...(hasBody && { 'Content-Type': 'application/json' }),
    'User-Agent': userAgent,
    'X-Cloud-Trace-Context': traceContextHeader(),
    ...signV2Request(key, input),
  };
}

// ---------------------------------------------------------------------------------------------
// Verification (emulator side)
// ---------------------------------------------------------------------------------------------

/**
 * Outcome of verifying a request. Failures carry what the real API answers: 401 /
 * AUTHENTICATION_ERROR for missing, malformed, tampered or stale signatures; 403 /
 * AUTHORISATION_ERROR for a correctly signed request from a key that is not registered
 * (the agents' tests accept either for an unknown key, reference §2.6).
 */
export type VerifyResult =
  | { ok: true; publicKeyHex: string }
  | { ok: false; status: 401 | 403; v1Code: 'AUTHENTICATION_ERROR' | 'AUTHORISATION_ERROR'; reason: string };

/** Header lookup over node's lower-cased IncomingHttpHeaders or any record (case-insensitive). */
export type HeaderBag = Record<string, string | string[] | undefined>;

function header(headers: HeaderBag, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === lower) return Array.isArray(v) ? v.join(', ') : v;
  }
  return undefined;
}

const unauthenticated = (reason: string): VerifyResult => ({ ok: false, status: 401, v1Code: 'AUTHENTICATION_ERROR', reason });
const unauthorised = (reason: string): VerifyResult => ({ ok: false, status: 403, v1Code: 'AUTHORISATION_ERROR', reason });

/** Keys a verifier accepts: the map from parseAuthorizedKeys, or a lookup function. */
export type KeyLookup = Map<string, AuthorizedKey> | ((publicKeyHex: string) => AuthorizedKey | { publicKey: KeyObject } | undefined);

function lookup(keys: KeyLookup, hex: string): { publicKey: KeyObject } | undefined {
  return typeof keys === 'function' ? keys(hex) : keys.get(hex);
}

/** An ed25519 KeyObject from a raw public key (SPKI DER = fixed 12-byte prefix + 32-byte key). */
function publicKeyFromHex(hex: string): KeyObject | undefined {
  try {
    const der = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(hex, 'hex')]);
    return createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
}

const HEX64 = /^[0-9a-f]{64}$/;

export interface VerifyV2Input {
  method: string;
  /** Path plus `?query` exactly as received (node's `req.url`). */
  requestTarget: string;
  headers: HeaderBag;
  /** The raw received body bytes. */
  body: Body;
  keys: KeyLookup;
  /** Clock, ms since epoch. */
  nowMs?: number;
  /** Oldest accepted `created`, seconds before now (default 300: the SDK's 30 s back-date plus slack). */
  maxAgeSeconds?: number;
  /** Newest accepted `created`, seconds after now (default 60). */
  maxFutureSeconds?: number;
}

/** Parses `encord-sig=("…" …);created=N;keyid="…";alg="…"` → params string and fields. */
export function parseSignatureInput(
  value: string,
): { params: string; components: string[]; created: number; keyId: string; alg: string } | null {
  const prefix = `${SIGNATURE_LABEL}=`;
  if (!value.startsWith(prefix)) return null;
  const params = value.slice(prefix.length);
  const m = /^\(([^)]*)\)((?:;[a-z]+=(?:"[^"]*"|-?\d+))*)$/.exec(params);
  if (!m) return null;
  const components =
    (m[1] ?? '').trim() === ''
      ? []
      : (m[1] ?? '')
          .trim()
          .split(/\s+/)
          .map((c) => c.replace(/^"|"$/g, ''));
  const fields = new Map<string, string>();
  for (const [, k, v] of (m[2] ?? '').matchAll(/;([a-z]+)=("[^"]*"|-?\d+)/g)) fields.set(k ?? '', (v ?? '').replace(/^"|"$/g, ''));
  const created = Number(fields.get('created'));
  const keyId = fields.get('keyid');
  const alg = fields.get('alg');
  if (!Number.isInteger(created) || keyId === undefined || alg === undefined) return null;
  return { params, components, created, keyId, alg };
}

/** Verifies a v2 (HTTP Message Signatures) request the way the Encord API would. */
export function verifyV2Request(input: VerifyV2Input): VerifyResult {
  const sigInput = header(input.headers, 'signature-input');
  const sigHeader = header(input.headers, 'signature');
  const digestHeader = header(input.headers, 'content-digest');
  if (sigInput === undefined || sigHeader === undefined)
    return unauthenticated('request is not signed (no Signature/Signature-Input headers)');
  const parsed = parseSignatureInput(sigInput);
  if (!parsed) return unauthenticated('malformed Signature-Input');
  if (parsed.alg !== 'ed25519') return unauthenticated(`unsupported signature algorithm ${JSON.stringify(parsed.alg)}`);
  if (parsed.components.join(' ') !== '@method @request-target content-digest')
    return unauthenticated('signature does not cover @method, @request-target and content-digest');
  if (!HEX64.test(parsed.keyId)) return unauthenticated('keyid is not a 64-hex ed25519 public key');
  const sm = new RegExp(`^${SIGNATURE_LABEL}=:([A-Za-z0-9+/]+={0,2}):$`).exec(sigHeader);
  if (!sm) return unauthenticated('malformed Signature header');
  const digest = contentDigest(input.body);
  if (digestHeader !== digest) return unauthenticated('Content-Digest does not match the body');
  const base = v2SignatureBase(input.method, input.requestTarget, digest, parsed.params);
  const signer = publicKeyFromHex(parsed.keyId);
  if (!signer) return unauthenticated('keyid is not a valid ed25519 public key');
  let good = false;
  try {
    good = verify(null, Buffer.from(base, 'utf8'), signer, Buffer.from(sm[1] ?? '', 'base64'));
  } catch {
    good = false;
  }
  if (!good) return unauthenticated('signature does not verify');
  const now = Math.floor((input.nowMs ?? Date.now()) / 1000);
  const age = now - parsed.created;
  if (age > (input.maxAgeSeconds ?? 300)) return unauthenticated(`signature is stale (created ${age} s ago)`);
  if (-age > (input.maxFutureSeconds ?? 60)) return unauthenticated(`signature is from the future (created ${-age} s ahead)`);
  if (!lookup(input.keys, parsed.keyId)) return unauthorised('the signing key is not registered');
  return { ok: true, publicKeyHex: parsed.keyId };
}

export interface VerifyV1Input {
  headers: HeaderBag;
  body: Body;
  keys: KeyLookup;
}

/** Verifies a v1 RPC request (`Authorization: <pubkey-hex>:<sig-hex>` over SHA-256 of the raw body). */
export function verifyV1Request(input: VerifyV1Input): VerifyResult {
  const auth = header(input.headers, 'authorization');
  if (auth === undefined || auth === '') return unauthenticated('request is not signed (no Authorization header)');
  const m = /^([0-9a-f]{64}):([0-9a-f]{128})$/.exec(auth.trim());
  if (!m) return unauthenticated('malformed Authorization header');
  const keyId = m[1] ?? '';
  const signer = publicKeyFromHex(keyId);
  if (!signer) return unauthenticated('Authorization key is not a valid ed25519 public key');
  const digest = createHash('sha256').update(bodyBytes(input.body)).digest();
  let good = false;
  try {
    good = verify(null, digest, signer, Buffer.from(m[2] ?? '', 'hex'));
  } catch {
    good = false;
  }
  if (!good) return unauthenticated('signature does not verify');
  if (!lookup(input.keys, keyId)) return unauthorised('the signing key is not registered');
  return { ok: true, publicKeyHex: keyId };
}
