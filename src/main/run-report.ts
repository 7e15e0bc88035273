/**
 * Tallies a run as outcomes and commits arrive: per stage moved (by pathway), stayed, failed (by
 * code), skipped; the failure and warning lists; and the tasks/s figure. Produces the RunSummary.
 * Text echoed from agents (messages, hints) is capped: a 20 MB error must not make a 40 MB summary.
 */
import type { SerializedError } from '../shared/errors.js';
import { capText, MESSAGE_CAP } from '../shared/cap-text.js';
import type { RunSummary, RunWarning, StageSummary, TaskFailure } from '../agent/run-types.js';

/** Characters of a failure's first line in the text summary. */
const TEXT_LINE_CAP = 300;
/** Warnings kept in a summary (the rest are counted). */
const WARNINGS_CAP = 1000;

export class RunReport {
  readonly stages = new Map<string, StageSummary>();
  readonly failures: TaskFailure[] = [];
  readonly warnings: RunWarning[] = [];
  #warningsCut = 0;
  readonly #start = performance.now();
  passes = 0;
  interrupted = false;
  signal: 'SIGINT' | 'SIGTERM' | undefined;
  aborted = false;
  #finished = 0;

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

  moved(stageUuid: string, pathway: string): void {
    const s = this.stages.get(stageUuid)!;
    s.moved[pathway] = (s.moved[pathway] ?? 0) + 1;
    this.#finished++;
  }

  stayed(stageUuid: string): void {
    this.stages.get(stageUuid)!.stayed++;
    this.#finished++;
  }

  skipped(stageUuid: string): void {
    this.stages.get(stageUuid)!.skipped++;
    this.#finished++;
  }

  failed(stageUuid: string, task: { taskUuid: string; dataTitle: string }, error: SerializedError): void {
    const s = this.stages.get(stageUuid)!;
    s.failed[error.code] = (s.failed[error.code] ?? 0) + 1;
    this.failures.push({
      taskUuid: task.taskUuid, dataTitle: task.dataTitle, stage: s.stage, code: error.code, message: capText(error.message, MESSAGE_CAP),
      ...(error.hint && { hint: capText(error.hint, MESSAGE_CAP) }),
    });
    this.#finished++;
  }

  /** A warning, about a task of a stage or about the run. */
  warning(about: { stageUuid?: string; taskUuid?: string; dataTitle?: string }, w: Pick<SerializedError, 'code' | 'message'>): void {
    if (this.warnings.length >= WARNINGS_CAP) {
      this.#warningsCut++;
      return;
    }
    const stage = about.stageUuid ? this.stages.get(about.stageUuid)?.stage : undefined;
    this.warnings.push({
      code: w.code, message: capText(w.message, MESSAGE_CAP),
      ...(about.taskUuid && { taskUuid: about.taskUuid }), ...(about.dataTitle !== undefined && about.taskUuid && { dataTitle: about.dataTitle }), ...(stage !== undefined && { stage }),
    });
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

  summary(calls: Record<string, number>): RunSummary {
    const durationMs = Math.round(performance.now() - this.#start);
    return {
      ok: this.failures.length === 0,
      durationMs,
      tasksPerSecond: durationMs > 0 ? Math.round((this.#finished / durationMs) * 1000) : this.#finished,
      passes: this.passes,
      interrupted: this.interrupted,
      ...(this.signal && { signal: this.signal }),
      ...(this.aborted && { aborted: true as const }),
      warnings: this.warnings,
      ...(this.#warningsCut > 0 && { warningsOmitted: this.#warningsCut }),
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
  const stop = s.aborted ? ` (aborted by a second ${s.signal ?? 'signal'})` : s.interrupted ? ` (interrupted by ${s.signal ?? 'a signal'})` : '';
  lines.push(`${s.ok ? 'done' : 'done with failures'}${stop} in ${(s.durationMs / 1000).toFixed(2)} s, ${s.tasksPerSecond} tasks/s`);
  for (const st of s.stages) {
    const moved = Object.entries(st.moved).map(([p, n]) => `${p}: ${n}`).join(', ') || 'none';
    const failed = Object.entries(st.failed).map(([c, n]) => `${c}: ${n}`).join(', ');
    const twins = st.twins ? `, twins {saved: ${st.twins.saved}, moved: ${st.twins.moved}, skipped: ${st.twins.skipped}}` : '';
    lines.push(`  ${st.stage}: attempted ${st.attempted}, moved {${moved}}, stayed ${st.stayed}, skipped ${st.skipped}${failed ? `, failed {${failed}}` : ''}${twins}`);
  }
  const shown = s.failures.slice(0, 20);
  for (const f of shown) lines.push(`  ✗ ${f.stage} / ${f.dataTitle}: ${f.code}: ${firstLine(f.message)}${f.hint ? `\n      hint: ${firstLine(f.hint)}` : ''}`);
  if (s.failures.length > shown.length) lines.push(`  … and ${s.failures.length - shown.length} more failures (use --json for all)`);
  const warned = s.warnings.slice(0, 20);
  for (const w of warned) lines.push(`  ! ${w.stage ? `${w.stage} / ${w.dataTitle ?? ''}: ` : ''}${w.code}: ${firstLine(w.message)}`);
  const more = s.warnings.length - warned.length + (s.warningsOmitted ?? 0);
  if (more > 0) lines.push(`  … and ${more} more warnings${s.warningsOmitted ? '' : ' (use --json for all)'}`);
  return lines.join('\n');
}

function firstLine(text: string): string {
  return capText(text.split('\n', 1)[0]!, TEXT_LINE_CAP);
}
