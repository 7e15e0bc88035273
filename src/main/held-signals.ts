/**
 * SIGINT / SIGTERM outside the run's own handling (RunSignals, main thread), where Node's default
 * would kill the process with no exit code, no summary, and maybe a cut `--json` document. One
 * listener, from the run command's first moment until its output is out, in three phases:
 * - holding: `task-agents run` is still starting, before the run machinery is loaded and RunSignals
 *   installed (a SIGTERM up to ~0.5 s after spawn killed it, on a loaded machine). The signals are
 *   kept; RunSignals.install() takes them over, so they stop the run before its first task, with a
 *   summary and 130 / 143, as later ones do;
 * - run: RunSignals handles them (and removes its own listeners when the run ends);
 * - ended: the summary is being written and the process winds down (a second Ctrl-C a moment late
 *   killed it). The first signal is let go (the exit code already says how the run ended); another
 *   exits at once.
 */
import type { StopSignal } from './run-signals.js';

let phase: 'holding' | 'run' | 'ended' | undefined;
const held: StopSignal[] = [];
let late = 0;

const onSignal = (signal: StopSignal): void => {
  if (phase === 'holding') held.push(signal);
  else if (phase === 'ended') {
    if (++late === 1) process.stderr.write(`\n${signal}: the run has ended; writing its summary (again to exit at once)\n`);
    else process.exit(typeof process.exitCode === 'number' ? process.exitCode : signal === 'SIGTERM' ? 143 : 130);
  }
};

export function holdSignals(): void {
  if (phase !== undefined) return;
  phase = 'holding';
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** RunSignals takes over: the signals held so far, in order (none when nothing held them). */
export function releaseSignals(): StopSignal[] {
  if (phase !== 'holding') return [];
  phase = 'run';
  return held.splice(0);
}

/** The run is over (or never started): what comes now is a late signal. */
export function runEnded(): void {
  if (phase !== undefined) phase = 'ended';
}

/** Back to Node's own handling (a module run by runIfMain is the user's process). */
export function unholdSignals(): void {
  if (phase === undefined) return;
  phase = undefined;
  late = 0;
  held.length = 0;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}
