/** CLI output helpers. JSON goes out as one document and is drained before the process may exit. */
export function writeJson(value: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`, (err) => (err ? reject(err) : resolve()));
  });
}

/** Exits with process.exitCode once everything written to stdout and stderr is out. */
export async function exitWhenWritten(): Promise<never> {
  await Promise.all([process.stdout, process.stderr].map((s) => new Promise((resolve) => s.write('', resolve))));
  process.exit();
}
