/**
 * Helpers for tests of agents and of task-agents itself: build local projects quickly (no media
 * import) with any number of tasks, and run an agent module as a dry run (runAgentOnce).
 */
import { LocalProject, type NewDataUnit } from './platform/local/local-project.js';
import { defaultOntology, defaultWorkflow } from './platform/local/default-project.js';
import type { OntologyStructure, Workflow } from './shared/types.js';
import type { RunOptions, RunSummary, TaskDecision, TaskFailure } from './agent/run-types.js';

export { LocalProject } from './platform/local/local-project.js';
export { LocalPlatform, type LocalPlatformOptions } from './platform/local/local-platform.js';
export { defaultOntology, defaultWorkflow } from './platform/local/default-project.js';

/**
 * Create a local project with `tasks` synthetic image data units (no media files), in batches of
 * one transaction per 10 000 rows. For runner tests and benchmarks.
 */
export function createTestProject(
  dir: string,
  options: { tasks: number; workflow?: Workflow; ontology?: OntologyStructure; title?: string },
): LocalProject {
  const p = LocalProject.create(dir, {
    workflow: options.workflow ?? defaultWorkflow(),
    ontology: options.ontology ?? defaultOntology(),
    title: options.title ?? 'test project',
  });
  for (let done = 0; done < options.tasks;) {
    const n = Math.min(10_000, options.tasks - done);
    const units: NewDataUnit[] = Array.from({ length: n }, (_, i) => ({
      title: `img-${String(done + i).padStart(6, '0')}.jpg`,
      dataType: 'IMAGE',
      item: {
        itemType: 'image',
        name: `img-${done + i}.jpg`,
        relPath: `synthetic/img-${done + i}.jpg`,
        mimeType: 'image/jpeg',
        width: 64,
        height: 48,
        frameCount: 1,
      },
    }));
    p.addDataUnits(units);
    done += n;
  }
  return p;
}

export interface RunAgentOnceOptions extends Partial<Omit<RunOptions, 'dryRun' | 'refreshEvery' | 'json' | 'quiet'>> {
  /** The project to run on (a local directory, e.g. one made with createTestProject, or an Encord UUID). */
  project: string;
}

/**
 * Runs an agent module once over a project as a dry run — real workers, real dependencies, real
 * media decoding, nothing written back — and returns what its agents decided, for tests of agents.
 * Defaults to one thread.
 *
 * @example
 * const { decisions, failures } = await runAgentOnce('./agent.ts', { project: dir, maxTasksPerStage: 10 });
 * assert.equal(decisions[0].pathway, 'labelled');
 */
export async function runAgentOnce(
  agentModule: string,
  options: RunAgentOnceOptions,
): Promise<{ decisions: TaskDecision[]; failures: TaskFailure[]; summary: RunSummary }> {
  const { executeRun } = await import('./main/execute.js');
  const summary = await executeRun({ threads: 1, ...options, agentModule, dryRun: true, quiet: true, json: true });
  return { decisions: summary.decisions ?? [], failures: summary.failures, summary };
}
