/**
 * deps.twinLabelRow() in the worker. The twin project is opened once per worker thread; the twins
 * of a whole chunk of tasks are fetched together (one metadata call, bundled label-row fetches,
 * one task lookup per twin stage), then each task gets its own fresh LabelRow. Python's runner
 * instead lists every label row of the twin project at import time and keeps them forever, and
 * initialises each twin with its own call per task. `twin.save()` and `twin.proceed()` are not
 * sent from here: they are recorded on the attempt and committed by the main thread with the
 * task, bundled, before the task's own writes (nothing is written if the attempt fails).
 */
import { TaskAgentError, isTaskAgentError } from '../shared/errors.js';
import { LabelRow } from '../shared/label-row/index.js';
import { validateLabelRowJson } from '../shared/label-row/validate.js';
import type { TwinSpec, TwinWrites, WorkerInit } from '../shared/protocol.js';
import type { LabelRowJson, LabelRowMetadata, ProjectInfo, TaskRecord } from '../shared/types.js';
import type { Platform } from '../platform/platform.js';
import type { Twin } from '../deps/builtins.js';
import { findStage, resolvePathway } from '../shared/workflow.js';
import type { WorkerRuntime } from './worker-runtime.js';

export interface TwinProject {
  platform: Platform;
  info: ProjectInfo;
}

interface TwinRecord {
  metadata: LabelRowMetadata;
  labelRow: LabelRowJson | null;
  task: (TaskRecord & { stage: { uuid: string; title: string } }) | null;
}

/** The twin project, opened and read once per worker (a failure is not cached: the next task tries again). */
function twinProject(runtime: WorkerRuntime, init: WorkerInit, ref: string): Promise<TwinProject> {
  const projects = runtime.twinProjects;
  // A local ref resolves next to the run's project, and a run may have several: key by both.
  const key = JSON.stringify([init.platform.kind === 'local' ? init.platform.dir : init.platform.projectHash, ref]);
  let p = projects.get(key);
  if (!p) {
    p = (async () => {
      try {
        const platform = await (await runtime.platforms()).otherPlatform(init.platform, ref);
        return { platform, info: await platform.getProject() };
      } catch (e) {
        throw new TaskAgentError(
          'TA_TWIN_PROJECT_UNAVAILABLE',
          `twin project ${ref} cannot be read: ${e instanceof Error ? e.message : String(e)}`,
          {
            hint: 'check the project hash and that your key has access to it',
            cause: e,
          },
        );
      }
    })();
    projects.set(key, p);
    p.catch(() => projects.delete(key));
  }
  return p;
}

/** Twins for the tasks of one chunk, fetched on first use per twin declaration. */
export class ChunkTwins {
  readonly #fetches = new Map<string, Promise<Map<string, TwinRecord>>>();

  constructor(
    private readonly runtime: WorkerRuntime,
    private readonly init: WorkerInit,
    private readonly dataHashes: string[],
  ) {}

  async twin(spec: TwinSpec, dataHash: string, writes: TwinWrites): Promise<Twin | null> {
    const key = JSON.stringify([spec.twinProject, spec.initLabels, spec.includeTask]);
    let fetch = this.#fetches.get(key);
    if (!fetch) {
      fetch = this.#fetch(spec);
      this.#fetches.set(key, fetch);
      fetch.catch(() => this.#fetches.delete(key));
    }
    const record = (await fetch).get(dataHash);
    return record ? makeTwin(await twinProject(this.runtime, this.init, spec.twinProject), spec.twinProject, record, writes) : null;
  }

  async #fetch(spec: TwinSpec): Promise<Map<string, TwinRecord>> {
    const { platform } = await twinProject(this.runtime, this.init, spec.twinProject);
    const metas = await platform.listLabelRowMetadata(this.dataHashes, { includeWorkflowGraphNode: true });
    const rows = spec.initLabels ? await platform.getLabelRows(metas) : new Map<string, LabelRowJson>();
    const tasks = spec.includeTask ? await twinTasks(platform, metas) : new Map<string, TwinRecord['task']>();
    return new Map(
      metas.map((m) => [m.dataHash, { metadata: m, labelRow: rows.get(m.dataHash) ?? null, task: tasks.get(m.dataHash) ?? null }]),
    );
  }
}

/** The twins' current tasks: one lookup by data hashes per stage they sit in. */
async function twinTasks(platform: Platform, metas: LabelRowMetadata[]): Promise<Map<string, TwinRecord['task']>> {
  const byStage = new Map<string, { title: string; hashes: string[] }>();
  for (const m of metas) {
    const node = m.workflowGraphNode;
    if (!node) continue;
    const entry = byStage.get(node.uuid) ?? { title: node.title, hashes: [] };
    entry.hashes.push(m.dataHash);
    byStage.set(node.uuid, entry);
  }
  const out = new Map<string, TwinRecord['task']>();
  for (const [uuid, { title, hashes }] of byStage) {
    try {
      for await (const page of platform.taskPages(uuid, { dataHashes: hashes })) {
        for (const t of page) out.set(t.dataHash, { ...t, stage: { uuid, title } });
      }
    } catch (e) {
      // Stages that list no tasks (as on projects without a workflow) leave the twin without one, as in Python.
      const status = isTaskAgentError(e) ? e.details?.['status'] : undefined;
      if (status !== 400 && status !== 404) throw e;
    }
  }
  return out;
}

function makeTwin(project: TwinProject, ref: string, record: TwinRecord, writes: TwinWrites): Twin {
  const labelRow = record.labelRow ? new LabelRow(record.labelRow, project.info.ontology) : null;
  const task = record.task;
  const title = record.metadata.dataTitle;
  return {
    labelRow,
    metadata: record.metadata,
    task,
    project: project.info,
    async save() {
      if (!labelRow)
        throw new TaskAgentError('TA_LABEL_ROW_MISSING', `the twin of "${title}" has no initialised label row`, {
          hint: 'use deps.twinLabelRow({ ..., initLabels: true })',
        });
      // A snapshot now: later edits need another save(), as with an immediate write.
      const json = validateLabelRowJson(labelRow.toJSON(), {
        dataHash: record.metadata.dataHash,
        labelHash: record.labelRow?.label_hash ?? record.metadata.labelHash,
      });
      const save = {
        twinProject: ref,
        dataHash: record.metadata.dataHash,
        labelHash: json.label_hash ?? record.metadata.labelHash,
        labelRow: json,
      };
      const i = writes.saves.findIndex((s) => s.twinProject === ref && s.dataHash === save.dataHash);
      if (i >= 0) writes.saves[i] = save;
      else writes.saves.push(save);
    },
    async proceed(pathway: string) {
      if (!task)
        throw new TaskAgentError('TA_CFG_INVALID', `the twin of "${title}" has no task`, {
          hint: 'use deps.twinLabelRow({ ..., includeTask: true })',
        });
      // Named as the run's own pathways are (UUID, exact title, unique case-insensitive title).
      const p = resolvePathway(
        pathway,
        findStage(project.info.workflow.stages, task.stage.uuid) ?? { title: task.stage.title, pathways: [] },
      );
      if (writes.proceeds.some((w) => w.twinProject === ref && w.taskUuid === task.uuid)) {
        throw new TaskAgentError('TA_AGENT_BAD_RETURN', `the twin task of "${title}" was already proceeded in this attempt`);
      }
      writes.proceeds.push({
        twinProject: ref,
        stageUuid: task.stage.uuid,
        taskUuid: task.uuid,
        pathwayUuid: p.uuid,
        dataHash: task.dataHash,
      });
    },
  };
}
