/**
 * The user-facing Runner: agents are registered on it per workflow stage. The same module is
 * imported by every worker thread (where registering is all that happens) and can start a run
 * itself (`runner.runIfMain(import.meta)` or `await runner.execute()`); the run machinery is
 * loaded lazily from the main-thread code, so workers never load it.
 */
import { isMainThread } from 'node:worker_threads';
import { realpathSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TaskAgentError } from '../shared/errors.js';
import { rejectUnknownKeys } from '../shared/known-keys.js';
import { RUN_OPTION_KEYS } from '../shared/run-options.js';
import type { LabelRowIncludeArgs, LabelRowInitArgs, ProjectInfo } from '../shared/types.js';
import type { FailurePathway } from '../shared/protocol.js';
import type { AnyDep, Dep, TaskContext } from '../deps/define.js';
import type { LabelRow } from '../shared/label-row/index.js';
import type { RunOptions, RunSummary, TaskResult } from './run-types.js';

export const RUNNER_BRAND = Symbol.for('task-agents.runner');

// The keys each entry point reads: any other is a TA_CFG_INVALID naming the closest one.
const RUNNER_OPTION_KEYS = [...RUN_OPTION_KEYS.filter((k) => k !== 'agentModule'), 'preExecution'];
const RUN_STAGE_OPTION_KEYS = [...RUN_OPTION_KEYS, 'onTask', 'onDone'];
const HANDLE_OPTION_KEYS = ['stage', 'project'];

/** What an agent may return. */
export type AgentReturn =
  | string
  | null
  | undefined
  | void
  | {
      /** Pathway title or UUID; null/undefined leaves the task in its stage (labels and priority still saved). */
      pathway?: string | null;
      /** A label row to save (bundled, before the task proceeds). */
      labelRow?: LabelRow;
      /** Priority in [0, 1]; 0 is a priority. Needs `willSetPriority` or a labelRow dependency. */
      priority?: number;
    };

type DepValues<D> = { [K in keyof D]: D[K] extends Dep<infer T> ? T : never };

export type AgentFunction<D extends Record<string, AnyDep>> = (input: TaskContext & DepValues<D>) => AgentReturn | Promise<AgentReturn>;

export interface StageOptions<D extends Record<string, AnyDep>> {
  /** Dependencies injected into the agent by name. */
  deps?: D;
  /** Arguments for listing label-row metadata (Python `label_row_metadata_include_args`). */
  labelRowInclude?: LabelRowIncludeArgs;
  /** Arguments for initialising label rows (Python `label_row_initialise_labels_args`). */
  labelRowInit?: LabelRowInitArgs;
  /** Fetch label-row metadata even without a labelRow dependency, so a returned priority can be set. */
  willSetPriority?: boolean;
  /** Replace an earlier registration of the same stage, keeping its position. */
  overwrite?: boolean;
  /**
   * Move a task whose attempts are exhausted (the agent or a dependency failed every attempt, or
   * its worker crashed) along this pathway instead of leaving it in the stage, with the error
   * written to a text classification of its label row (`record: { classification: 'Note' }`) or to
   * a key of its storage item's client metadata (`record: { clientMetadata: 'agent_error' }`).
   */
  onFailure?: string | FailurePathway;
}

export interface StageRegistration {
  stage: string;
  options: StageOptions<Record<string, AnyDep>>;
  fn: AgentFunction<Record<string, AnyDep>>;
}

export interface PreExecutionContext {
  project: ProjectInfo;
  runner: Runner;
}

export interface RunnerOptions extends Partial<RunOptions> {
  /** Called once per run, after the stages are validated and before any task is fetched. A throw aborts the run. */
  preExecution?: (ctx: PreExecutionContext) => void | Promise<void>;
}

export interface RunStageOptions extends Partial<RunOptions> {
  agentModule?: string;
  /** Each finished task's outcome, as it finishes. */
  onTask?: (result: TaskResult) => void;
  /** The pass's summary, once every task is committed. */
  onDone?: (summary: RunSummary) => void | Promise<void>;
}

/**
 * Registers agents per workflow stage and runs them.
 *
 * @example
 * import { Runner, deps } from 'task-agents';
 * const runner = new Runner();
 * runner.stage('triage', { deps: { labelRow: deps.labelRow() } }, ({ labelRow }) =>
 *   labelRow.objects().length > 0 ? 'accept' : 'review');
 * export default runner;
 * runner.runIfMain(import.meta);
 */
