/**
 * How the CLI ends on an error: a coded message (JSON on stdout with --json) and the exit code.
 * Its own file so every subcommand can use it without importing the program that registers them.
 */
import { formatError, serializeError, type SerializedError } from '../../shared/errors.js';
import { writeJson } from './output.js';

const PLATFORM_CODES = new Set(['TA_PLATFORM_UNREACHABLE', 'TA_PLATFORM_UNAUTHORIZED', 'TA_AUTH_KEY_MISSING', 'TA_AUTH_KEY_IS_PATH', 'TA_AUTH_KEY_INVALID', 'TA_TWIN_PROJECT_UNAVAILABLE']);

export function exitCodeFor(code: string): number {
  return PLATFORM_CODES.has(code) ? 3 : 2;
}

/** Prints a coded error (JSON on stdout with --json) and sets the exit code. */
export async function reportError(e: unknown, json: boolean): Promise<void> {
  const s: SerializedError = serializeError(e, 'TA_INTERNAL');
  if (json) await writeJson({ ok: false, error: { code: s.code, message: s.message, hint: s.hint } });
  process.stderr.write(`${formatError(s)}\n`);
  if (s.code === 'TA_INTERNAL' && s.stack) process.stderr.write(`${s.stack}\n`);
  process.exitCode = exitCodeFor(s.code);
}

