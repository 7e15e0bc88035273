// Builds local test projects through the public testing helpers (dist/testing.js).
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { createTestProject, LocalProject } from '../../dist/testing.js';
import { cli, tmp } from './cli.mjs';

/** START-less Encord-style workflow: AGENT "Agent 1" --complete--> DONE "Complete" (+ a human stage). */
export function singleAgentWorkflow() {
  const agent = randomUUID(),
    done = randomUUID(),
    annotate = randomUUID();
  return {
    ids: { agent, done, annotate, complete: randomUUID(), toHuman: randomUUID() },
    get workflow() {
      return {
        stages: [
          {
            stageType: 'AGENT',
            uuid: agent,
            title: 'Agent 1',
            pathways: [
              { uuid: this.ids.complete, title: 'complete', destinationUuid: done },
              { uuid: this.ids.toHuman, title: 'to human', destinationUuid: annotate },
            ],
          },
          { stageType: 'ANNOTATION', uuid: annotate, title: 'Annotate' },
          { stageType: 'DONE', uuid: done, title: 'Complete' },
        ],
      };
    },
  };
}

export function makeProject(tasks, { workflow, title } = {}) {
  const dir = join(tmp(), 'project');
  const p = createTestProject(dir, { tasks, ...(workflow && { workflow }), ...(title && { title }) });
  const info = p.info;
  p.close();
  return { dir, info };
}

/** Tasks per stage title. */
export function stageCounts(dir) {
  const p = LocalProject.open(dir);
  try {
    const counts = p.countsByStage();
    return Object.fromEntries(p.info.workflow.stages.map((s) => [s.title, counts.get(s.uuid) ?? 0]));
  } finally {
    p.close();
  }
}

export function tasksOf(dir) {
  const p = LocalProject.open(dir);
  try {
    const titles = new Map(p.info.workflow.stages.map((s) => [s.uuid, s.title]));
    return p.allTasks().map((t) => ({ ...t, stage: titles.get(t.stageUuid) }));
  } finally {
    p.close();
  }
}

/** Exported label rows of a local project (uninitialised ones as their empty template). */
export function labelRowsOf(dir) {
  const p = LocalProject.open(dir);
  try {
    return p.exportLabelRows();
  } finally {
    p.close();
  }
}

/** How many label rows carry at least one classification. */
export function labelledCount(dir) {
  return labelRowsOf(dir).filter((r) => Object.keys(r.classification_answers).length > 0).length;
}

/**
 * A project with the single-agent workflow made through the CLI, then `project import` of `paths`
 * (extra import flags in `importArgs`): { dir, projectHash, imported } (the import's JSON result).
 */
export async function importedProject(paths, importArgs = []) {
  const dir = join(tmp(), 'p');
  const wf = join(tmp(), 'wf.json');
  writeFileSync(wf, JSON.stringify(singleAgentWorkflow().workflow));
  const init = await cli(['project', 'init', dir, '--workflow', wf, '--json']);
  if (init.code !== 0) throw new Error(`project init failed: ${init.stderr}`);
  const imp = await cli(['project', 'import', dir, ...paths, ...importArgs, '--json']);
  if (imp.code !== 0) throw new Error(`project import failed: ${imp.stderr}`);
  return { dir, projectHash: init.json.projectHash, imported: imp.json };
}

/** A twin of the project in `dir` (same data units and workflow, stage UUIDs included), made by the CLI next to it: { dir, projectHash }. */
export async function makeTwin(dir, name = 'twin') {
  const twinDir = join(dir, '..', name);
  const r = await cli(['project', 'init', twinDir, '--twin-of', dir, '--json']);
  if (r.code !== 0) throw new Error(`project init --twin-of failed: ${r.stderr}`);
  return { dir: twinDir, projectHash: r.json.projectHash };
}