export class Runner {
  readonly [RUNNER_BRAND] = true;
  readonly options: RunnerOptions;
  readonly #registrations: StageRegistration[] = [];
  /** handle()'s open sessions, by project. */
  readonly #handlers = new Map<
    string,
    Promise<{ handle(message: unknown, options: { stage?: string }): Promise<string>; close(): Promise<void> }>
  >();
  /** The module that constructed this runner: what `execute()` runs in the workers by default. */
  readonly moduleUrl: string | undefined;

  constructor(options: RunnerOptions = {}) {
    rejectUnknownKeys(options, RUNNER_OPTION_KEYS, 'new Runner({...})');
    this.options = options;
    this.moduleUrl = callerModuleUrl();
  }

  get registrations(): readonly StageRegistration[] {
    return this.#registrations;
  }

  /** Register an agent for a stage (title or UUID). Registering the same stage twice throws unless `overwrite`. */
  // {} is "no deps": an empty key set, which Record<string, never> (every key) is not.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  stage<const D extends Record<string, AnyDep> = {}>(stage: string, fn: AgentFunction<D>): this;
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  stage<const D extends Record<string, AnyDep> = {}>(stage: string, options: StageOptions<D>, fn: AgentFunction<D>): this;
  stage<const D extends Record<string, AnyDep>>(stage: string, a: StageOptions<D> | AgentFunction<D>, b?: AgentFunction<D>): this {
    const options = (typeof a === 'function' ? {} : a) as StageOptions<Record<string, AnyDep>>;
    const fn = (typeof a === 'function' ? a : b) as AgentFunction<Record<string, AnyDep>> | undefined;
    if (typeof stage !== 'string' || stage.length === 0)
      throw new TaskAgentError('TA_CFG_INVALID', 'runner.stage() needs a stage title or UUID');
    if (typeof fn !== 'function') throw new TaskAgentError('TA_CFG_INVALID', `runner.stage("${stage}") needs an agent function`);
    const existing = this.#registrations.findIndex((r) => r.stage === stage);
    if (existing >= 0) {
      if (!options.overwrite) {
        throw new TaskAgentError('TA_STAGE_DUPLICATE', `stage "${stage}" already has an agent`, {
          hint: 'remove one registration, or pass { overwrite: true }',
        });
      }
      this.#registrations[existing] = { stage, options, fn };
      return this;
    }
    this.#registrations.push({ stage, options, fn });
    return this;
  }

