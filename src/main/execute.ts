/**
 * A run, start to end (main thread): open the run (preflight in run-session.ts: agent module,
 * stages validated against the project, preExecution hook), then passes over the registered
 * stages in order, then the summary. SIGINT or SIGTERM stops dispatching, lets in-flight tasks
 * finish and flushes; a second one aborts what is in flight (see run-signals.ts). A pass that
 * failed beyond its tasks (a stage's listing, after the retry budget) is in the summary's
 * `errors`; a poller logs it and polls again.
 */
import { TaskAgentError, formatError } from '../shared/errors.js';
import type { RunSummary, TaskResult } from '../agent/run-types.js';
import { RunSession, type ExecuteInput } from './run-session.js';
import { RunSignals, type StopSignal } from './run-signals.js';
import type { RunControl } from './stage-pass.js';
import type { RunReport } from './run-report.js';
import { showsProgress } from './worker-init.js';

export { resolveStages, type ExecuteInput } from './run-session.js';

/** For programmatic runs (runner.runStage): per-task callbacks, and one pass whatever refreshEvery says. */
export interface RunHooks {
  /** Called once per finished task, synchronously; a throw stops the run and rejects it with that error. */
  onTask?: (result: TaskResult) => void;
  onePass?: boolean;
}

export async function executeRun(input: ExecuteInput, hooks: RunHooks = {}): Promise<RunSummary> {
  let session: RunSession | undefined;
  // Signals that came during start-up, applied once the session is open.
  const early: { stop?: StopSignal; abort?: boolean } = {};
  // Installed first: a signal during start-up stops the run before its first task, with a summary.
  const signals = new RunSignals({
    stop(signal) {
      process.stderr.write(`\n${signal}: finishing tasks in flight and committing them (again to abort them)\n`);
      if (session) session.stop(signal);
      else early.stop = signal;
    },
    abort(signal) {
      process.stderr.write(`\n${signal} again: aborting tasks in flight (again to exit at once)\n`);
      if (session) session.abort();
      else early.abort = true;
    },
  }).install();
  try {
    session = await RunSession.open(input);
    if (early.stop) session.stop(early.stop);
    if (early.abort) session.abort();
    const { control, options } = session;
    let hookError: { error: unknown } | undefined;
    if (hooks.onTask) {
      const onTask = hooks.onTask;
      session.onTask = (e) => {
        try {
          onTask(e);
        } catch (error) {
          hookError ??= { error };
          control.stopping = true;
        }
      };
    }
    try {
      try {
        for (;;) {
          const passStart = Date.now();
          session.passes++;
          if (options.refreshEvery !== undefined) session.progress.pass(session.passes, passStart + options.refreshEvery * 1000);
          const before = session.projects.map((p) => ({ errors: p.report.errors.length, failures: p.report.failures.length }));
          await session.pass();
          if (options.refreshEvery === undefined || control.stopping || hooks.onePass) break;
          // Above the progress lines on a terminal, plain stderr otherwise.
          const progress = session.progress;
          const say = showsProgress(options) ? (l: string) => progress.log(l) : (l: string) => void process.stderr.write(l);
          const passes = session.passes;
          session.projects.forEach((p, i) =>
            logFailedPass(p.report, before[i].errors, before[i].failures, passes, options.refreshEvery!, say),
          );
          await sleepUntil(passStart + options.refreshEvery * 1000, control);
          if (control.stopping) break;
        }
      } catch (e) {
        // The run cannot go on (e.g. the queue is gone): what finished is still committed, and the
        // error carries the summary of what was done.
        if (e instanceof TaskAgentError) (e as { summary?: RunSummary }).summary = await session.salvage();
        throw e;
      }
      const summary = await session.finish();
      if (hookError) throw hookError.error;
      return summary;
    } finally {
      await session.close();
    }
  } finally {
    signals.uninstall();
  }
}

/** A poller's stderr lines for a pass that failed beyond its agents: listings, then platform failures of tasks. */
function logFailedPass(
  report: RunReport,
  errorsBefore: number,
  failuresBefore: number,
  pass: number,
  every: number,
  say: (line: string) => void,
): void {
  for (const e of report.errors.slice(errorsBefore)) {
    say(`pass ${e.pass} failed at stage "${e.stage}": ${formatError(e)}\n  polling again in ${every} s\n`);
  }
  const byCode = new Map<string, number>();
  for (const f of report.failures.slice(failuresBefore))
    if (PLATFORM_FAILURE.test(f.code)) byCode.set(f.code, (byCode.get(f.code) ?? 0) + 1);
  if (byCode.size === 0) return;
  const counts = [...byCode].map(([c, n]) => `${c}: ${n}`).join(', ');
  say(`pass ${pass}: tasks failed on platform errors (${counts}); they stay in their stage, polling again in ${every} s\n`);
}

/** Failure codes that come from the platform, not from the agents. */
const PLATFORM_FAILURE = /^TA_(PLATFORM_|COMMIT_FAILED$)/;

async function sleepUntil(t: number, control: RunControl): Promise<void> {
  while (Date.now() < t && !control.stopping) await new Promise((r) => setTimeout(r, Math.min(200, t - Date.now())));
}
