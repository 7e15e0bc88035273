/**
 * The run options, declared once: this zod schema is the source of what a run resolves them to
 * (its output) and of the settings a worker runs tasks with (`WorkerSettings`, shared by the
 * worker init and a queue run's context). The public `RunOptions` is its input written out with
 * a doc per field (zod's inferred types carry no JSDoc into the .d.ts), checked equal to the
 * schema's input by the compiler. Nothing else re-declares a field.
 */
import { availableParallelism } from 'node:os';
import * as z from 'zod';

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
export const QueueNameSchema = z
  .string()
  .min(1, 'the queue name must not be empty (default task-agents)')
  .regex(/^[^:]+$/, 'the queue name cannot contain ":" (BullMQ and the run keys use it as the separator), e.g. task-agents-nightly');

// Each field is documented once, in RunOptions below (zod's types carry no JSDoc into the .d.ts).
export const RunOptionsSchema = z
  .strictObject({
    project: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    // Not a RunOptions field: the module whose default export is the Runner (the CLI's AGENT_MODULE); default: the module that constructed it.
    agentModule: z.string().min(1).optional(),
    threads: count(1)
      .max(256)
      .default(() => availableParallelism()),
    concurrency: count(1).max(10_000).default(1),
    refreshEvery: z.coerce.number<number>().positive().optional(),
    numRetries: count(0).max(100).default(3),
    taskBatchSize: count(1).max(100_000).default(300),
    maxTasksPerStage: z.coerce.number<number>().int().min(1, { message: 'max-tasks-per-stage must be >= 1' }).optional(),
    taskTimeoutMs: count(0).default(0),
    retryBudget: count(0).max(1_000_000).default(100),
    decoder: z.enum(DECODER_KINDS).default('auto'),
    quiet: z.boolean().default(false),
    json: z.boolean().default(false),
    dryRun: z.boolean().default(false),
    queue: z
      .string()
      .regex(/^rediss?:\/\//, 'queue must be a redis:// or rediss:// URL')
      .optional(),
    queueName: QueueNameSchema.default('task-agents'),
    queueReconnectMs: count(0).default(30_000),
    stage: z.string().min(1).optional(),
    onFailure: z.string().min(1).optional(),
    onFailureRecord: z
      .string()
      .regex(/^(classification|metadata):.+$/, 'on-failure-record must be classification:NAME or metadata:KEY')
      .optional(),
    maxFailures: count(1).optional(),
    skipFailedAfter: count(1).optional(),
    retryFailed: z.boolean().default(false),
    stateDir: z.string().min(1).optional(),
    credentials: z
      .strictObject({
        sshKey: z.string().min(1).optional(),
        sshKeyFile: z.string().min(1).optional(),
        domain: z
          .string()
          .regex(/^https?:\/\/\S+$/, 'domain must be an http(s) URL')
          .optional(),
      })
      .refine((c) => !(c.sshKey && c.sshKeyFile), { message: 'give sshKey or sshKeyFile, not both' })
      .optional(),
  })
  .refine((o) => !(o.dryRun && o.refreshEvery !== undefined), {
    message: 'dry-run makes one pass: it cannot be combined with refresh-every',
    path: ['dryRun'],
  })
  .refine((o) => o.onFailureRecord === undefined || o.onFailure !== undefined, {
    message: 'on-failure-record needs on-failure',
    path: ['onFailureRecord'],
  });

/** Every run option's name, in declaration order. */
export const RUN_OPTION_KEYS = Object.keys(RunOptionsSchema.shape) as Array<keyof typeof RunOptionsSchema.shape>;

/**
 * The options of `task-agents run`, `new Runner({...})` and `runner.execute({...})`, as callers
 * give them (every field optional). Written out, unlike the rest, so that each field's doc reaches
 * the published .d.ts and editors; RunOptionsMatchSchema keeps it equal to the schema's input.
 */
export interface RunOptions {
  /**
   * Local project directory, or an Encord project UUID; several serve one deployment (each project
   * runs the registered stages it has). Default: `./demo-project` for the demo.
   */
  project?: string | string[];
  /** Worker threads. @default availableParallelism() */
  threads?: number;
  /** Tasks in flight per worker thread (raise for I/O-bound agents). @default 1 */
  concurrency?: number;
  /** Seconds between passes; unset = one pass then exit. */
  refreshEvery?: number;
  /** Extra attempts per task after a failure (agent or dependency). @default 3 */
  numRetries?: number;
  /** Tasks per prefetch batch, cut from the platform's pages (whose size is the platform's). @default 300 */
  taskBatchSize?: number;
  /** Cap on tasks attempted per stage per pass. */
  maxTasksPerStage?: number;
  /** Per-attempt timeout of an agent, in ms; 0 = none. @default 0 */
  taskTimeoutMs?: number;
  /**
   * Platform retries in reserve for the run (transient faults of its page, prefetch and commit
   * requests: 429, 5xx, resets); each answered request earns half a retry back, up to this many.
   * 0 = no retries. @default 100
   */
  retryBudget?: number;
  /** Frame decoder backend. @default 'auto' */
  decoder?: DecoderKind;
  /** No progress bars or human output. */
  quiet?: boolean;
  /** Only a JSON summary on stdout. */
  json?: boolean;
  /** Run the agents and report their decisions (`RunSummary.decisions`) without writing them back. One pass only. */
  dryRun?: boolean;
  /** Queue mode: a redis:// URL; chunks go to `task-agents worker` processes instead of local threads. */
  queue?: string;
  /** BullMQ queue name (default `task-agents`; not empty, no ':'); workers must use the same. */
  queueName?: string;
  /** Queue mode: how long Redis may stay away mid-run before the run fails with TA_QUEUE_UNREACHABLE, in ms. @default 30000 */
  queueReconnectMs?: number;
  /** Run only this registered stage (title or UUID, either matching however it was registered). */
  stage?: string;
  /** Failure pathway for every stage without its own `onFailure` (see StageOptions.onFailure). */
  onFailure?: string;
  /** Where `onFailure` writes the error: `classification:NAME` (a text classification) or `metadata:KEY` (client metadata). */
  onFailureRecord?: string;
  /** Stop the run (dispatch nothing more, finish and commit what is in flight) once this many tasks have failed. */
  maxFailures?: number;
  /** Leave alone a task that failed this many runs in a row (remembered per task) until `retryFailed`. */
  skipFailedAfter?: number;
  /** Try the tasks `skipFailedAfter` leaves alone again. */
  retryFailed?: boolean;
  /** Where failures of Encord projects are remembered (default $XDG_STATE_HOME/task-agents, else ~/.local/state/task-agents); local projects keep them in project.db. */
  stateDir?: string;
  /**
   * Encord credentials for this run instead of the ENCORD_SSH_KEY(_FILE) / ENCORD_DOMAIN
   * environment. Messages name fields only: a key never reaches an error.
   */
  credentials?: {
    /** The OpenSSH ed25519 private key text. */
    sshKey?: string;
    /** A path to the private key file (`~` expanded). */
    sshKeyFile?: string;
    /** API domain; default ENCORD_DOMAIN, else https://api.encord.com. */
    domain?: string;
  };
}

/** True when A and B are the same type (not merely assignable either way). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Holds<T extends true> = T;
/** Compile-time check: RunOptions is exactly what the schema accepts (a field added, dropped or retyped on one side fails tsc). */
export type RunOptionsMatchSchema = Holds<Same<RunOptions, Omit<z.input<typeof RunOptionsSchema>, 'agentModule'>>>;

/** The options once merged, validated and defaulted; everything downstream of the CLI and the Runner sees only these. */
export type ResolvedRunOptions = Readonly<
  Omit<z.output<typeof RunOptionsSchema>, 'project'> & {
    /** The first project (the only one, but in a run over several). */
    project?: string;
    /** Every `--project`, in order, without repeats. */
    projects: readonly string[];
  }
>;

/** What a worker runs tasks with: the worker init carries these, and so does a queue run's context. */
export const WORKER_SETTING_KEYS = ['numRetries', 'taskTimeoutMs', 'concurrency', 'decoder'] as const satisfies ReadonlyArray<
  keyof ResolvedRunOptions
>;
export type WorkerSettings = Pick<ResolvedRunOptions, (typeof WORKER_SETTING_KEYS)[number]>;

/** The worker settings of resolved options (or of anything carrying them, such as a queue run's context). */
export function workerSettings(from: WorkerSettings): WorkerSettings {
  return Object.fromEntries(WORKER_SETTING_KEYS.map((k) => [k, from[k]])) as unknown as WorkerSettings;
}
