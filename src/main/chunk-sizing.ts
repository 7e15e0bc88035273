/**
 * How many of a batch's tasks go to a worker in one message (main thread). A batch is split into
 * one chunk per thread so that every thread works on it; but for an agent that takes microseconds
 * a task, a message costs more than the work it carries, and halving the chunks to feed a second
 * thread made `--threads 2` slower than `--threads 1` (issue 12: twice the messages, on a main
 * thread that is already the bottleneck). So once the workers have said how long their chunks
 * took, a batch whose tasks would take under WHOLE_BATCH_MS in all goes to one worker whole; the
 * other threads still get the following batches (two chunks per thread stay in flight). The first
 * batch is always split (nothing is known yet), and so is every batch of an agent that is slower.
 */

/** Tasks per message at most: enough to amortise a message (piscina moves ~22k messages/s). */
export const MAX_CHUNK = 1024;

/**
 * A batch estimated to take less than this on one worker is not split: a message costs ~50 µs of the
 * main thread, and what not splitting can lose is bounded by this (the last batch of a pass runs on
 * one thread). Worker times are wall times, so on a loaded machine a quick chunk can read a few ms.
 */
export const WHOLE_BATCH_MS = 20;

export class ChunkSizing {
  /** Worker milliseconds per task, a moving average over returned chunks; undefined until one returns with its time. */
  #msPerTask: number | undefined;

  /** `threads`: the threads that run the chunks now (in queue mode, what the queue's workers advertise). */
  constructor(readonly threads: () => number) {}

  /** The chunk size for a batch of `tasks` tasks. */
  size(tasks: number): number {
    const threads = this.threads();
    const whole = threads === 1 || (this.#msPerTask !== undefined && this.#msPerTask * tasks < WHOLE_BATCH_MS);
    return Math.max(1, Math.min(MAX_CHUNK, whole ? tasks : Math.ceil(tasks / threads)));
  }

  /** A chunk of `tasks` tasks took its worker `busyMs` (absent when the pool does not measure it). */
  returned(tasks: number, busyMs: number | undefined): void {
    if (busyMs === undefined || tasks === 0) return;
    const ms = busyMs / tasks;
    this.#msPerTask = this.#msPerTask === undefined ? ms : (this.#msPerTask + ms) / 2;
  }
}
