/**
 * Tallies a run as outcomes and commits arrive: per stage moved (by pathway), stayed, failed (by
 * code), skipped; the failure and warning lists; and the tasks/s figure. Produces the RunSummary.
 * Text echoed from agents (messages, hints) is capped: a 20 MB error must not make a 40 MB summary.
 * It also keeps the books per stage: every task the platform listed must end reported (moved,
 * stayed, skipped, failed) or counted unfinished with a cause; reconcile() finds any that did neither.
 */
import { serializeError, type SerializedError } from '../shared/errors.js';
import { capText, MESSAGE_CAP } from '../shared/cap-text.js';
import { trimStack } from '../shared/stack.js';
import type { TaskRecord } from '../shared/types.js';
import type { RunError, RunSummary, RunWarning, StageSummary, TaskEvent, TaskFailure, UnfinishedCause } from '../agent/run-types.js';

/** Characters of a failure's first line in the text summary. */
const TEXT_LINE_CAP = 300;
/** Warnings kept in a summary (the rest are counted). */
const WARNINGS_CAP = 1000;

/** Causes that leave a run ok: the user asked for them (a cap, Ctrl-C). */
const EXPECTED_CAUSES: ReadonlySet<UnfinishedCause> = new Set(['max-tasks-per-stage', 'interrupted']);

interface StageBooks {
  listed: number;
  reported: number;
  unfinished: number;
}

/** The task an outcome is about (a TaskRecord is one). */
export type TaskRef = Pick<TaskRecord, 'uuid' | 'dataHash' | 'dataTitle'>;

/** One task's final outcome in a pass (every attempted task ends in exactly one). */
export type { TaskEvent };

export class RunReport {
  readonly stages = new Map<string, StageSummary>();
  readonly failures: TaskFailure[] = [];
  readonly errors: RunError[] = [];
  readonly warnings: RunWarning[] = [];
  #warningsCut = 0;
  readonly #start = performance.now();
  passes = 0;
  interrupted = false;
  signal: 'SIGINT' | 'SIGTERM' | undefined;
  aborted = false;
  #finished = 0;
  /**
   * Called once per finished task (runStage callbacks, handle results, failure memory, metrics).
   * Unset when nobody listens: no event is then built (a trivial run's main thread spent a tenth
   * of its time building events for no one).
   */
  onTask: ((e: TaskEvent) => void) | undefined;
  readonly #books = new Map<string, StageBooks>();

  stage(stageUuid: string, title: string): StageSummary {
    let s = this.stages.get(stageUuid);
    if (!s) {
      s = { stage: title, stageUuid, attempted: 0, moved: {}, stayed: 0, failed: {}, skipped: 0, unfinished: {} };
      this.stages.set(stageUuid, s);
      this.#books.set(stageUuid, { listed: 0, reported: 0, unfinished: 0 });
    }
    return s;
  }

  /** Tasks the platform listed in a pass over this stage. */
  listed(stageUuid: string, n: number): void {
    this.#books.get(stageUuid)!.listed += n;
  }

  /** Listed tasks left unattempted (or unreported), with why. */
  unfinished(stageUuid: string, cause: UnfinishedCause, n: number): void {
    const s = this.stages.get(stageUuid)!;
    s.unfinished[cause] = (s.unfinished[cause] ?? 0) + n;
    this.#books.get(stageUuid)!.unfinished += n;
  }

  /**
   * After a pass over the stage and its commit: listed tasks neither reported nor counted
   * unfinished are `lost` (a bug somewhere between listing and committing).
   */
  reconcile(stageUuid: string): void {
    const b = this.#books.get(stageUuid)!;
    const gap = b.listed - b.reported - b.unfinished;
    if (gap > 0) this.unfinished(stageUuid, 'lost', gap);
  }

