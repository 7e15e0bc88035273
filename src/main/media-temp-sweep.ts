/**
 * Removes media temp folders (see shared/media-temp.ts, main thread): this process's own when a
 * run closes, and at a run's start those left by processes that no longer exist (killed runs).
 */
import { readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MEDIA_TEMP_PREFIX, mediaTempRoot } from '../shared/media-temp.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Folders of processes that are gone (a folder whose name is not `ta-media-<pid>[-<run>]` is left alone). */
export function sweepStaleMediaTemp(): number {
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(tmpdir());
  } catch {
    return 0;
  }
  for (const name of names) {
    const m = /^ta-media-(\d+)(-[\w-]+)?$/.exec(name);
    if (!m || !name.startsWith(MEDIA_TEMP_PREFIX)) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || isAlive(pid)) continue;
    rmSync(join(tmpdir(), name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}

/** A run's folder, once its workers are gone. */
export function removeMediaTemp(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export { mediaTempRoot };
