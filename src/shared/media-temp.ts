/**
 * Where worker threads put media downloads and asset copies: one folder per process,
 * `ta-media-<pid>-<run>` in the OS temp folder, with a subfolder per worker thread. Named by pid so the
 * main thread can remove its own when the run closes, and sweep those of dead processes at start.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MEDIA_TEMP_PREFIX = 'ta-media-';

/** This process's folder; a run uses its own subfolder name (`runId`) so two runs in one process never share one. */
export function mediaTempRoot(pid: number = process.pid, runId?: string): string {
  return join(tmpdir(), `${MEDIA_TEMP_PREFIX}${pid}${runId ? `-${runId}` : ''}`);
}
