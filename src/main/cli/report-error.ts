/**
 * How the CLI ends on an error: a coded message (JSON on stdout with --json) and the exit code.
 * Its own file so every subcommand can use it without importing the program that registers them.
 */
import { formatError, serializeError, type SerializedError } from '../../shared/errors.js';
import { capError } from '../../shared/cap-text.js';
import { asStorageError } from '../../platform/local/storage-errors.js';
import type { RunSummary } from '../../agent/run-types.js';
import { writeJson } from './output.js';

const PLATFORM_CODES = new Set([
  'TA_PLATFORM_UNREACHABLE',
  'TA_PLATFORM_UNAUTHORIZED',
  'TA_PLATFORM_REQUEST_FAILED',
  'TA_AUTH_KEY_MISSING',
  'TA_AUTH_KEY_IS_PATH',
  'TA_AUTH_KEY_INVALID',
  'TA_TWIN_PROJECT_UNAVAILABLE',
  'TA_PLATFORM_STORAGE_FULL',
  'TA_PLATFORM_STORAGE_FAILED',
  'TA_QUEUE_UNREACHABLE',
]);

export function exitCodeFor(code: string): number {
  return PLATFORM_CODES.has(code) ? 3 : 2;
}

/** 0 all done; 3 when the platform failed before any task was attempted; else 1. */
export function exitCodeForSummary(s: RunSummary): number {
  if (s.ok) return 0;
  const untouched = s.stages.every((st) => st.attempted === 0);
  return untouched && s.errors.length > 0 && s.errors.every((e) => PLATFORM_CODES.has(e.code)) ? 3 : 1;
}

/**
 * Prints a coded error (JSON on stdout with --json) and sets the exit code. An error that ended a
 * run part-way carries the summary of what was done (`summary`), printed with it.
 */
export async function reportError(e: unknown, json: boolean): Promise<void> {
  // A full disk under `project import` / `init` is a storage error, not a bug.
  const s: SerializedError = capError(serializeError(asStorageError(e, 'writing the project'), 'TA_INTERNAL'));
  const summary = (e as { summary?: RunSummary } | null)?.summary;
  if (json) await writeJson({ ok: false, error: { code: s.code, message: s.message, hint: s.hint }, ...(summary && { summary }) });
  else if (summary) {
    const { formatSummary } = await import('../run-report.js');
    process.stdout.write(`${formatSummary(summary)}\n`);
  }
  process.stderr.write(`${formatError(s)}\n`);
  if (s.code === 'TA_INTERNAL' && s.stack) process.stderr.write(`${s.stack}\n`);
  process.exitCode = exitCodeFor(s.code);
}
