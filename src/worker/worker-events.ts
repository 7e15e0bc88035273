/**
 * What a worker thread tells the main thread between chunk replies (worker threads only): tasks
 * finished (and failed) and frames decoded per stage, for per-task progress, and the agent's
 * console output when the main thread must own the terminal (`--json` on stdout, progress bars
 * on a TTY). Progress is counted here and sent at most every 100 ms and at the end of each chunk,
 * not per task: a message per task would cost trivial agents most of their throughput.
 * Agent output is prefixed with the title of the task that wrote it (AsyncLocalStorage follows
 * the task through its awaits, also with several tasks in flight per thread).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { BroadcastChannel } from 'node:worker_threads';
import type { WorkerEvent, WorkerStart } from '../shared/protocol.js';

interface TaskMark {
  title: string;
  stageUuid: string;
}

const current = new AsyncLocalStorage<TaskMark>();
const FLUSH_MS = 100;

let channel: BroadcastChannel | undefined;
let active = false;
const pending = new Map<string, { done: number; failed: number; frames: number }>();
let timer: NodeJS.Timeout | undefined;

function counts(stageUuid: string) {
  let c = pending.get(stageUuid);
  if (!c) {
    c = { done: 0, failed: 0, frames: 0 };
    pending.set(stageUuid, c);
  }
  return c;
}

function schedule(): void {
  if (!channel || timer) return;
  timer = setTimeout(flushProgress, FLUSH_MS);
  timer.unref();
}

/** Sends the counts gathered since the last flush. */
export function flushProgress(): void {
  if (timer) clearTimeout(timer);
  timer = undefined;
  if (!channel) return;
  for (const [stageUuid, c] of pending) {
    const event: WorkerEvent = { type: 'progress', stageUuid, ...c };
    channel.postMessage(event);
  }
  pending.clear();
}

/** Runs one task's attempts with its title (for output prefixes) and stage (for frame counts). */
export function withTask<T>(stageUuid: string, title: string, fn: () => Promise<T>): Promise<T> {
  // Nothing reads the mark without events or captured output: skip the storage's cost.
  return active ? current.run({ title, stageUuid }, fn) : fn();
}

export function taskFinished(stageUuid: string, ok: boolean): void {
  if (!channel) return;
  const c = counts(stageUuid);
  c.done++;
  if (!ok) c.failed++;
  schedule();
}

export function frameDecoded(): void {
  const mark = current.getStore();
  if (!channel || !mark) return;
  counts(mark.stageUuid).frames++;
  schedule();
}

/** Replaces a stream's write with one that prefixes every line with the current task's title. */
function captureStream(stream: NodeJS.WriteStream, sink: (text: string) => void): void {
  let partial = '';
  const write = (chunk: unknown, encoding?: unknown, cb?: unknown): boolean => {
    const text =
      partial +
      (typeof chunk === 'string'
        ? chunk
        : Buffer.from(chunk as Uint8Array).toString(typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
    const lines = text.split('\n');
    partial = lines.pop()!;
    if (lines.length) {
      const title = current.getStore()?.title;
      sink(lines.map((l) => `[${title ?? 'agent'}] ${l}\n`).join(''));
    }
    const done = typeof encoding === 'function' ? encoding : cb;
    if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
    return true;
  };
  stream.write = write;
}

/** Sets up this worker's events and output routing from its start data (once, at worker start). */
export function startWorkerEvents(init: WorkerStart): void {
  if (init.events) {
    channel = new BroadcastChannel(init.events);
    channel.unref();
    active = true;
  }
  if (init.output === 'inherit' || init.output === undefined) return;
  active = true;
  const stderrWrite: (text: string) => boolean = process.stderr.write.bind(process.stderr);
  // Through the channel whenever there is one: a worker's own stderr is flushed asynchronously, and
  // what it holds when the pool terminates the thread is lost (seen with the last task of a chunk).
  const sink = channel
    ? (text: string) => channel!.postMessage({ type: 'log', text } satisfies WorkerEvent)
    : (text: string) => stderrWrite(text);
  captureStream(process.stdout, sink);
  captureStream(process.stderr, sink);
}
