/**
 * For long-running commands (emulator, worker): a promise that resolves on the first SIGINT or
 * SIGTERM. Create it before printing the ready line, so a signal right after it closes cleanly.
 */
export function untilSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/**
 * Serves until SIGINT/SIGTERM: prints `listening on URL` (the first stdout line, which tests and
 * scripts wait for), then closes the server cleanly.
 */
export async function serveUntilSignal(server: { url: string; close(): Promise<void> }): Promise<void> {
  const stopped = untilSignal();
  process.stdout.write(`listening on ${server.url}\n`);
  await stopped;
  await server.close();
}

/**
 * For `task-agents run`, from before the run starts to the process's exit. The run handles its own
 * signals (run-signals.ts) and removes its listeners when it ends; a signal after that (a second
 * Ctrl-C a moment late, while the summary is written and the process winds down) would take
 * Node's default action and kill the process: no exit code, maybe a cut JSON document. This
 * listener stays: during the run it leaves signals to the run; after it, the first signal is let
 * go (the exit code already says how the run ended) and another exits at once.
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
