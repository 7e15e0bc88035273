/**
 * OpenSSH ed25519 keys with node:crypto only: the `openssh-key-v1` private-key container (what
 * `ssh-keygen -t ed25519` writes and what the Encord SDK loads) and `ssh-ed25519 AAAA…` public keys
 * (authorized_keys lines, used by the emulator to verify signatures).
 *
 * Key text never appears in an error: messages name the problem and the source (an env var or a
 * file path), never the content.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { TaskAgentError } from '../../shared/errors.js';

/** A loaded signing key. `publicKeyHex` is Encord's key id: lower-case hex of the raw 32-byte public key. */
export interface Ed25519SigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly publicKeyHex: string;
}

/** A public key from an authorized_keys-style file. */
export interface AuthorizedKey {
  readonly publicKey: KeyObject;
  readonly publicKeyHex: string;
  readonly comment: string;
}

const BEGIN = '-----BEGIN OPENSSH PRIVATE KEY-----';
const END = '-----END OPENSSH PRIVATE KEY-----';
const MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');
const GENERATE_HINT = "Generate one with `ssh-keygen -t ed25519 -N ''` and register its public key with Encord.";

/** Reads SSH wire-format fields (RFC 4251: uint32 lengths, big-endian). Throws a plain Error on overrun. */
class SshReader {
  private offset = 0;
  constructor(private readonly buf: Buffer) {}
  uint32(): number {
    if (this.offset + 4 > this.buf.length) throw new Error('truncated');
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  bytes(): Buffer {
    const n = this.uint32();
    if (this.offset + n > this.buf.length) throw new Error('truncated');
    const v = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }
  string(): string {
    return this.bytes().toString('latin1');
  }
  rest(): Buffer {
    return this.buf.subarray(this.offset);
  }
  get done(): boolean {
    return this.offset >= this.buf.length;
  }
}

function invalid(source: string, problem: string, hint: string = GENERATE_HINT): TaskAgentError {
  return new TaskAgentError('TA_AUTH_KEY_INVALID', `The private key from ${source} ${problem}.`, { hint, details: { source } });
}

const b64url = (b: Buffer): string => b.toString('base64url');

/** Builds node KeyObjects from a raw ed25519 seed + public key via JWK (no ASN.1 by hand). */
function keyObjectsFromRaw(seed: Buffer, pub: Buffer): { privateKey: KeyObject; publicKey: KeyObject } {
  const privateKey = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: b64url(seed), x: b64url(pub) }, format: 'jwk' });
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey };
}

/** Raw 32-byte public key of an ed25519 KeyObject. */
export function rawEd25519PublicKey(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' }) as { crv?: string; x?: string };
  if (jwk.crv !== 'Ed25519' || jwk.x === undefined) throw new Error('not an Ed25519 key');
  return Buffer.from(jwk.x, 'base64url');
}

/** Builds a signing key from a raw 32-byte seed (tests, fixtures). */
export function ed25519KeyFromSeed(seed: Uint8Array): Ed25519SigningKey {
  if (seed.length !== 32) throw new RangeError('an ed25519 seed is 32 bytes');
  // Derive the public half: JWK import needs `x`, so go through PKCS#8 (fixed 16-byte prefix + seed).
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(seed)]);
  const privateKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, publicKeyHex: rawEd25519PublicKey(publicKey).toString('hex') };
}

/**
 * Parses an OpenSSH (`-----BEGIN OPENSSH PRIVATE KEY-----`) ed25519 private key.
 * @param text the key file's content
 * @param source where it came from, for messages (`ENCORD_SSH_KEY`, a file path); never the content
 * @throws TaskAgentError TA_AUTH_KEY_INVALID when malformed, encrypted, not OpenSSH or not ed25519
 */
