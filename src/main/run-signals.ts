/**
 * Ctrl-C and SIGTERM during a run (main thread). They are the same request, escalating: the first
 * stops dispatching (tasks in flight finish and are committed, the summary is printed), the second
 * aborts the tasks in flight (their signals fire; a worker that does not come back is recycled),
 * the third exits at once. SIGTERM is what `docker stop` and systemd send, so it is a graceful stop
 * too. A run a signal stopped exits 128 + the signal's number: 130 (SIGINT), 143 (SIGTERM).
 */
import { releaseSignals } from './held-signals.js';

export type StopSignal = 'SIGINT' | 'SIGTERM';

export interface RunSignalHandlers {
  stop(signal: StopSignal): void;
  abort(signal: StopSignal): void;
}

/** The exit code of a run stopped by `signal`. */
export function exitCodeForSignal(signal: StopSignal): number {
  return signal === 'SIGTERM' ? 143 : 130;
}

export class RunSignals {
  #count = 0;
  #first: StopSignal | undefined;
  readonly #onSignal = (signal: StopSignal): void => {
    this.#count++;
    this.#first ??= signal;
    if (this.#count === 1) this.handlers.stop(signal);
    else if (this.#count === 2) this.handlers.abort(signal);
    else {
      process.stderr.write(`\n${signal} again: exiting now (work committed so far is kept)\n`);
      process.exit(exitCodeForSignal(this.#first));
    }
  };

  constructor(private readonly handlers: RunSignalHandlers) {}

  install(): this {
    process.on('SIGINT', this.#onSignal);
    process.on('SIGTERM', this.#onSignal);
    // Those that came while the CLI was starting (held-signals.ts) count as if they came now.
    for (const signal of releaseSignals()) this.#onSignal(signal);
    return this;
  }

  uninstall(): void {
    process.off('SIGINT', this.#onSignal);
    process.off('SIGTERM', this.#onSignal);
  }
}
