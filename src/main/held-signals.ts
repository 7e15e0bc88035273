/**
 * SIGINT / SIGTERM that come while `task-agents run` is still starting (main thread): before the
 * run machinery is loaded and RunSignals installed, Node's default would kill the process with no
 * summary and no `--json` document (a SIGTERM up to ~0.5 s after spawn did, on a loaded machine).
 * The run command holds them from its first moment; RunSignals.install() takes them over, so they
 * stop the run before its first task, with a summary and 130 / 143, as later ones do.
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
