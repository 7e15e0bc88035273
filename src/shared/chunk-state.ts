/**
 * The shared state of one chunk in flight (both threads): an Int32Array over a SharedArrayBuffer
 * that the main thread creates with the chunk and the worker writes while it runs it. It is how
 * the main thread sees into a worker that may be blocked (a synchronous loop in an agent): which
 * attempts have run past their deadline, and whether the worker is inside a native media call
 * (where it must not be terminated; see media/native-gate.ts).
 *
 *   [GATE]        0: no native call in progress; n > 0: inside n nested calls; CONDEMNED: the main
 *                 thread is terminating this worker, no native call may start
 *   [STOP]        1 once the main thread decided to recycle the worker: it starts no new native
 *                 call (it parks instead), so GATE drains to 0 and the main thread can condemn it
 *   [SLOTS + i]   task i of the chunk: IDLE (not started), DONE, or 1 + the ms between the chunk's
 *                 epoch (the main thread's Date.now() when it sent the chunk) and the start of the
 *                 task's current attempt
 */
export const GATE = 0;
export const STOP = 1;
export const SLOTS = 2;
export const CONDEMNED = -1;
export const IDLE = 0;
export const DONE = -1;

export function createChunkState(tasks: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer((SLOTS + tasks) * Int32Array.BYTES_PER_ELEMENT));
}

/** Worker side: task `i` starts an attempt now. */
export function markAttempt(state: Int32Array, epoch: number, i: number): void {
  Atomics.store(state, SLOTS + i, Math.max(1, Date.now() - epoch + 1));
}

/** Worker side: task `i` has its outcome. */
export function markDone(state: Int32Array, i: number): void {
  Atomics.store(state, SLOTS + i, DONE);
}

/** Main side: whether task `i` never started (its outcome, if it must be made here, is "not started"). */
export function neverStarted(state: Int32Array, i: number): boolean {
  return Atomics.load(state, SLOTS + i) === IDLE;
}

/** Main side: the tasks whose current attempt started more than `ms` ago. */
export function overdueTasks(state: Int32Array, epoch: number, ms: number, now = Date.now()): number[] {
  const out: number[] = [];
  const elapsed = now - epoch + 1;
  for (let i = SLOTS; i < state.length; i++) {
    const s = Atomics.load(state, i);
    if (s > 0 && elapsed - s > ms) out.push(i - SLOTS);
  }
  return out;
}

/**
 * Main side: asks the worker running this chunk to start no new native call, and condemns it if
 * it is not inside one; true when it may now be terminated (it never enters one again). Called
 * again until true: a worker inside a call leaves it within one frame.
 */
export function condemn(state: Int32Array): boolean {
  Atomics.store(state, STOP, 1);
  const s = Atomics.compareExchange(state, GATE, 0, CONDEMNED);
  return s === 0 || s === CONDEMNED;
}
