/**
 * Keeps the CLI process's heaps from growing with the size of the project (main thread only).
 * Nothing a run keeps grows with its task count (its live heap after a 100k-task run is the same
 * 12 MB as after 10k), but V8 sizes its heaps by what a process has allocated so far: the old
 * space is let grow to up to 4× the live size before a full collection, and each thread's young
 * generation doubles after enough survivors, whatever their total. A run allocates in proportion
 * to its tasks, so its peak RSS followed the project (issue 12, goal 2). Two bounds:
 * - the old space grows by at most OLD_SPACE_GROWING_PERCENT between full collections (a V8 flag,
 *   process-wide, read at each collection, so it can be set now; only by the CLI: a library must
 *   not change its host's GC);
 * - a worker's young generation is capped at WORKER_YOUNG_GENERATION_MB (its resource limits,
 *   see worker-pool.ts), the size it reaches in a 10 000-task run anyway.
 * The main thread's own young generation is sized when the process starts: it still doubles once
 * between 10k and 100k tasks (capping it with NODE_OPTIONS=--max-semi-space-size=8 only moved the
 * same bytes to the old space: peak RSS did not change).
 */
import { setFlagsFromString } from 'node:v8';

export const OLD_SPACE_GROWING_PERCENT = 30;

/** Sets the old space's growing factor unless the user set one (in execArgv or NODE_OPTIONS). */
export function boundHeapGrowth(): void {
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => /heap[-_]growing[-_]percent/.test(a));
  if (!given) setFlagsFromString(`--heap-growing-percent=${OLD_SPACE_GROWING_PERCENT}`);
}
