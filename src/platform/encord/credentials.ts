/**
 * Encord credentials from the environment, read the way encord-agents reads them
 * (agents core/settings.py, see the protocol reference §2.1):
 * - `ENCORD_SSH_KEY`: the key text. A value that is (or looks like) a file path is rejected,
 *   pointing at `ENCORD_SSH_KEY_FILE`.
 * - `ENCORD_SSH_KEY_FILE`: a path (`~` expanded) that must be an existing file.
 * - both set: a warning, and `ENCORD_SSH_KEY` (the content) wins — encord-agents' rule, the
 *   opposite of the bare SDK's.
 * - `ENCORD_DOMAIN`: the API domain; the SDK default when unset.
 * Empty values count as unset (pydantic-settings + `bool()` in the original).
 * Explicit credentials (`new Runner({ credentials })`, `execute()`, `--ssh-key-file`) take the place
 * of the environment entirely: the run, its workers, deps.client() and twin projects all sign with
 * them (encord-agents' `user_client=` reaches the runner only; its dependencies read the env).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { TaskAgentError } from '../../shared/errors.js';
import type { EncordCredentialsOption } from '../../shared/types.js';
import { parseOpenSshPrivateKey, type Ed25519SigningKey } from './ssh-key.js';

/** The SDK's default domain (`encord/configs.py` ENCORD_DOMAIN). */
export const DEFAULT_ENCORD_DOMAIN = 'https://api.encord.com';

export interface EncordCredentials {
  /** The private key text (OpenSSH). Never log it. */
  keyText: string;
  /** Which variable or option supplied the key (for messages). */
  keySource: 'ENCORD_SSH_KEY' | 'ENCORD_SSH_KEY_FILE' | 'credentials.sshKey' | 'credentials.sshKeyFile';
  /** The key file, when the key came from one (for messages). */
  keyFile?: string;
  /** API domain without a trailing slash. */
  domain: string;
}

export interface ReadCredentialsOptions {
  /** Receives the "both variables set" warning. Default: `process.emitWarning`. */
  warn?: (message: string) => void;
}

/** `~` and `~/x` → home directory (Python `Path.expanduser`). */
export function expandHome(p: string): string {
  if (p === '~') return homedir();
  if (p.startsWith('~/')) return join(homedir(), p.slice(2));
  return p;
}

/**
 * True when an `ENCORD_SSH_KEY` value is a path rather than key text: an existing file (the
 * encord-agents rule), or a single line without a PEM header that has the shape of a path.
 */
export function looksLikePath(value: string): boolean {
  const v = value.trim();
  if (v.includes('-----BEGIN') || v.includes('\n')) return false;
  if (existsOnDisk(v)) return true;
  // A pasted key body without its header is base64 starting with "openssh-key-v1" encoded: not a path.
  if (v.startsWith('b3BlbnNzaC1rZXktdjE') || v.length > 1024 || /\s/.test(v)) return false;
  return /^(~|\.{1,2})?\//.test(v) || /^[A-Za-z]:[\\/]/.test(v) || /(^|[\\/])id_[a-z0-9_]+$/.test(v) || /\.(pem|key)$/.test(v);
}

function existsOnDisk(value: string): boolean {
  try {
    return existsSync(expandHome(value.trim()));
  } catch {
    return false;
  }
}

/** Strips one trailing slash so `${domain}/public` never becomes `//public`. */
export function normalizeDomain(domain: string): string {
  return domain.trim().replace(/\/+$/, '');
}

/**
 * Reads key text and domain from an environment (default `process.env`).
 * @throws TaskAgentError TA_AUTH_KEY_MISSING (nothing set, or the key file is not a file),
 *   TA_AUTH_KEY_IS_PATH (ENCORD_SSH_KEY holds a path)
 */
