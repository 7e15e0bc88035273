/**
 * What a built-in dependency is to the worker (worker threads only): its public declaration, what
 * the main thread must prefetch for it, and how its value is made. One file per built-in in this
 * folder; `PROVIDERS` (./index.ts) is a `Record<BuiltinDepName, Provider>`, so a name added to the
 * union does not compile until it has all three.
 */
import type { AnyDep, TaskContext } from '../../deps/define.js';
import type { StageManifest, TaskPayload, WorkerInit } from '../../shared/protocol.js';
import type { TaskScope } from '../task-scope.js';
import type { WorkerRuntime } from '../worker-runtime.js';

/** Data the main thread fetches in bulk per batch (see main/stage-pass.ts prefetchBatch). */
export type Prefetch = 'labelRowMetadata' | 'labelRow' | 'storageItem' | 'children';

/** State shared by the tasks of one chunk (e.g. twins, fetched for the whole chunk at once). */
export interface ChunkScope {
  readonly tasks: readonly TaskPayload[];
  /** The value made once per chunk under `key`. */
  once<T>(key: string, make: () => T): T;
}

/** Everything a provider may read to make one value. */
export interface Resolution {
  dep: AnyDep;
  ctx: TaskContext;
  payload: TaskPayload;
  /** The attempt's scope: clean-ups, warnings, twin writes. */
  scope: TaskScope;
  /** The worker's init as the chunk's project sees it (its platform for media, client, twins). */
  init: WorkerInit;
  chunk: ChunkScope;
  runtime: WorkerRuntime;
}

export interface Provider {
  /** The public declaration (src/deps/builtins.ts) whose records this provider serves. */
  declaration: (...args: never[]) => AnyDep;
  /** What the main thread must prefetch for every task of a stage that uses it. */
  prefetch: readonly Prefetch[];
  /** Anything else the stage's manifest must carry for it (twin projects to check, deprecation warnings). */
  contribute?(dep: AnyDep, stage: StageManifest): void;
  /** The value for one attempt (for worker-scoped declarations: once per worker thread). */
  resolve(r: Resolution): unknown;
}
