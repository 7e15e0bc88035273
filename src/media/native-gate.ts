/**
 * The native gate (worker threads): tells the main thread whether this worker is inside a
 * synchronous native media call, so that it never terminates the worker there. node-av aborts the
 * whole process when a worker is terminated mid-call (see /work/shared/deps.md); between calls a
 * terminate is safe. The gate is the running chunk's shared state (shared/chunk-state.ts): the
 * worker counts itself in and out of each call; to recycle the worker the main thread first sets
 * STOP (no new call may start: the worker parks until it is terminated), then swaps a GATE of 0
 * (no call in progress) for CONDEMNED, and only then terminates it. One chunk runs per worker at a
 * time, so the module holds the current chunk's state; outside a chunk (tests, the bench, the
 * main thread's demo encoder) there is none and calls run unguarded.
 */
import { CONDEMNED, GATE, STOP } from '../shared/chunk-state.js';

let gate: Int32Array | undefined;

/** The state of the chunk this worker now runs. */
export function useNativeGate(state: Int32Array | undefined): void {
  gate = state;
}

/** Waits to be terminated: the main thread is recycling this worker. */
function park(g: Int32Array): never {
  for (;;) Atomics.wait(g, STOP, 1, 1000);
}

/** Runs `fn` (a synchronous native call, or the synchronous part of an async one) inside the gate. */
export function native<T>(fn: () => T): T {
  const g = gate;
  if (!g) return fn();
  if (Atomics.load(g, STOP) !== 0) park(g);
  for (;;) {
    const s = Atomics.load(g, GATE);
    if (s === CONDEMNED) park(g);
    if (Atomics.compareExchange(g, GATE, s, s + 1) === s) break;
  }
  try {
    return fn();
  } finally {
    Atomics.sub(g, GATE, 1);
  }
}
