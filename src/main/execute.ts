/**
 * A run, start to end (main thread): open the run (preflight in run-session.ts: agent module,
 * stages validated against the project, preExecution hook), then passes over the registered
 * stages in order, then the summary. SIGINT stops dispatching, lets in-flight tasks finish and
 * flushes; a second SIGINT raises the cooperative abort flag.
 */
import type { RunSummary } from '../agent/run-types.js';
import { RunSession, type ExecuteInput } from './run-session.js';
import type { RunControl } from './stage-pass.js';

export { resolveStages, type ExecuteInput } from './run-session.js';

export async function executeRun(input: ExecuteInput): Promise<RunSummary> {
  const session = await RunSession.open(input);
  const { control, options } = session;
  const onSigint = () => {
    if (!control.stopping) {
      control.stopping = true;
      session.report.interrupted = true;
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
      session.report.passes++;
      if (options.refreshEvery !== undefined) session.progress.pass(session.report.passes, passStart + options.refreshEvery * 1000);
      await session.pass();
      if (options.refreshEvery === undefined || control.stopping) break;
      await sleepUntil(passStart + options.refreshEvery * 1000, control);
      if (control.stopping) break;
    }
    return await session.finish();
  } finally {
    process.off('SIGINT', onSigint);
    await session.close();
  }
}

async function sleepUntil(t: number, control: RunControl): Promise<void> {
  while (Date.now() < t && !control.stopping) await new Promise((r) => setTimeout(r, Math.min(200, t - Date.now())));
}
