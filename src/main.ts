#!/usr/bin/env node
/** The `task-agents` CLI entry (dist/main.js). */
import { packageVersion } from './main/cli/package-version.js';

const argv = process.argv.slice(2);
// `--version` alone is answered before the command line (commander and every command's module) is
// loaded: scripts probe with it, and it then costs little more than starting node.
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${packageVersion()}\n`);
} else {
  const [{ runCli }, { boundHeapGrowth }] = await Promise.all([import('./main/cli/program.js'), import('./main/heap-growth.js')]);
  boundHeapGrowth();
  await runCli(argv);
}
