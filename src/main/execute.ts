/**
 * A run, start to end (main thread): open the run (preflight in run-session.ts: agent module,
 * stages validated against the project, preExecution hook), then passes over the registered
 * stages in order, then the summary. SIGINT stops dispatching, lets in-flight tasks finish and
 * flushes; a second SIGINT raises the cooperative abort flag.
 */
import type { RunSummary, TaskResult } from '../agent/run-types.js';
import { RunSession, type ExecuteInput } from './run-session.js';
import type { RunControl } from './stage-pass.js';

export { resolveStages, type ExecuteInput } from './run-session.js';

/** For programmatic runs (runner.runStage): per-task callbacks, and one pass whatever refreshEvery says. */
export interface RunHooks {
  /** Called once per finished task, synchronously; a throw stops the run and rejects it with that error. */
  onTask?: (result: TaskResult) => void;
  onePass?: boolean;
}

export async function executeRun(input: ExecuteInput, hooks: RunHooks = {}): Promise<RunSummary> {
  const session = await RunSession.open(input);
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
  const onSigint = () => {
    if (!control.stopping) {
      control.stopping = true;
      session.interrupted = true;
      process.stderr.write('\ninterrupted: finishing tasks in flight and committing (Ctrl-C again to abort them)\n');
    } else if (!control.aborting) {
      control.aborting = true;
      session.raiseAbortFlag();
    }
  };
  try {
    process.on('SIGINT', onSigint);
    for (;;) {
      const passStart = Date.now();
      session.passes++;
      if (options.refreshEvery !== undefined) session.progress.pass(session.passes, passStart + options.refreshEvery * 1000);
      await session.pass();
      if (options.refreshEvery === undefined || control.stopping || hooks.onePass) break;
      await sleepUntil(passStart + options.refreshEvery * 1000, control);
      if (control.stopping) break;
    }
    const summary = await session.finish();
    if (hookError) throw hookError.error;
    return summary;
  } finally {
    process.off('SIGINT', onSigint);
    await session.close();
  }
}

async function sleepUntil(t: number, control: RunControl): Promise<void> {
  while (Date.now() < t && !control.stopping) await new Promise((r) => setTimeout(r, Math.min(200, t - Date.now())));
}
