/**
 * SQLite and file-system failures of a local project, as coded errors: a full disk (SQLITE_FULL,
 * ENOSPC, EDQUOT, EFBIG from a size limit) is TA_PLATFORM_STORAGE_FULL, other I/O trouble
 * (SQLITE_IOERR_*, read-only, locked, unopenable or corrupt files; EIO, EROFS) is
 * TA_PLATFORM_STORAGE_FAILED. SQLite rolls the failed transaction back, so the project stays as
 * it was before the failing write: the hint says to free space and re-run.
 */
import { isTaskAgentError, TaskAgentError } from '../../shared/errors.js';

const FULL = new Set(['SQLITE_FULL', 'ENOSPC', 'EDQUOT', 'EFBIG']);
const FAILED = /^(SQLITE_(IOERR|READONLY|CANTOPEN|CORRUPT|BUSY|LOCKED|PROTOCOL)(_\w+)?|EIO|EROFS)$/;

/** The storage code for `e`, or undefined when `e` is not a storage failure. */
function storageCode(e: unknown): 'TA_PLATFORM_STORAGE_FULL' | 'TA_PLATFORM_STORAGE_FAILED' | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  if (FULL.has(code)) return 'TA_PLATFORM_STORAGE_FULL';
  return FAILED.test(code) ? 'TA_PLATFORM_STORAGE_FAILED' : undefined;
}

/** `e` as a coded storage error (of the project in `dir`) when it is one; otherwise `e` unchanged. */
export function asStorageError(e: unknown, doing: string, dir?: string): unknown {
  if (isTaskAgentError(e)) return e;
  const code = storageCode(e);
  if (code === undefined) return e;
  const raw = e as { code: string; message?: unknown };
  const what = typeof raw.message === 'string' ? raw.message : raw.code;
  return new TaskAgentError(code, `${doing}${dir ? ` (local project ${dir})` : ''} failed: ${what} (${raw.code})`, {
    cause: e,
    details: { storageCode: raw.code },
  });
}

/** Runs `fn`, rethrowing storage failures as coded errors (see asStorageError). */
export function withStorageErrors<T>(dir: string, doing: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw asStorageError(e, doing, dir);
  }
}
