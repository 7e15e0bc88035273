/**
 * Tallies a run as outcomes and commits arrive: per stage moved (by pathway), stayed, failed (by
 * code), skipped; the failure list; and the tasks/s figure. Produces the RunSummary.
 */
import type { SerializedError } from '../shared/errors.js';
import type { RunSummary, StageSummary, TaskEvent, TaskFailure } from '../agent/run-types.js';

/** The task an outcome is about. */
export interface TaskRef {
  taskUuid: string;
  dataHash: string;
  dataTitle: string;
}

/** One task's final outcome in a pass (every attempted task ends in exactly one). */
export type { TaskEvent };

export class RunReport {
  readonly stages = new Map<string, StageSummary>();
  readonly failures: TaskFailure[] = [];
  readonly #start = performance.now();
  passes = 0;
  interrupted = false;
  #finished = 0;
  /** Called once per finished task (runStage callbacks, handle results, failure memory, metrics). */
  onTask: ((e: TaskEvent) => void) | undefined;

  stage(stageUuid: string, title: string): StageSummary {
    let s = this.stages.get(stageUuid);
    if (!s) {
      s = { stage: title, stageUuid, attempted: 0, moved: {}, stayed: 0, failed: {}, skipped: 0 };
      this.stages.set(stageUuid, s);
    }
    return s;
  }

  attempted(stageUuid: string, n = 1): void {
    this.stages.get(stageUuid)!.attempted += n;
  }

  moved(stageUuid: string, task: TaskRef, pathway: { uuid: string; title: string }): void {
    const s = this.stages.get(stageUuid)!;
    s.moved[pathway.title] = (s.moved[pathway.title] ?? 0) + 1;
    this.#finished++;
    this.onTask?.({ ...task, stageUuid, stage: s.stage, outcome: 'moved', pathway });
  }

  stayed(stageUuid: string, task: TaskRef): void {
    const s = this.stages.get(stageUuid)!;
    s.stayed++;
    this.#finished++;
    this.onTask?.({ ...task, stageUuid, stage: s.stage, outcome: 'stayed' });
  }

  skipped(stageUuid: string, task: TaskRef): void {
    const s = this.stages.get(stageUuid)!;
    s.skipped++;
    this.#finished++;
    this.onTask?.({ ...task, stageUuid, stage: s.stage, outcome: 'skipped' });
  }

  failed(stageUuid: string, task: TaskRef, error: SerializedError): void {
    const s = this.stages.get(stageUuid)!;
    s.failed[error.code] = (s.failed[error.code] ?? 0) + 1;
    this.failures.push({ taskUuid: task.taskUuid, dataTitle: task.dataTitle, stage: s.stage, code: error.code, message: error.message, ...(error.hint && { hint: error.hint }) });
    this.#finished++;
    this.onTask?.({ ...task, stageUuid, stage: s.stage, outcome: 'failed', error });
  }

  /** Twin writes committed for tasks of this stage. */
  twins(stageUuid: string, what: 'saved' | 'moved' | 'skipped', n: number): void {
    const s = this.stages.get(stageUuid)!;
    s.twins ??= { saved: 0, moved: 0, skipped: 0 };
    s.twins[what] += n;
  }

  get finished(): number {
    return this.#finished;
  }

  /** When this report started (performance.now()). */
  get startedAt(): number {
    return this.#start;
  }

  /** This report's part of a summary (the session adds the projects). */
  summary(calls: Record<string, number>): Omit<RunSummary, 'projects'> {
    const durationMs = Math.round(performance.now() - this.#start);
    return {
      ok: this.failures.length === 0,
      durationMs,
      tasksPerSecond: durationMs > 0 ? Math.round((this.#finished / durationMs) * 1000) : this.#finished,
      passes: this.passes,
      interrupted: this.interrupted,
      stages: [...this.stages.values()],
      failures: this.failures,
      calls,
    };
  }
}

/** The human-readable summary printed at the end of a run. */
export function formatSummary(s: RunSummary): string {
  const lines: string[] = [];
  if (s.dryRun) lines.push('dry run: nothing was written; "moved" counts what would have moved');
  lines.push(`${s.ok ? 'done' : 'done with failures'}${s.interrupted ? ' (interrupted)' : ''} in ${(s.durationMs / 1000).toFixed(2)} s, ${s.tasksPerSecond} tasks/s`);
  const several = s.projects.length > 1;
  const titles = new Map(s.projects.map((p) => [p.projectHash, p.title]));
  let shownProject: string | undefined;
  for (const st of s.stages) {
    if (several && st.project !== shownProject) {
      shownProject = st.project;
      lines.push(`  project ${titles.get(st.project ?? '') ?? ''} (${st.project}):`);
    }
    const moved = Object.entries(st.moved).map(([p, n]) => `${p}: ${n}`).join(', ') || 'none';
    const failed = Object.entries(st.failed).map(([c, n]) => `${c}: ${n}`).join(', ');
    const twins = st.twins ? `, twins {saved: ${st.twins.saved}, moved: ${st.twins.moved}, skipped: ${st.twins.skipped}}` : '';
    lines.push(`  ${st.stage}: attempted ${st.attempted}, moved {${moved}}, stayed ${st.stayed}, skipped ${st.skipped}${failed ? `, failed {${failed}}` : ''}${twins}`);
  }
  for (const p of s.projects) for (const k of p.skippedStages) lines.push(`  note: ${k.note}; skipped there`);
  const shown = s.failures.slice(0, 20);
  for (const f of shown) lines.push(`  ✗ ${f.stage} / ${f.dataTitle}: ${f.code}: ${f.message.split('\n')[0]}${f.hint ? `\n      hint: ${f.hint}` : ''}`);
  if (s.failures.length > shown.length) lines.push(`  … and ${s.failures.length - shown.length} more failures (use --json for all)`);
  return lines.join('\n');
}
