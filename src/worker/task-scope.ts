/**
 * Resolves dependencies for one task attempt. Task-scoped values are created once per attempt
 * (even when two dependencies need the same one) and disposed in reverse order afterwards, also
 * when the agent threw; worker-scoped values live as long as the worker thread (in its
 * WorkerRuntime, which disposes them when the pool stops).
 */
import { TaskAgentError, isTaskAgentError } from '../shared/errors.js';
import type { AnyDep } from '../deps/define.js';
import { lookupNeed } from '../deps/graph.js';
import type { AttemptContext } from './task-context.js';
import type { TaskPayload, TwinWrites } from '../shared/protocol.js';
import type { SerializedError } from '../shared/errors.js';
import type { WorkerRuntime } from './worker-runtime.js';

/** Makes a built-in dependency's value for an attempt (see deps/index.ts builtinResolver). */
export type BuiltinResolver = (dep: AnyDep, scope: TaskScope) => unknown;

/** What an attempt's scope resolves against beyond the attempt: the built-ins and the worker's own scope. */
export interface ScopeHost {
  builtin: BuiltinResolver;
  worker: WorkerRuntime;
  /** The project the attempt's task belongs to: worker-scoped built-ins (deps.client()) are one per project per thread. */
  projectKey: string;
}

export class TaskScope {
  readonly #values = new Map<AnyDep, Promise<unknown>>();
  readonly #disposers: Array<() => void | Promise<void>> = [];
  /** Twin writes this attempt asked for; committed with the task only if the attempt succeeds. */
  readonly twinWrites: TwinWrites = { saves: [], proceeds: [] };
  /** Warnings of this attempt (reported with the task's outcome, e.g. a clip shorter than declared). */
  readonly warnings: SerializedError[] = [];

  constructor(
    readonly ctx: AttemptContext,
    readonly payload: TaskPayload,
    readonly stageDeps: Record<string, AnyDep>,
    readonly host: ScopeHost,
  ) {}

  /** Registers a clean-up that runs after the attempt (used by built-ins such as asset files). */
  onDispose(fn: () => void | Promise<void>): void {
    this.#disposers.push(fn);
  }

  async resolveAll(): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const [name, dep] of Object.entries(this.stageDeps)) out[name] = await this.resolve(dep, name);
    return out;
  }

  resolve(dep: AnyDep, name: string): Promise<unknown> {
    // A worker-scoped built-in is made from the run's project (its client): one per project per
    // thread, or a task of a run's second project would get the first one's. User dependencies are
    // once per thread, as documented.
    const cache =
      dep.scope !== 'worker' ? this.#values : dep.builtin ? this.host.worker.projectValues(this.host.projectKey) : this.host.worker.values;
    let p = cache.get(dep);
    if (!p) {
      p = this.#create(dep, name);
      cache.set(dep, p);
      // A failed creation must not be cached: the next attempt creates it again.
      p.catch(() => cache.delete(dep));
    }
    return p;
  }

  async #create(dep: AnyDep, name: string): Promise<unknown> {
    try {
      if (dep.builtin) return await this.host.builtin(dep, this);
      const input: Record<string, unknown> = dep.scope === 'task' ? this.ctx.with<Record<string, unknown>>({}) : {};
      for (const [key, need] of Object.entries(dep.needs)) {
        const target = lookupNeed(need, this.stageDeps, name, this.ctx.stage.title);
        input[key] = await this.resolve(target, typeof need === 'string' ? need : key);
      }
      const value: unknown = await dep.create!(input);
      if (dep.dispose) {
        const dispose = () => dep.dispose!(value);
        if (dep.scope === 'worker') this.host.worker.onDispose(dispose);
        else this.#disposers.push(dispose);
      }
      return value;
    } catch (cause) {
      if (isTaskAgentError(cause)) throw cause;
      const what = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
      throw new TaskAgentError('TA_DEP_FAILED', `dependency "${name}" failed: ${what}`, { cause });
    }
  }

  /** Disposes task-scoped values, newest first; a failing dispose does not stop the others. */
  async dispose(): Promise<void> {
    for (const d of this.#disposers.splice(0).reverse()) {
      try {
        await d();
      } catch {
        // Teardown errors must not turn a finished task into a failed one.
      }
    }
  }
}
