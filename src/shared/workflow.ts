/** Workflow lookups shared by both threads. */
import type { WorkflowStage } from './types.js';

/** A stage by UUID, else by exact title (how agents, the CLI and the runner name stages). */
export function findStage(stages: readonly WorkflowStage[], ref: string): WorkflowStage | undefined {
  return stages.find((s) => s.uuid === ref) ?? stages.find((s) => s.title === ref);
}