  #reported(stageUuid: string): void {
    this.#books.get(stageUuid)!.reported++;
    this.#finished++;
  }

  attempted(stageUuid: string, n = 1): void {
    this.stages.get(stageUuid)!.attempted += n;
  }

  moved(stageUuid: string, task: TaskRef, pathway: { uuid: string; title: string }): void {
    const s = this.stages.get(stageUuid)!;
    s.moved[pathway.title] = (s.moved[pathway.title] ?? 0) + 1;
    this.#reported(stageUuid);
    this.onTask?.({
      taskUuid: task.uuid,
      dataHash: task.dataHash,
      dataTitle: task.dataTitle,
      stageUuid,
      stage: s.stage,
      outcome: 'moved',
      pathway,
    });
  }

  stayed(stageUuid: string, task: TaskRef): void {
    const s = this.stages.get(stageUuid)!;
    s.stayed++;
    this.#reported(stageUuid);
    this.onTask?.({
      taskUuid: task.uuid,
      dataHash: task.dataHash,
      dataTitle: task.dataTitle,
      stageUuid,
      stage: s.stage,
      outcome: 'stayed',
    });
  }

  skipped(stageUuid: string, task: TaskRef): void {
    const s = this.stages.get(stageUuid)!;
    s.skipped++;
    this.#reported(stageUuid);
    this.onTask?.({
      taskUuid: task.uuid,
      dataHash: task.dataHash,
      dataTitle: task.dataTitle,
      stageUuid,
      stage: s.stage,
      outcome: 'skipped',
    });
  }

  /** A failed task; `movedTo`: the failure pathway it was moved along (onFailure). */
  failed(stageUuid: string, task: TaskRef, error: SerializedError, movedTo?: string): void {
    const s = this.stages.get(stageUuid)!;
    s.failed[error.code] = (s.failed[error.code] ?? 0) + 1;
    if (movedTo !== undefined) {
      s.failedMoved ??= {};
      s.failedMoved[movedTo] = (s.failedMoved[movedTo] ?? 0) + 1;
    }
    const stack = trimStack(error.stack);
    this.failures.push({
      taskUuid: task.uuid,
      dataTitle: task.dataTitle,
      stage: s.stage,
      code: error.code,
      message: capText(error.message, MESSAGE_CAP),
      ...(error.hint && { hint: capText(error.hint, MESSAGE_CAP) }),
      ...(stack && { stack }),
      ...(movedTo !== undefined && { movedTo }),
    });
    this.#reported(stageUuid);
    this.onTask?.({
      taskUuid: task.uuid,
      dataHash: task.dataHash,
      dataTitle: task.dataTitle,
      stageUuid,
      stage: s.stage,
      outcome: 'failed',
      error,
    });
  }

  /** Pass `pass` of a stage failed beyond its tasks (listing its tasks failed); returns the record. */
  error(stageUuid: string, e: unknown, pass: number): RunError {
    const s = serializeError(e, 'TA_INTERNAL');
    const r: RunError = {
      stage: this.stages.get(stageUuid)?.stage ?? stageUuid,
      pass,
      code: s.code,
      message: capText(s.message, MESSAGE_CAP),
      ...(s.hint && { hint: capText(s.hint, MESSAGE_CAP) }),
    };
    this.errors.push(r);
    return r;
  }

  /** A warning, about a task of a stage or about the run. */
  warning(about: { stageUuid?: string; taskUuid?: string; dataTitle?: string }, w: Pick<SerializedError, 'code' | 'message'>): void {
    if (this.warnings.length >= WARNINGS_CAP) {
      this.#warningsCut++;
      return;
    }
    const stage = about.stageUuid ? this.stages.get(about.stageUuid)?.stage : undefined;
    this.warnings.push({
      code: w.code,
      message: capText(w.message, MESSAGE_CAP),
      ...(about.taskUuid && { taskUuid: about.taskUuid }),
      ...(about.dataTitle !== undefined && about.taskUuid && { dataTitle: about.dataTitle }),
      ...(stage !== undefined && { stage }),
    });
  }

  /** Tasks left alone (not listed) because they failed --skip-failed-after runs in a row. */
  leftAlone(stageUuid: string, n = 1): void {
    const s = this.stages.get(stageUuid)!;
    s.leftAlone = (s.leftAlone ?? 0) + n;
  }

  /** Twin writes committed for tasks of this stage. */
  twins(stageUuid: string, what: 'saved' | 'moved' | 'skipped', n: number): void {
    const s = this.stages.get(stageUuid)!;
    s.twins ??= { saved: 0, moved: 0, skipped: 0 };
    s.twins[what] += n;
  }

  /** Warnings past the first WARNINGS_CAP, counted only. */
  get warningsOmitted(): number {
    return this.#warningsCut;
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
    const unexpected = [...this.stages.values()].some((st) =>
      Object.keys(st.unfinished).some((c) => !EXPECTED_CAUSES.has(c as UnfinishedCause)),
    );
    return {
      ok: this.failures.length === 0 && this.errors.length === 0 && !unexpected,
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
      errors: this.errors,
      calls,
    };
  }
}