export function readEncordCredentials(env: NodeJS.ProcessEnv = process.env, options: ReadCredentialsOptions = {}): EncordCredentials {
  const content = env['ENCORD_SSH_KEY'] || undefined;
  const file = env['ENCORD_SSH_KEY_FILE'] || undefined;
  const domain = normalizeDomain(env['ENCORD_DOMAIN'] || DEFAULT_ENCORD_DOMAIN);

  if (content !== undefined && looksLikePath(content)) {
    // Name the value only when it is an existing file: then it is certainly a path, never key text.
    const shown = existsOnDisk(content) ? content.trim() : undefined;
    throw new TaskAgentError(
      'TA_AUTH_KEY_IS_PATH',
      `ENCORD_SSH_KEY is set to a value that looks like a file path${shown ? ` (${shown})` : ''}, not key text.`,
      { hint: `Set ENCORD_SSH_KEY_FILE=${shown ?? '<path>'} instead, and unset ENCORD_SSH_KEY.` },
    );
  }
  let filePath: string | undefined;
  if (file !== undefined) {
    filePath = expandHome(file.trim());
    let isFile = false;
    try {
      isFile = statSync(filePath).isFile();
    } catch {
      isFile = false;
    }
    if (!isFile) {
      throw new TaskAgentError('TA_AUTH_KEY_MISSING', `ENCORD_SSH_KEY_FILE points to ${filePath}, which is not an existing file.`, {
        hint: 'Fix the path, or put the key text itself in ENCORD_SSH_KEY.',
        details: { path: filePath },
      });
    }
  }
  if (content !== undefined) {
    if (filePath !== undefined) {
      const warn = options.warn ?? ((m: string) => process.emitWarning(m, { code: 'TA_AUTH_BOTH_KEYS' }));
      warn('Both ENCORD_SSH_KEY and ENCORD_SSH_KEY_FILE are set. ENCORD_SSH_KEY takes precedence.');
    }
    return { keyText: content, keySource: 'ENCORD_SSH_KEY', domain };
  }
  if (filePath !== undefined) {
    return { keyText: readFileSync(filePath, 'utf8'), keySource: 'ENCORD_SSH_KEY_FILE', keyFile: filePath, domain };
  }
  throw new TaskAgentError('TA_AUTH_KEY_MISSING', 'Neither ENCORD_SSH_KEY nor ENCORD_SSH_KEY_FILE is set.');
}

/** Credentials given in code or on the command line instead of the environment. */
export type CredentialsOption = EncordCredentialsOption;

/**
 * Explicit credentials, or the environment's when no key is given (a domain alone overrides
 * ENCORD_DOMAIN only).
 * @throws TaskAgentError TA_CFG_INVALID (both a key and a key file), TA_AUTH_KEY_IS_PATH (sshKey holds
 *   a path), TA_AUTH_KEY_MISSING (sshKeyFile is not a file), or readEncordCredentials' codes
 */
export function resolveCredentials(
  explicit: CredentialsOption | undefined,
  env: NodeJS.ProcessEnv = process.env,
  options: ReadCredentialsOptions = {},
): EncordCredentials {
  const domain = explicit?.domain ? normalizeDomain(explicit.domain) : undefined;
  const { sshKey, sshKeyFile } = explicit ?? {};
  if (sshKey && sshKeyFile) throw new TaskAgentError('TA_CFG_INVALID', 'credentials: give sshKey or sshKeyFile, not both');
  if (sshKey) {
    if (looksLikePath(sshKey)) {
      throw new TaskAgentError('TA_AUTH_KEY_IS_PATH', 'credentials.sshKey holds a value that looks like a file path, not key text.', {
        hint: 'Pass the path as credentials.sshKeyFile (--ssh-key-file) instead.',
      });
    }
    return {
      keyText: sshKey,
      keySource: 'credentials.sshKey',
      domain: domain ?? normalizeDomain(env['ENCORD_DOMAIN'] || DEFAULT_ENCORD_DOMAIN),
    };
  }
  if (sshKeyFile) {
    const path = expandHome(sshKeyFile.trim());
    let text: string;
    try {
      if (!statSync(path).isFile()) throw new Error('not a file');
      text = readFileSync(path, 'utf8');
    } catch {
      throw new TaskAgentError('TA_AUTH_KEY_MISSING', `credentials.sshKeyFile points to ${path}, which is not a readable file.`, {
        hint: 'Fix the path (--ssh-key-file).',
        details: { path },
      });
    }
    return {
      keyText: text,
      keySource: 'credentials.sshKeyFile',
      keyFile: path,
      domain: domain ?? normalizeDomain(env['ENCORD_DOMAIN'] || DEFAULT_ENCORD_DOMAIN),
    };
  }
  const fromEnv = readEncordCredentials(env, options);
  return domain ? { ...fromEnv, domain } : fromEnv;
}

/**
 * Reads the credentials (explicit ones, else the environment's) and parses the key in one step.
 * @throws TaskAgentError any of resolveCredentials' codes, or TA_AUTH_KEY_INVALID
 */
export function loadEncordKey(
  env: NodeJS.ProcessEnv = process.env,
  options: ReadCredentialsOptions = {},
  explicit?: CredentialsOption,
): EncordCredentials & { key: Ed25519SigningKey } {
  const creds = resolveCredentials(explicit, env, options);
  const source = creds.keyFile ? `${creds.keySource} (${creds.keyFile})` : creds.keySource;
  return { ...creds, key: parseOpenSshPrivateKey(creds.keyText, source) };
}
