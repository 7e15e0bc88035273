/**
 * Video frames for `project view`, decoded off the main thread: one worker thread running
 * dist/worker/view-frames.js (named by URL; main never imports worker code), started on the first
 * request. close() waits for requests in flight before it stops the thread, since a native decode
 * must never be cut short.
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { deserializeError, type SerializedError } from '../../shared/errors.js';

const FRAME_WORKER = fileURLToPath(new URL('./worker/view-frames.js', import.meta.url));

type Reply = { id: number; jpeg?: Uint8Array; error?: SerializedError };

export class FrameRenderer {
  #worker: Worker | null = null;
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: (b: Uint8Array) => void; reject: (e: unknown) => void }>();

  /** JPEG bytes of frame `frame` of a video (kind 'video') or of an image file (kind 'image'). */
  render(path: string, frame: number, kind: 'video' | 'image'): Promise<Uint8Array> {
    const worker = this.#start();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ id, path, frame, kind });
    });
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const w = new Worker(FRAME_WORKER);
    w.on('message', (r: Reply) => {
      const p = this.#pending.get(r.id);
      if (!p) return;
      this.#pending.delete(r.id);
      if (r.jpeg) p.resolve(r.jpeg);
      else p.reject(deserializeError(r.error!));
    });
    const failAll = (e: unknown) => {
      for (const p of this.#pending.values()) p.reject(e);
      this.#pending.clear();
      this.#worker = null;
    };
    w.on('error', failAll);
    w.on('exit', (code) => failAll(new Error(`frame thread exited with code ${code}`)));
    w.unref();
    this.#worker = w;
    return w;
  }

  async close(): Promise<void> {
    const w = this.#worker;
    if (!w) return;
    await Promise.allSettled(
      [...this.#pending.values()].map(
        (p) =>
          new Promise<void>((done) => {
            const { resolve, reject } = p;
            p.resolve = (b) => {
              resolve(b);
              done();
            };
            p.reject = (e) => {
              reject(e);
              done();
            };
          }),
      ),
    );
    this.#worker = null;
    await w.terminate();
  }
}