export function parseOpenSshPrivateKey(text: string, source = 'the given key text'): Ed25519SigningKey {
  const trimmed = text.replace(/\r\n?/g, '\n').trim();
  if (!trimmed.startsWith(BEGIN)) {
    const m = /^-----BEGIN ([A-Z0-9 ]+)-----/.exec(trimmed);
    if (m) {
      const kind = m[1] ?? '';
      const what = /RSA/.test(kind)
        ? 'an RSA key'
        : /EC/.test(kind)
          ? 'an ECDSA key'
          : /DSA/.test(kind)
            ? 'a DSA key'
            : `a "${kind}" PEM block`;
      return fail(invalid(source, `is ${what}, not an OpenSSH ed25519 private key`));
    }
    return fail(invalid(source, 'is not an OpenSSH private key (no "-----BEGIN OPENSSH PRIVATE KEY-----" line)'));
  }
  const endAt = trimmed.indexOf(END);
  if (endAt < 0) return fail(invalid(source, 'has no "-----END OPENSSH PRIVATE KEY-----" line (truncated?)'));
  const b64 = trimmed.slice(BEGIN.length, endAt).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return fail(invalid(source, 'has a body that is not base64'));
  const blob = Buffer.from(b64, 'base64');
  if (blob.length < MAGIC.length || !blob.subarray(0, MAGIC.length).equals(MAGIC)) {
    return fail(invalid(source, 'is not an openssh-key-v1 container'));
  }
  try {
    const r = new SshReader(blob.subarray(MAGIC.length));
    const cipher = r.string();
    const kdf = r.string();
    r.bytes(); // kdf options
    const nkeys = r.uint32();
    if (nkeys !== 1) return fail(invalid(source, `holds ${nkeys} keys; exactly one is supported`));
    const pubBlob = new SshReader(r.bytes());
    const keyType = pubBlob.string();
    if (keyType !== 'ssh-ed25519') {
      return fail(invalid(source, `is not an Ed25519 private key (type ${JSON.stringify(keyType)}); Encord accepts only ed25519 keys`));
    }
    if (cipher !== 'none' || kdf !== 'none') {
      return fail(
        invalid(
          source,
          `is encrypted with a passphrase (${cipher}/${kdf})`,
          "Encrypted keys are not supported. Remove the passphrase on a copy: `ssh-keygen -p -N '' -f COPY`, or generate a key with -N ''.",
        ),
      );
    }
    const priv = new SshReader(r.bytes());
    const check1 = priv.uint32();
    const check2 = priv.uint32();
    if (check1 !== check2) return fail(invalid(source, 'is corrupt (check integers differ)'));
    const type2 = priv.string();
    if (type2 !== 'ssh-ed25519') return fail(invalid(source, 'is corrupt (private key type differs from the public one)'));
    const pub = priv.bytes();
    const secret = priv.bytes(); // seed(32) || public(32)
    priv.bytes(); // comment
    if (pub.length !== 32 || secret.length !== 64) return fail(invalid(source, 'is corrupt (wrong ed25519 key lengths)'));
    if (!secret.subarray(32).equals(pub)) return fail(invalid(source, 'is corrupt (public halves differ)'));
    const { privateKey, publicKey } = keyObjectsFromRaw(secret.subarray(0, 32), pub);
    // The public key derived from the seed must be the stored one, or signatures would not verify.
    const derived = rawEd25519PublicKey(publicKey);
    if (!derived.equals(pub)) return fail(invalid(source, 'is corrupt (seed does not match its public key)'));
    return { privateKey, publicKey, publicKeyHex: derived.toString('hex') };
  } catch (e) {
    if (e instanceof TaskAgentError) throw e;
    // Never chain the cause: crypto errors are harmless, but keep the rule simple.
    return fail(invalid(source, 'is malformed (truncated or corrupt openssh-key-v1 data)'));
  }
}

function fail(e: TaskAgentError): never {
  throw e;
}

/**
 * Parses one `ssh-ed25519 AAAA… comment` public-key line (options before the type are allowed,
 * as in authorized_keys). Returns null for lines that are blank, comments, or other key types.
 */
export function parseOpenSshPublicKeyLine(line: string): AuthorizedKey | null {
  const t = line.trim();
  if (t === '' || t.startsWith('#')) return null;
  const m = /(?:^|\s)ssh-ed25519\s+([A-Za-z0-9+/]+={0,2})(?:\s+(.*))?$/.exec(t);
  if (!m) return null;
  const blob = Buffer.from(m[1] ?? '', 'base64');
  try {
    const r = new SshReader(blob);
    if (r.string() !== 'ssh-ed25519') return null;
    const pub = r.bytes();
    if (pub.length !== 32) return null;
    const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(pub) }, format: 'jwk' });
    return { publicKey, publicKeyHex: pub.toString('hex'), comment: (m[2] ?? '').trim() };
  } catch {
    return null;
  }
}

/** Parses an authorized_keys-style file into a map keyed by Encord key id (public-key hex). Non-ed25519 lines are ignored. */
export function parseAuthorizedKeys(text: string): Map<string, AuthorizedKey> {
  const keys = new Map<string, AuthorizedKey>();
  for (const line of text.split(/\r?\n/)) {
    const k = parseOpenSshPublicKeyLine(line);
    if (k) keys.set(k.publicKeyHex, k);
  }
  return keys;
}

/** The `ssh-ed25519 AAAA…` line for a key (to register it, or to write an emulator's authorized_keys). */
export function formatOpenSshPublicKey(key: { publicKeyHex: string }, comment = ''): string {
  const pub = Buffer.from(key.publicKeyHex, 'hex');
  const type = Buffer.from('ssh-ed25519', 'latin1');
  const blob = Buffer.alloc(4 + type.length + 4 + pub.length);
  blob.writeUInt32BE(type.length, 0);
  type.copy(blob, 4);
  blob.writeUInt32BE(pub.length, 4 + type.length);
  pub.copy(blob, 8 + type.length);
  return `ssh-ed25519 ${blob.toString('base64')}${comment ? ` ${comment}` : ''}`;
}
