/**
 * `task-agents serve AGENT --project … [--project …]`: the agents as a long-running service
 * driven by signed task-ready webhooks (see main/serve/service.ts). Its first stdout line is
 * exactly `listening on http://HOST:PORT`, as the emulator's; a line per drain goes to stderr.
 * SIGTERM (or SIGINT) finishes the tasks in flight, commits them and exits 0; a second one raises
 * the agents' abort signal. Configuration errors exit 2 and an unreachable platform 3, before
 * anything listens.
 */
import type { Command } from 'commander';
import { TaskAgentError } from '../../shared/errors.js';
import { reportError } from './report-error.js';
import { collect, integerArg, numberArg } from './arg-parsers.js';
import { addCredentialFlags, foldCredentialFlags } from './credential-flags.js';
import { addAgentRunFlags } from './run-flags.js';

interface ServeCliOptions extends Record<string, unknown> {
  sshKeyFile?: string;
  domain?: string;
  host: string;
  port: number;
  webhookSecret?: string;
  refreshEvery: number;
  quiet?: boolean;
}

export function registerServeCommand(program: Command): void {
  const serve = program
    .command('serve')
    .description('serve AGENT_MODULE: drain its stages at start, on each signed task-ready webhook, and on a fallback poll')
    .argument('<AGENT_MODULE>', '.js, .mjs or .ts module whose default export is a Runner')
    .option('--project <DIR|UUID>', 'local project directory or Encord project UUID; repeat for several', collect)
    .option('--host <HOST>', 'interface to bind', '127.0.0.1')
    .option('--port <N>', 'port for POST /webhook, GET /healthz, GET /metrics (0 = any free port)', integerArg('--port', { min: 0 }), 8080)
    .option('--webhook-secret <S>', "the stage webhook's signing secret (default TA_WEBHOOK_SECRET; prefer the variable: flags show in ps)")
    .option(
      '--refresh-every <S>',
      'fallback poll of every stage, in seconds (a lost notification only delays work)',
      numberArg('--refresh-every'),
      300,
    )
    .option('--stage <NAME|UUID>', 'serve only this registered stage');
  addAgentRunFlags(serve, 'drain').option('--quiet', 'no line per drain on stderr');
  addCredentialFlags(serve).action(async (agentModule: string, opts: ServeCliOptions) => {
    try {
      const secret = opts.webhookSecret ?? process.env[`TA_WEBHOOK_SECRET`];
      if (!secret)
        throw new TaskAgentError('TA_CFG_INVALID', 'serve needs the webhook signing secret', {
          hint: 'set TA_WEBHOOK_SECRET (or pass --webhook-secret)',
        });
      if (!(opts.refreshEvery > 0)) throw new TaskAgentError('TA_CFG_INVALID', '--refresh-every must be a positive number of seconds');
      const log = opts.quiet ? () => undefined : (line: string) => void process.stderr.write(`${line}\n`);
      const { refreshEvery: _poll, webhookSecret: _secret, host, port, quiet: _quiet, ...run } = opts;
      // Loaded by this command only.
      const { TaskService } = await import('../serve/service.js');
      const service = await TaskService.start(
        { ...foldCredentialFlags(run), agentModule },
        { host, port, secret, pollSeconds: opts.refreshEvery, log },
      );
      let signals = 0;
      const stopped = new Promise<void>((resolve) => {
        const onSignal = () => {
          signals++;
          if (signals === 1) {
            log('stopping: finishing the tasks in flight and committing them (again to abort them)');
            resolve();
          } else if (signals === 2) {
            service.abort();
          }
        };
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
      });
      process.stdout.write(`listening on ${service.url}\n`);
      service.begin();
      await stopped;
      await service.stop();
      log('stopped');
      process.exitCode = 0;
    } catch (e) {
      await reportError(e, false);
    }
  });
}
