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
