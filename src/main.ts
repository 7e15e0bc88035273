#!/usr/bin/env node
/** The `task-agents` CLI entry (dist/main.js). */
import { runCli } from './main/cli/program.js';

await runCli(process.argv.slice(2));
