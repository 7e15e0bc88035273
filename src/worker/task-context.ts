/**
 * The per-attempt TaskContext (worker threads only), whose AbortSignal is made on first read.
 * Why: on Node 20 an AbortSignal outlives young-generation GCs (each one is promoted to the old
 * generation), so one per attempt grew worker heaps with the number of tasks, and most agents
 * never look at `signal`. For the same reason its getter is one shared function, not a closure per
 * object: per-object accessors are kept alive the same way.
 */
import type { TaskContext } from '../deps/define.js';

/** Aborts an attempt. Aborting before anyone read the signal is remembered, with its reason. */
export class TaskAbort {
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  abort(reason?: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}

export class AttemptContext implements TaskContext {
  declare readonly signal: AbortSignal;
  readonly #abort: TaskAbort;

  // One getter shared by every context: `signal` is an own enumerable property (object spread and
  // rest see it, as they saw the plain object this replaces) without a closure per object.
  static readonly #signal: PropertyDescriptor = {
    get(this: AttemptContext) {
      return this.#abort.signal;
    },
    enumerable: true,
  };

  constructor(
    readonly task: TaskContext['task'],
    readonly project: TaskContext['project'],
    readonly stage: TaskContext['stage'],
    abort: TaskAbort,
  ) {
    this.#abort = abort;
    Object.defineProperty(this, 'signal', AttemptContext.#signal);
  }

  /** A new context object (same task, same signal) carrying `values` too: what an agent or a dependency receives. */
  with<T extends object>(values: T): AttemptContext & T {
    return Object.assign(new AttemptContext(this.task, this.project, this.stage, this.#abort), values);
  }
}
