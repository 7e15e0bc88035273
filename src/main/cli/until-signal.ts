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
