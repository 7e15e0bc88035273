/**
 * SIGINT / SIGTERM outside the run's own handling (RunSignals, main thread), where Node's default
 * would kill the process with no exit code, no summary, and maybe a cut `--json` document:
 * - while `task-agents run` is still starting, before the run machinery is loaded and RunSignals
 *   installed (a SIGTERM up to ~0.5 s after spawn did, on a loaded machine): the run command holds
 *   them from its first moment; RunSignals.install() takes them over, so they stop the run before
 *   its first task, with a summary and 130 / 143, as later ones do;
 * - after the run ended, while its summary is written and the process winds down (a second Ctrl-C
 *   a moment late did): see holdSignalsUntilExit.
 */
import type { StopSignal } from './run-signals.js';

const held: StopSignal[] = [];
const hold = (signal: StopSignal): void => void held.push(signal);
let holding = false;

export function holdSignals(): void {
  if (holding) return;
  holding = true;
  process.on('SIGINT', hold);
  process.on('SIGTERM', hold);
}

/** Stops holding; the signals held so far, in order (none when nothing held them). */
export function releaseSignals(): StopSignal[] {
  if (!holding) return [];
  holding = false;
  process.off('SIGINT', hold);
  process.off('SIGTERM', hold);
  return held.splice(0);
}

/**
 * From the run's start to the process's exit: during the run this listener leaves signals to
 * RunSignals (which removes its own when the run ends); after it, the first signal is let go (the
 * exit code already says how the run ended) and another exits at once.
 */
export function holdSignalsUntilExit(): { runEnded: () => void } {
  let ended = false;
  let late = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!ended) return;
    if (++late === 1) process.stderr.write(`\n${signal}: the run has ended; writing its summary (again to exit at once)\n`);
    else process.exit(typeof process.exitCode === 'number' ? process.exitCode : signal === 'SIGTERM' ? 143 : 130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return { runEnded: () => void (ended = true) };
}
