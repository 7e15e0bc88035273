/**
 * The run options, declared once: this zod schema is the source of the public `RunOptions` (its
 * input), of what a run resolves them to (its output) and of the settings a worker runs tasks
 * with (`WorkerSettings`, shared by the worker init and a queue run's context). Nothing else
 * re-declares a field.
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';

/** Frame decoder backends; `auto` picks the first that loads. */
export const DECODER_KINDS = ['auto', 'beamcoder', 'node-av'] as const;
export type DecoderKind = (typeof DECODER_KINDS)[number];
/** A decoder backend by name (what `auto` resolves to). */
export type DecoderName = Exclude<DecoderKind, 'auto'>;

// Typed input: numbers are numbers to callers; a CLI string still coerces.
const count = (min: number) => z.coerce.number<number>().int().min(min);

/**
 * A BullMQ queue name: BullMQ builds its Redis keys as `<prefix>:<queue>:…` and refuses a name
 * with ':' (a plain Error, once connected); our own run keys are `<queue>:run:<id>` too.
 */
export const QueueNameSchema = z.string()
  .min(1, 'the queue name must not be empty (default task-agents)')
  .regex(/^[^:]+$/, 'the queue name cannot contain ":" (BullMQ and the run keys use it as the separator), e.g. task-agents-nightly');

export const RunOptionsSchema = z.strictObject({
  /**
   * Local project directory, or an Encord project UUID; several serve one deployment (each project
   * runs the registered stages it has). Default: `./demo-project` for the demo.
   */
  project: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  /** The module whose default export is the Runner (the CLI's AGENT_MODULE); default: the module that constructed it. */
  agentModule: z.string().min(1).optional(),
  /** Worker threads. @default availableParallelism() */
  threads: count(1).max(256).default(() => availableParallelism()),
  /** Tasks in flight per worker thread (raise for I/O-bound agents). @default 1 */
  concurrency: count(1).max(10_000).default(1),
  /** Seconds between passes; unset = one pass then exit. */
  refreshEvery: z.coerce.number<number>().positive().optional(),
  /** Extra attempts per task after a failure (agent or dependency). @default 3 */
  numRetries: count(0).max(100).default(3),
  /** Tasks per prefetch batch, cut from the platform's pages (whose size is the platform's). @default 300 */
  taskBatchSize: count(1).max(100_000).default(300),
  /** Cap on tasks attempted per stage per pass. */
  maxTasksPerStage: z.coerce.number<number>().int().min(1, { message: 'max-tasks-per-stage must be >= 1' }).optional(),
  /** Per-attempt timeout of an agent, in ms; 0 = none. @default 0 */
  taskTimeoutMs: count(0).default(0),
  /**
   * Platform retries in reserve for the run (transient faults of its page, prefetch and commit
   * requests: 429, 5xx, resets); each answered request earns half a retry back, up to this many.
   * 0 = no retries. @default 100
   */
  retryBudget: count(0).max(1_000_000).default(100),
  /** Frame decoder backend. @default 'auto' */
  decoder: z.enum(DECODER_KINDS).default('auto'),
  /** No progress bars or human output. */
  quiet: z.boolean().default(false),
  /** Only a JSON summary on stdout. */
  json: z.boolean().default(false),
  /** Run the agents and report their decisions (`RunSummary.decisions`) without writing them back. One pass only. */
  dryRun: z.boolean().default(false),
  /** Queue mode: a redis:// URL; chunks go to `task-agents worker` processes instead of local threads. */
  queue: z.string().regex(/^rediss?:\/\//, 'queue must be a redis:// or rediss:// URL').optional(),
  /** BullMQ queue name (default `task-agents`); workers must use the same. */
  queueName: QueueNameSchema.default('task-agents'),
  /** Queue mode: how long Redis may stay away mid-run before the run fails with TA_QUEUE_UNREACHABLE, in ms. @default 30000 */
  queueReconnectMs: count(0).default(30_000),
  /** Run only this registered stage (title or UUID, either matching however it was registered). */
  stage: z.string().min(1).optional(),
  /** Failure pathway for every stage without its own `onFailure` (see StageOptions.onFailure). */
  onFailure: z.string().min(1).optional(),
  /** Where `onFailure` writes the error: `classification:NAME` (a text classification) or `metadata:KEY` (client metadata). */
  onFailureRecord: z.string().regex(/^(classification|metadata):.+$/, 'on-failure-record must be classification:NAME or metadata:KEY').optional(),
  /** Stop the run (dispatch nothing more, finish and commit what is in flight) once this many tasks have failed. */
  maxFailures: count(1).optional(),
  /** Leave alone a task that failed this many runs in a row (remembered per task) until `retryFailed`. */
  skipFailedAfter: count(1).optional(),
  /** Try the tasks `skipFailedAfter` leaves alone again. */
  retryFailed: z.boolean().default(false),
  /** Where failures of Encord projects are remembered (default $XDG_STATE_HOME/task-agents, else ~/.local/state/task-agents); local projects keep them in project.db. */
  stateDir: z.string().min(1).optional(),
  /**
   * Encord credentials for this run instead of the ENCORD_SSH_KEY(_FILE) / ENCORD_DOMAIN
   * environment. Messages name fields only: a key never reaches an error.
   */
  credentials: z.strictObject({
    /** The OpenSSH ed25519 private key text. */
    sshKey: z.string().min(1).optional(),
    /** A path to the private key file (`~` expanded). */
    sshKeyFile: z.string().min(1).optional(),
    /** API domain; default ENCORD_DOMAIN, else https://api.encord.com. */
    domain: z.string().regex(/^https?:\/\/\S+$/, 'domain must be an http(s) URL').optional(),
  }).refine((c) => !(c.sshKey && c.sshKeyFile), { message: 'give sshKey or sshKeyFile, not both' }).optional(),
}).refine((o) => !(o.dryRun && o.refreshEvery !== undefined), { message: 'dry-run makes one pass: it cannot be combined with refresh-every', path: ['dryRun'] })
  .refine((o) => o.onFailureRecord === undefined || o.onFailure !== undefined, { message: 'on-failure-record needs on-failure', path: ['onFailureRecord'] });

/** Every run option's name, in declaration order. */
export const RUN_OPTION_KEYS = Object.keys(RunOptionsSchema.shape) as Array<keyof typeof RunOptionsSchema.shape>;

/** The options of `task-agents run`, `new Runner({...})` and `runner.execute({...})`, as callers give them (every field optional). */
export type RunOptions = Omit<z.input<typeof RunOptionsSchema>, 'agentModule'>;

/** The options once merged, validated and defaulted; everything downstream of the CLI and the Runner sees only these. */
export type ResolvedRunOptions = Readonly<Omit<z.output<typeof RunOptionsSchema>, 'project'> & {
  /** The first project (the only one, but in a run over several). */
  project?: string;
  /** Every `--project`, in order, without repeats. */
  projects: readonly string[];
}>;

/** What a worker runs tasks with: the worker init carries these, and so does a queue run's context. */
export const WORKER_SETTING_KEYS = ['numRetries', 'taskTimeoutMs', 'concurrency', 'decoder'] as const satisfies ReadonlyArray<keyof ResolvedRunOptions>;
export type WorkerSettings = Pick<ResolvedRunOptions, (typeof WORKER_SETTING_KEYS)[number]>;

/** The worker settings of resolved options (or of anything carrying them, such as a queue run's context). */
export function workerSettings(from: WorkerSettings): WorkerSettings {
  return Object.fromEntries(WORKER_SETTING_KEYS.map((k) => [k, from[k]])) as unknown as WorkerSettings;
}
