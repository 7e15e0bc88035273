/**
 * Run options: CLI flags over the Runner's constructor options over defaults, validated once
 * (zod, strict) and frozen. Everything downstream sees only ResolvedRunOptions.
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { TaskAgentError } from '../shared/errors.js';
import { zodIssueLines } from '../shared/project-schema.js';
import type { RunOptions } from '../agent/run-types.js';

const count = (min: number) => z.coerce.number().int().min(min);

export const RunOptionsSchema = z.strictObject({
  project: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  agentModule: z.string().min(1).optional(),
  threads: count(1).max(256).default(() => availableParallelism()),
  concurrency: count(1).max(10_000).default(1),
  refreshEvery: z.coerce.number().positive().optional(),
  numRetries: count(0).max(100).default(3),
  taskBatchSize: count(1).max(100_000).default(300),
  maxTasksPerStage: z.coerce.number().int().min(1, { message: 'max-tasks-per-stage must be >= 1' }).optional(),
  taskTimeoutMs: count(0).default(0),
  retryBudget: count(0).max(1_000_000).default(100),
  decoder: z.enum(['auto', 'beamcoder', 'node-av']).default('auto'),
  quiet: z.boolean().default(false),
  json: z.boolean().default(false),
  dryRun: z.boolean().default(false),
  queue: z.string().regex(/^rediss?:\/\//, 'queue must be a redis:// or rediss:// URL').optional(),
  queueName: z.string().min(1).default('task-agents'),
  queueReconnectMs: count(0).default(30_000),
  stage: z.string().min(1).optional(),
  onFailure: z.string().min(1).optional(),
  onFailureRecord: z.string().regex(/^(classification|metadata):.+$/, 'on-failure-record must be classification:NAME or metadata:KEY').optional(),
  maxFailures: count(1).optional(),
  skipFailedAfter: count(1).optional(),
  retryFailed: z.boolean().default(false),
  stateDir: z.string().min(1).optional(),
  // Messages name fields only: a key never reaches an error.
  credentials: z.strictObject({
    sshKey: z.string().min(1).optional(),
    sshKeyFile: z.string().min(1).optional(),
    domain: z.string().regex(/^https?:\/\/\S+$/, 'domain must be an http(s) URL').optional(),
  }).refine((c) => !(c.sshKey && c.sshKeyFile), { message: 'give sshKey or sshKeyFile, not both' }).optional(),
}).refine((o) => !(o.dryRun && o.refreshEvery !== undefined), { message: 'dry-run makes one pass: it cannot be combined with refresh-every', path: ['dryRun'] })
  .refine((o) => o.onFailureRecord === undefined || o.onFailure !== undefined, { message: 'on-failure-record needs on-failure', path: ['onFailureRecord'] });

export type ResolvedRunOptions = Readonly<Omit<z.output<typeof RunOptionsSchema>, 'project'> & {
  /** The first project (the only one, but in a run over several). */
  project?: string;
  /** Every `--project`, in order, without repeats. */
  projects: readonly string[];
}>;

const KEYS = Object.keys(RunOptionsSchema.shape);

/** Merge sources (earlier wins), drop undefined, validate. */
export function resolveRunOptions(...sources: Array<Partial<RunOptions> & { agentModule?: string } | Record<string, unknown>>): ResolvedRunOptions {
  const merged: Record<string, unknown> = {};
  for (const src of [...sources].reverse()) {
    for (const [k, v] of Object.entries(src)) if (v !== undefined && KEYS.includes(k)) merged[k] = v;
  }
  const r = RunOptionsSchema.safeParse(merged);
  if (!r.success) {
    const lines = zodIssueLines(r.error);
    throw new TaskAgentError('TA_CFG_INVALID', `invalid run options:\n  ${lines.join('\n  ')}`, { details: { issues: lines }, hint: 'see `task-agents run --help`' });
  }
  const { project, ...rest } = r.data;
  const projects = Object.freeze([...new Set(project === undefined ? [] : typeof project === 'string' ? [project] : project)]);
  return Object.freeze({ ...rest, ...(projects.length > 0 && { project: projects[0] }), projects });
}