/** `attempted N[, moved {…}][, stayed N][, skipped N][, failed {…}][, unfinished {…}][, twins {…}]`. */
export function formatStageCounts(st: StageSummary): string {
  const parts = [`attempted ${st.attempted}`];
  const moved = Object.entries(st.moved)
    .map(([p, n]) => `${p}: ${n}`)
    .join(', ');
  if (moved) parts.push(`moved {${moved}}`);
  if (st.stayed) parts.push(`stayed ${st.stayed}`);
  if (st.skipped) parts.push(`skipped ${st.skipped}`);
  const failed = Object.entries(st.failed)
    .map(([c, n]) => `${c}: ${n}`)
    .join(', ');
  if (failed) parts.push(`failed {${failed}}`);
  const unfinished = Object.entries(st.unfinished)
    .map(([c, n]) => `${c}: ${n}`)
    .join(', ');
  if (unfinished) parts.push(`unfinished {${unfinished}}`);
  if (st.failedMoved)
    parts.push(
      `failed moved {${Object.entries(st.failedMoved)
        .map(([p, n]) => `${p}: ${n}`)
        .join(', ')}}`,
    );
  if (st.leftAlone) parts.push(`left alone ${st.leftAlone} (failed too often)`);
  if (st.twins) parts.push(`twins {saved: ${st.twins.saved}, moved: ${st.twins.moved}, skipped: ${st.twins.skipped}}`);
  return parts.join(', ');
}

/** The human-readable summary printed at the end of a run: with `verbose`, every failure and its stack; else 20 failures and the first stack per code. */
export function formatSummary(
  s: Omit<RunSummary, 'projects'> & { projects?: RunSummary['projects'] },
  { verbose = false }: { verbose?: boolean } = {},
): string {
  const lines: string[] = [];
  if (s.dryRun) lines.push('dry run: nothing was written; "moved" counts what would have moved');
  const finished = s.stages.reduce(
    (n, st) =>
      n + Object.values(st.moved).reduce((a, b) => a + b, 0) + st.stayed + st.skipped + Object.values(st.failed).reduce((a, b) => a + b, 0),
    0,
  );
  const rate =
    finished === 0 ? 'no tasks' : s.durationMs < 1000 ? `${finished} task${finished === 1 ? '' : 's'}` : `${s.tasksPerSecond} tasks/s`;
  const stop = s.aborted
    ? ` (aborted by a second ${s.signal ?? 'signal'})`
    : s.interrupted
      ? ` (interrupted by ${s.signal ?? 'a signal'})`
      : '';
  const stopped = s.stopped ? ` (stopped after ${s.stopped.failures} failures: --max-failures)` : '';
  lines.push(`${s.ok ? 'done' : 'done with failures'}${stop}${stopped} in ${(s.durationMs / 1000).toFixed(2)} s, ${rate}`);
  const projects = s.projects ?? [];
  const several = projects.length > 1;
  const titles = new Map(projects.map((p) => [p.projectHash, p.title]));
  let shownProject: string | undefined;
  for (const st of s.stages) {
    if (several && st.project !== shownProject) {
      shownProject = st.project;
      lines.push(`  project ${titles.get(st.project ?? '') ?? ''} (${st.project}):`);
    }
    lines.push(`  ${st.stage}: ${formatStageCounts(st)}`);
    const lost = st.unfinished.lost;
    if (lost)
      lines.push(
        `  ✗ ${st.stage}: ${lost} listed task(s) were neither attempted nor reported; they stay in the stage for the next run\n      hint: this is a bug in task-agents, please report it`,
      );
  }
  for (const p of projects) for (const k of p.skippedStages) lines.push(`  note: ${k.note}; skipped there`);
  for (const e of s.errors)
    lines.push(`  ✗ ${e.stage} (pass ${e.pass}): ${e.code}: ${e.message.split('\n')[0]}${e.hint ? `\n      hint: ${e.hint}` : ''}`);
  const shown = verbose ? s.failures : s.failures.slice(0, 20);
  const stackShown = new Set<string>();
  for (const f of shown) {
    lines.push(
      `  ✗ ${f.stage} / ${f.dataTitle}: ${f.code}: ${firstLine(f.message)}${f.movedTo ? ` (moved along "${f.movedTo}")` : ''}${f.hint ? `\n      hint: ${firstLine(f.hint)}` : ''}`,
    );
    if (f.stack && (verbose || !stackShown.has(f.code))) {
      stackShown.add(f.code);
      // The error line repeats the message: show the frames.
      const frames = f.stack.split('\n').filter((l) => /^\s+(at |… )/.test(l));
      if (frames.length) lines.push(...frames.map((l) => `      ${l.trim()}`));
    }
  }
  if (s.failures.length > shown.length)
    lines.push(`  … and ${s.failures.length - shown.length} more failures (--verbose lists them all, --json too)`);
  const warned = verbose ? s.warnings : s.warnings.slice(0, 20);
  for (const w of warned) lines.push(`  ! ${w.stage ? `${w.stage} / ${w.dataTitle ?? ''}: ` : ''}${w.code}: ${firstLine(w.message)}`);
  const more = s.warnings.length - warned.length + (s.warningsOmitted ?? 0);
  if (more > 0) lines.push(`  … and ${more} more warnings${s.warningsOmitted ? '' : ' (--verbose lists them all, --json too)'}`);
  return lines.join('\n');
}

function firstLine(text: string): string {
  return capText(text.split('\n', 1)[0], TEXT_LINE_CAP);
}
