#!/usr/bin/env node
/** The `task-agents` CLI entry (dist/main.js). */
import { runCli } from './main/cli/program.js';
import { boundHeapGrowth } from './main/heap-growth.js';

boundHeapGrowth();

await runCli(process.argv.slice(2));
