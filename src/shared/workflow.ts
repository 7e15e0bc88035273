/** Workflow lookups shared by both threads. */
import { TaskAgentError } from './errors.js';
import type { WorkflowStage } from './types.js';
import { capText, VALUE_CAP } from './cap-text.js';

/** A stage by UUID, else by exact title (how agents, the CLI and the runner name stages). */
export function findStage(stages: readonly WorkflowStage[], ref: string): WorkflowStage | undefined {
  return stages.find((s) => s.uuid === ref) ?? stages.find((s) => s.title === ref);
}

/**
 * A pathway of `stage` named by an agent: by UUID, then exact title, then a unique
 * case-insensitive title.
 * @throws TaskAgentError TA_PATHWAY_UNKNOWN, listing the valid pathways
 */
export function resolvePathway(value: string, stage: Pick<WorkflowStage, 'title' | 'pathways'>): { uuid: string; title: string } {
  const p = stage.pathways ?? [];
  const byUuid = p.find((x) => x.uuid === value);
  if (byUuid) return { uuid: byUuid.uuid, title: byUuid.title };
  const exact = p.find((x) => x.title === value);
  if (exact) return { uuid: exact.uuid, title: exact.title };
  const loose = p.filter((x) => x.title.toLowerCase() === value.toLowerCase());
  if (loose.length === 1) return { uuid: loose[0].uuid, title: loose[0].title };
  throw new TaskAgentError('TA_PATHWAY_UNKNOWN', `stage "${stage.title}" has no pathway "${capText(value, VALUE_CAP)}"`, {
    hint: `valid pathways: ${p.map((x) => `"${x.title}" (${x.uuid})`).join(', ')}`,
  });
}
