/**
 * Run options: CLI flags over the Runner's constructor options over defaults, validated once
 * against the one schema (shared/run-options.ts: strict, an unknown key is an error) and frozen.
 * Everything downstream sees only ResolvedRunOptions.
 */
import { TaskAgentError } from '../shared/errors.js';
import { zodIssueLines } from '../shared/project-schema.js';
import { rejectUnknownKeys } from '../shared/known-keys.js';
import { RUN_OPTION_KEYS, RunOptionsSchema, type ResolvedRunOptions } from '../shared/run-options.js';

export type { ResolvedRunOptions } from '../shared/run-options.js';

/** Merge sources (earlier wins), drop undefined values, validate. A key that is no run option is TA_CFG_INVALID with the closest one as a hint. */
export function resolveRunOptions(...sources: object[]): ResolvedRunOptions {
  const merged: Record<string, unknown> = {};
  for (const src of [...sources].reverse()) {
    rejectUnknownKeys(src, RUN_OPTION_KEYS, 'the run options');
    for (const [k, v] of Object.entries(src)) if (v !== undefined) merged[k] = v;
  }
  const r = RunOptionsSchema.safeParse(merged);
  if (!r.success) {
    const lines = zodIssueLines(r.error);
    throw new TaskAgentError('TA_CFG_INVALID', `invalid run options:\n  ${lines.join('\n  ')}`, {
      details: { issues: lines },
      hint: 'see `task-agents run --help`',
    });
  }
  const { project, ...rest } = r.data;
  const projects = Object.freeze([...new Set(project === undefined ? [] : typeof project === 'string' ? [project] : project)]);
  return Object.freeze({ ...rest, ...(projects.length > 0 && { project: projects[0] }), projects });
}
