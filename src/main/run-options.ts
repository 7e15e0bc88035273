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
  project: z.string().min(1).optional(),
  agentModule: z.string().min(1).optional(),
  threads: count(1).max(256).default(() => availableParallelism()),
  concurrency: count(1).max(10_000).default(1),
  refreshEvery: z.coerce.number().positive().optional(),
  numRetries: count(0).max(100).default(3),
  taskBatchSize: count(1).max(100_000).default(300),
  maxTasksPerStage: z.coerce.number().int().min(1, { message: 'max-tasks-per-stage must be >= 1' }).optional(),
  taskTimeoutMs: count(0).default(0),
  decoder: z.enum(['auto', 'beamcoder', 'node-av']).default('auto'),
  quiet: z.boolean().default(false),
  json: z.boolean().default(false),
  dryRun: z.boolean().default(false),
  queue: z.string().regex(/^redis:\/\//, 'queue must be a redis:// URL').optional(),
  queueName: z.string().min(1).default('task-agents'),
  queueReconnectMs: count(0).default(30_000),
}).refine((o) => !(o.dryRun && o.refreshEvery !== undefined), { message: 'dry-run makes one pass: it cannot be combined with refresh-every', path: ['dryRun'] });

export type ResolvedRunOptions = Readonly<z.output<typeof RunOptionsSchema>>;

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
  return Object.freeze(r.data);
}
