/**
 * The wire form of a chunk (both threads). Structured clone walks every key of every object, and
 * the receiver allocates every string again; for trivial agents that was most of the cost of a
 * task. So tasks travel as one flat array of their fields, and outcomes that are plain decisions
 * travel as two numbers each (attempts, pathway index): the main thread rebuilds them from the
 * chunk it sent, reusing its own strings. Anything else (failures, label rows, priorities, the
 * prefetched data of a payload) travels as it is.
 */
import type { Pathway, TaskRecord } from './types.js';
import type { PackedOutcomes, PackedTasks, TaskOutcome, TaskPayload } from './protocol.js';

/** TaskRecord fields in wire order. */
const TASK_FIELDS = [
  'uuid',
  'createdAt',
  'updatedAt',
  'status',
  'dataHash',
  'dataTitle',
  'labelBranchName',
  'assignee',
  'lastActionedBy',
] as const;
const WIDTH = TASK_FIELDS.length;
// Fails to compile when TaskRecord gains a field that TASK_FIELDS does not list.
type Unlisted = Exclude<keyof TaskRecord, (typeof TASK_FIELDS)[number]>;
export const TASK_FIELDS_COMPLETE: [Unlisted] extends [never] ? true : Unlisted = true;

/** TaskRecords as one flat array of their fields, in TASK_FIELDS order. */
export function packRecords(tasks: readonly TaskRecord[]): unknown[] {
  const records = new Array<unknown>(tasks.length * WIDTH);
  let j = 0;
  for (const task of tasks) {
    const t = task as unknown as Record<string, unknown>;
    for (const f of TASK_FIELDS) records[j++] = t[f];
  }
  return records;
}

export function unpackRecords(r: readonly unknown[]): TaskRecord[] {
  const out = new Array<TaskRecord>(r.length / WIDTH);
  for (let i = 0, j = 0; i < out.length; i++, j += WIDTH) {
    out[i] = {
      uuid: r[j],
      createdAt: r[j + 1],
      updatedAt: r[j + 2],
      status: r[j + 3],
      dataHash: r[j + 4],
      dataTitle: r[j + 5],
      labelBranchName: r[j + 6],
      assignee: r[j + 7],
      lastActionedBy: r[j + 8],
    } as TaskRecord;
  }
  return out;
}

export function packTasks(payloads: readonly TaskPayload[]): PackedTasks {
  const extras = new Array<Omit<TaskPayload, 'task'> | 0>(payloads.length);
  for (let i = 0; i < payloads.length; i++) {
    const p = payloads[i] as unknown as Record<string, unknown>;
    let rest: Record<string, unknown> | 0 = 0;
    for (const k in p) if (k !== 'task') (rest ||= {})[k] = p[k];
    extras[i] = rest;
  }
  return { records: packRecords(payloads.map((p) => p.task)), extras };
}

export function unpackTasks(packed: PackedTasks): TaskPayload[] {
  const tasks = unpackRecords(packed.records);
  return tasks.map((task, i) => {
    const rest = packed.extras[i];
    return rest ? { ...rest, task } : { task };
  });
}

const STAYED = -1;
const FULL = -2;

/** `tasks[i]` is the task of `outcomes[i]`; `pathways` are the stage's, in workflow order (the same list on both threads). */
export function packOutcomes(
  outcomes: readonly TaskOutcome[],
  tasks: readonly TaskPayload[],
  pathways: readonly Pathway[],
): PackedOutcomes {
  const codes = new Array<number>(outcomes.length * 2);
  const full: TaskOutcome[] = [];
  for (let i = 0; i < outcomes.length; i++) {
    const o = outcomes[i];
    const kind = plainDecision(o, tasks[i]?.task, pathways);
    codes[2 * i] = o.attempts;
    codes[2 * i + 1] = kind;
    if (kind === FULL) full.push(o);
  }
  return { codes, full };
}

export function unpackOutcomes(packed: PackedOutcomes, tasks: readonly TaskPayload[], pathways: readonly Pathway[]): TaskOutcome[] {
  const refs = pathways.map((p) => ({ uuid: p.uuid, title: p.title }));
  const { codes, full } = packed;
  const out = new Array<TaskOutcome>(codes.length / 2);
  let next = 0;
  for (let i = 0; i < out.length; i++) {
    const kind = codes[2 * i + 1];
    if (kind === FULL) {
      out[i] = full[next++]!;
      continue;
    }
    const t = tasks[i].task;
    out[i] = { ok: true, taskUuid: t.uuid, dataHash: t.dataHash, attempts: codes[2 * i], pathway: kind === STAYED ? null : refs[kind] };
  }
  return out;
}

/** The pathway index (or STAYED) of an outcome that is only a decision about its own task; FULL otherwise. */
function plainDecision(o: TaskOutcome, task: TaskRecord | undefined, pathways: readonly Pathway[]): number {
  if (!o.ok || !task || o.taskUuid !== task.uuid || o.dataHash !== task.dataHash) return FULL;
  let keys = 0;
  for (const k in o) if ((o as unknown as Record<string, unknown>)[k] !== undefined) keys++;
  // ok, taskUuid, dataHash, attempts, pathway: a label row, a priority, twin writes (any other field) travel in full.
  if (keys !== 5) return FULL;
  if (o.pathway === null) return STAYED;
  const k = pathways.findIndex((p) => p.uuid === o.pathway!.uuid);
  return k >= 0 && pathways[k].title === o.pathway.title ? k : FULL;
}
