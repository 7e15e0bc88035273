/**
 * The `task-agents` command line (commander). `run` is the default command; with no agent module
 * and no project it runs the bundled demo agents on ./demo-project (created on first use).
 * Exit codes: 0 all done, 1 some tasks failed (or a stage's listing failed mid-run), 2 usage/config/
 * agent module (nothing touched), 3 platform/auth/queue unreachable or failing before any task,
 * 130 / 143 a run stopped by SIGINT / SIGTERM. Usage errors commander finds (a bad flag value) go
 * through the error catalog like ours: TA_CFG_INVALID, and `{ok:false,error}` on stdout with --json.
 */
import { Command, CommanderError } from 'commander';
import { fileURLToPath } from 'node:url';
import { TaskAgentError } from '../../shared/errors.js';
import { registerProjectCommands } from './project-commands.js';
import { registerPrintCommands } from './print-commands.js';
import { registerWorkerCommand } from './worker-command.js';
import { registerServeCommand } from './serve-command.js';
import { registerEmulatorCommand } from './emulator-command.js';
import { registerInitCommand } from './init-command.js';
import { ensureDemoProject, DEMO_PROJECT_DIR } from './demo.js';
import { exitWhenWritten, writeJson } from './output.js';
import { exitCodeForSummary, reportError } from './report-error.js';
import { collect, integerArg as int, numberArg as num } from './arg-parsers.js';
import { addCredentialFlags, foldCredentialFlags } from './credential-flags.js';
import { exitCodeForSignal } from '../run-signals.js';
import { holdSignals, runEnded, unholdSignals } from '../held-signals.js';
import { addAgentRunFlags } from './run-flags.js';
import { packageVersion } from './package-version.js';

const EXIT_CODES_HELP = `
Exit codes:
  0    every task done
  1    some tasks failed (see the summary)
  2    usage, configuration or agent-module error (nothing was touched)
  3    platform, credentials or queue unreachable (results received before were committed)
  130  stopped by SIGINT (Ctrl-C), 143 stopped by SIGTERM: tasks in flight finished and were
       committed (a second signal aborts them, a third exits at once)`;

