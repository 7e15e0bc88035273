/**
 * Everything a worker thread keeps between tasks for the dependencies it provides (worker threads
 * only): worker-scoped dependency values, the frame decoder, platform handles, media downloads and
 * twin projects; and their disposal when the pool stops. One per thread, made by entry.ts.
 */
import type { AnyDep } from '../deps/define.js';
import type { WorkerData } from '../shared/protocol.js';
import type { FrameDecoder } from '../media/frame-decoder.js';
import { createDecoder } from '../media/select.js';
import { MediaFiles } from './media-files.js';
import type { WorkerPlatforms } from './worker-platforms.js';
import type { TwinProject } from './twin-deps.js';

export class WorkerRuntime {
  /** Worker-scoped dependency values, by declaration: one per thread however many stages and tasks use it. */
  readonly values = new Map<AnyDep, Promise<unknown>>();
  /** Worker-scoped built-ins, per project (they are made from the project: deps.client()). */
  readonly #projectValues = new Map<string, Map<AnyDep, Promise<unknown>>>();

  projectValues(projectKey: string): Map<AnyDep, Promise<unknown>> {
    let m = this.#projectValues.get(projectKey);
    if (!m) this.#projectValues.set(projectKey, (m = new Map<AnyDep, Promise<unknown>>()));
    return m;
  }
  /** Twin projects, opened and read once per thread (see twin-deps.ts). */
  readonly twinProjects = new Map<string, Promise<TwinProject>>();
  readonly media: MediaFiles;
  readonly #disposers: Array<() => void | Promise<void>> = [];
  #decoder: Promise<FrameDecoder> | undefined;
  #platforms: Promise<WorkerPlatforms> | undefined;

  constructor(readonly init: WorkerData) {
    this.media = new MediaFiles(init.mediaTemp, () => this.platforms());
  }

  /** The thread's decoder, made on first use with the run's choice (a failure is not kept: the next task tries again). */
  decoder(): Promise<FrameDecoder> {
    if (!this.#decoder) {
      const d = (this.#decoder = createDecoder(this.init.role === 'run' ? this.init.decoder : 'auto'));
      d.catch(() => {
        if (this.#decoder === d) this.#decoder = undefined;
      });
    }
    return this.#decoder;
  }

  /** The thread's platform handles; their code (and with it the HTTP stack) loads on first use. */
  platforms(): Promise<WorkerPlatforms> {
    this.#platforms ??= import('./worker-platforms.js').then((m) => {
      const platforms = new m.WorkerPlatforms();
      this.onDispose(() => platforms.close());
      return platforms;
    });
    return this.#platforms;
  }

  /** Registers a teardown for when the worker stops (worker-scoped values' dispose, platform handles). */
  onDispose(fn: () => void | Promise<void>): void {
    this.#disposers.push(fn);
  }

  /** Runs the teardowns, newest first (a failing one does not stop the others); returns how many succeeded. */
  async dispose(): Promise<number> {
    let n = 0;
    for (const d of this.#disposers.splice(0).reverse()) {
      try {
        await d();
        n++;
      } catch {
        // Teardown errors must not turn a finished run into a failed one.
      }
    }
    this.values.clear();
    this.#projectValues.clear();
    this.twinProjects.clear();
    this.#platforms = undefined;
    return n;
  }
}