  /**
   * Run the registered agents (programmatic form of `task-agents run`). The workers import the
   * module that constructed this runner, unless `agentModule` says otherwise.
   */
  async execute(options: Partial<RunOptions> & { agentModule?: string } = {}): Promise<RunSummary> {
    rejectUnknownKeys(options, RUN_OPTION_KEYS, 'runner.execute({...})');
    const agentModule = options.agentModule ?? (this.moduleUrl ? fileURLToPath(this.moduleUrl) : undefined);
    if (!agentModule)
      throw new TaskAgentError('TA_CFG_INVALID', 'cannot tell which module defines this runner', {
        hint: 'pass execute({ agentModule: import.meta.url path })',
      });
    const { executeRun } = await import('../main/execute.js');
    return executeRun({ ...this.#runOptions(), ...options, agentModule });
  }

  /**
   * Run one registered stage (title or UUID, however it was registered), one pass, no polling and no
   * terminal output: the entry point for a web handler, a scheduler or a queue consumer that learns
   * there is work (encord-agents' `run_stage`). `onTask` is called once per finished task with its
   * outcome (moved along a pathway, stayed, skipped because someone else moved it, or failed with a
   * coded error), synchronously as tasks finish; a throw in it stops the run and rejects the promise.
   * `onDone` receives the summary. Other options are run options over the Runner's own.
   */
  async runStage(stage: string, options: RunStageOptions = {}): Promise<RunSummary> {
    rejectUnknownKeys(options, RUN_STAGE_OPTION_KEYS, 'runner.runStage(stage, {...})');
    const { onTask, onDone, ...rest } = options;
    const agentModule = rest.agentModule ?? (this.moduleUrl ? fileURLToPath(this.moduleUrl) : undefined);
    if (!agentModule)
      throw new TaskAgentError('TA_CFG_INVALID', 'cannot tell which module defines this runner', {
        hint: 'pass runStage(stage, { agentModule: import.meta.url path })',
      });
    const { executeRun } = await import('../main/execute.js');
    const summary = await executeRun(
      { ...this.#runOptions(), ...rest, stage, agentModule, quiet: true, json: true },
      { onePass: true, ...(onTask && { onTask }) },
    );
    await onDone?.(summary);
    return summary;
  }

  /**
   * Handle a message from your own queue (SQS + Lambda, Cloud Tasks, Celery, …): the tasks it names
   * (Encord AgentTask JSON — `task.model_dump_json()` in Python — one, a list, or a JSON array in a
   * string) are looked up in the registered stages, run with their dependencies and retries in the
   * worker threads, and their decisions committed. Resolves to JSON in the shape of encord-agents'
   * `TaskCompletionResult` (`task_uuid, stage_uuid, success, pathway, error`, plus `error_code` and
   * `skipped`): one object for one task, an array in message order for a list. A task no longer in
   * its stage is `success: true, skipped: true`. The workers stay warm between messages: call
   * `close()` when done. Configuration errors (no project, unknown stage names, a broken module)
   * reject, as `execute()` does.
   */
  async handle(message: unknown, options: { stage?: string; project?: string | string[] } = {}): Promise<string> {
    rejectUnknownKeys(options, HANDLE_OPTION_KEYS, 'runner.handle(message, {...})');
    const project = options.project ?? this.options.project;
    const key = JSON.stringify(project ?? null);
    let handler = this.#handlers.get(key);
    if (!handler) {
      const agentModule = this.moduleUrl ? fileURLToPath(this.moduleUrl) : undefined;
      if (!agentModule)
        throw new TaskAgentError('TA_CFG_INVALID', 'cannot tell which module defines this runner', {
          hint: 'construct the Runner in the agent module itself',
        });
      handler = import('../main/handle/message-handler.js').then((m) =>
        m.MessageHandler.open({ ...this.#runOptions(), ...(project !== undefined && { project }), agentModule, json: true, quiet: true }),
      );
      this.#handlers.set(key, handler);
      // A failed open is not cached: the next message tries again.
      handler.catch(() => this.#handlers.delete(key));
    }
    return (await handler).handle(message, options.stage === undefined ? {} : { stage: options.stage });
  }

  /** The constructor's run options, without the hooks (which stay in this thread). */
  #runOptions(): RunOptions {
    const { preExecution: _hook, ...run } = this.options;
    return run;
  }

  /** Releases what `handle()` keeps warm (worker threads, platform connections). */
  async close(): Promise<void> {
    const open = [...this.#handlers.values()];
    this.#handlers.clear();
    await Promise.allSettled(open.map(async (h) => (await h).close()));
  }

  /**
   * Run the CLI on this module when it is the program's entry point (`node agent.js --threads 8`),
   * the equivalent of Python's `runner.run()`. Does nothing when the module is imported. Pass
   * `import.meta` from an ES module, `module` from a CommonJS one.
   */
  runIfMain(meta: ImportMeta | { filename: string }): void {
    if (!isMainThread || !process.argv[1]) return;
    let entry: string;
    let self: string;
    try {
      entry = realpathSync(process.argv[1]);
      // TypeScript compiled to CommonJS (tsx in a CommonJS package) sees an empty `import.meta`.
      const file = 'url' in meta && typeof meta.url === 'string' ? fileURLToPath(meta.url) : (meta as { filename?: string }).filename;
      if (typeof file !== 'string') return;
      self = realpathSync(file);
    } catch {
      return;
    }
    if (entry !== self) return;
    void import('../main/cli/program.js').then(({ runCli }) => runCli(['run', ...process.argv.slice(2)], { agentModule: self }));
  }
}

export function isRunner(v: unknown): v is Runner {
  return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[RUNNER_BRAND] === true;
}

/** The file URL of the first stack frame outside this library's files. */
function callerModuleUrl(): string | undefined {
  const here = import.meta.url;
  const ownDir = here.slice(0, here.lastIndexOf('/') + 1);
  const stack = new Error().stack?.split('\n').slice(1) ?? [];
  for (const line of stack) {
    const m = /(file:\/\/[^\s)]+?|\/[^\s():]+?):\d+:\d+\)?$/.exec(line.trim());
    if (!m) continue;
    const url = m[1].startsWith('file://') ? m[1] : pathToFileURL(m[1]).href;
    if (url.startsWith(ownDir) || url.includes('/node_modules/task-agents/')) continue;
    if (url.startsWith('node:')) continue;
    return url;
  }
  return undefined;
}