/** `agentModule`: the module is fixed (`node agent.js`, runIfMain), so `run` takes no AGENT_MODULE argument. */
export function buildProgram({ agentModule: fixedModule }: { agentModule?: string } = {}): Command {
  const program = new Command('task-agents')
    .description('Run workflow task agents on every core, against a local project or Encord.')
    .version(packageVersion(), '-V, --version')
    .exitOverride()
    // commander's own usage errors are printed by runCli, through the catalog.
    .configureOutput({ outputError: () => undefined });

  const run = program
    .command('run', { isDefault: true })
    .description(
      fixedModule ? `run the agents of ${fixedModule}` : 'run the agents of AGENT_MODULE (default: the demo agents on ./demo-project)',
    );
  if (!fixedModule) run.argument('[AGENT_MODULE]', '.ts, .mts, .cts, .js, .mjs or .cjs module whose default export is a Runner');
  run
    .option(
      '--project <DIR|UUID>',
      'local project directory or Encord project UUID; repeat for several (each runs the registered stages it has)',
      collect,
    )
    .option('--project-hash <UUID>', "the same as --project (the Python runner's flag)")
    .option('--stage <NAME|UUID>', 'run only this registered stage (title or UUID)');
  addAgentRunFlags(run, 'pass')
    .option('--refresh-every <S>', 'poll again every S seconds (default: one pass)', num('--refresh-every'))
    .option('--max-failures <N>', 'stop the run once N tasks have failed (tasks in flight finish and commit)', int('--max-failures'))
    .option('--queue <URL>', 'queue mode: send chunks to `task-agents worker` processes through Redis (redis://host:port)')
    .option('--queue-name <NAME>', 'BullMQ queue name (default task-agents)')
    .option(
      '--queue-reconnect-ms <MS>',
      'queue mode: how long Redis may stay away mid-run before the run fails with TA_QUEUE_UNREACHABLE (default 30000)',
      int('--queue-reconnect-ms', { min: 0 }),
    )
    .option('--dry-run', 'run the agents, report their decisions, write nothing back (one pass)')
    .option('--json', 'print only a JSON summary on stdout')
    .option('--quiet', 'no progress bars or summary text')
    .option('--verbose', 'list every failure with its stack in the summary (default: 20, the first stack per code)')
    .addHelpText('after', EXIT_CODES_HELP);
  addCredentialFlags(run).action(async (...args: unknown[]) => {
    const agentModule = fixedModule ?? (args[0] as string | undefined);
    const { projectHash, verbose, ...opts } = args[fixedModule ? 0 : 1] as Record<string, unknown>;
    const json = opts.json === true;
    // Until the run installs its own handlers (the run machinery takes a moment to load), and
    // after it, until the output is out (held-signals.ts).
    holdSignals();
    try {
      const projects = opts.project as string[] | undefined;
      if (projectHash !== undefined && projects !== undefined && !(projects.length === 1 && projects[0] === projectHash)) {
        throw new TaskAgentError(
          'TA_CFG_INVALID',
          `--project ${projects.join(', ')} and --project-hash ${projectHash as string} disagree`,
          { hint: 'pass one of them' },
        );
      }
      let project: string | string[] | undefined = projects ?? (projectHash !== undefined ? [projectHash as string] : undefined);
      let module = agentModule;
      if (!module && !project) {
        project = DEMO_PROJECT_DIR;
        await ensureDemoProject(DEMO_PROJECT_DIR, { quiet: json || opts.quiet === true });
        module = fileURLToPath(new URL('./demo/agents.js', import.meta.url));
      } else if (!module) {
        throw new TaskAgentError('TA_CFG_INVALID', 'no agent module given', { hint: 'task-agents run AGENT_MODULE --project DIR' });
      }
      // The run machinery (pool, platforms, natives) loads when a run starts, not for --help.
      const [{ executeRun }, { formatSummary }] = await Promise.all([import('../execute.js'), import('../run-report.js')]);
      const summary = await executeRun({
        ...foldCredentialFlags(opts),
        agentModule: module,
        ...(project !== undefined && { project }),
        json,
        quiet: opts.quiet === true,
      }).finally(runEnded);
      if (json) await writeJson(summary);
      else if (opts.quiet !== true) process.stdout.write(`${formatSummary(summary, { verbose: verbose === true })}\n`);
      process.exitCode = summary.signal ? exitCodeForSignal(summary.signal) : exitCodeForSummary(summary);
    } catch (e) {
      await reportError(e, json);
    }
    runEnded();
    // `task-agents run` exits once its output is out. A natural exit first tears the environment
    // down, which puts Node's default signal action back for a few ms: a second Ctrl-C landing
    // there killed the process (no exit code; no listener can hold it). And in queue mode
    // BullMQ's event reader sleeps 5 s between attempts on a Redis that is gone, keeping the
    // process alive. A module run by runIfMain is the user's process: it ends as they let it, and
    // its signals are theirs again.
    if (opts.queue !== undefined || !fixedModule) await exitWhenWritten();
    unholdSignals();
  });

  registerInitCommand(program);
  registerProjectCommands(program);
  registerPrintCommands(program);
  registerEmulatorCommand(program);
  registerWorkerCommand(program);
  registerServeCommand(program);
  return program;
}

export async function runCli(argv: string[], options: { agentModule?: string } = {}): Promise<void> {
  const program = buildProgram(options);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version "fail" with exit code 0.
      if (e.exitCode === 0 || e.code === 'commander.help') {
        // A command group without its subcommand printed its help: a usage error, already explained.
        process.exitCode = e.exitCode === 0 ? 0 : 2;
        return;
      }
      const message = e.message.replace(/^error: /, '');
      await reportError(
        new TaskAgentError('TA_CFG_INVALID', message, { hint: 'see `task-agents --help` (or `task-agents COMMAND --help`)' }),
        argv.includes('--json'),
      );
      return;
    }
    await reportError(e, false);
  }
}
