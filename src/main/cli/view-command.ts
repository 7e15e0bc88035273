/**
 * `task-agents project view DIR`: a read-only web page over a local project (see main/view).
 * Prints `listening on http://HOST:PORT` as its first stdout line, as the emulator does, then runs
 * until SIGINT/SIGTERM, when it closes cleanly.
 */
import type { Command } from 'commander';
import { reportError } from './report-error.js';
import { serveUntilSignal } from './until-signal.js';
import { integerArg } from './arg-parsers.js';

/** Registers `view` under the `project` command. */
export function registerViewCommand(project: Command): void {
  project
    .command('view')
    .description('open a read-only web page over a local project: stage counts, data units, media with their labels drawn')
    .argument('<DIR>')
    .option('--host <HOST>', 'interface to bind', '127.0.0.1')
    .option('--port <N>', 'port (0 = any free port)', integerArg('--port', { min: 0 }), 0)
    .action(async (dir: string, opts: { host: string; port: number }) => {
      try {
        // Loaded on use, as every command's machinery.
        const { startViewer } = await import('../view/view-server.js');
        const viewer = await startViewer({ dir, host: opts.host, port: opts.port });
        await serveUntilSignal(viewer);
      } catch (e) {
        await reportError(e, false);
      }
    });
}
