/**
 * `task-agents emulator DIR`: serves a local project over the Encord protocol (see
 * platform/emulator). Prints `listening on http://HOST:PORT` as its first stdout line, then runs
 * until SIGINT/SIGTERM, when it closes cleanly.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { TaskAgentError } from '../../shared/errors.js';
import { parseAuthorizedKeys } from '../../platform/encord/ssh-key.js';
import { parseFaultSpec } from '../../platform/emulator/fault-injector.js';
import type { WebhookOptions } from '../../platform/emulator/webhook-notifier.js';
import { reportError } from './report-error.js';
import { serveUntilSignal } from './until-signal.js';
import { integerArg } from './arg-parsers.js';

const int = (name: string) => integerArg(name, { min: 0 });

interface EmulatorCliOptions {
  host: string;
  port: number;
  authorizedKeys?: string;
  faults?: string;
  faultSeed?: number;
  retryAfter?: number;
  urlTtlMs?: number;
  maxBodyBytes?: number;
  pageSize?: number;
  webhook?: string;
  webhookSecret?: string;
  webhookBatchSize?: number;
  webhookMaxWaitMs?: number;
  webhookCheckMs?: number;
}

/** `--webhook URL` with its secret and batching knobs, checked before anything starts. */
function webhookOptions(opts: EmulatorCliOptions): WebhookOptions | undefined {
  if (opts.webhook === undefined) {
    if (opts.webhookBatchSize !== undefined || opts.webhookMaxWaitMs !== undefined || opts.webhookCheckMs !== undefined) {
      throw new TaskAgentError('TA_CFG_INVALID', '--webhook-batch-size, --webhook-max-wait-ms and --webhook-check-ms need --webhook URL');
    }
    return undefined;
  }
  if (!/^https?:\/\/\S+$/.test(opts.webhook)) throw new TaskAgentError('TA_CFG_INVALID', '--webhook must be an http(s) URL');
  const secret = opts.webhookSecret ?? process.env[`TA_WEBHOOK_SECRET`];
  if (!secret)
    throw new TaskAgentError('TA_CFG_INVALID', '--webhook needs a signing secret', {
      hint: 'pass --webhook-secret S (or set TA_WEBHOOK_SECRET)',
    });
  if (opts.webhookBatchSize !== undefined && opts.webhookBatchSize < 1)
    throw new TaskAgentError('TA_CFG_INVALID', '--webhook-batch-size must be at least 1');
  if (opts.webhookCheckMs !== undefined && opts.webhookCheckMs < 10)
    throw new TaskAgentError('TA_CFG_INVALID', '--webhook-check-ms must be at least 10');
  return {
    url: opts.webhook,
    secret,
    ...(opts.webhookBatchSize !== undefined && { batchSize: opts.webhookBatchSize }),
    ...(opts.webhookMaxWaitMs !== undefined && { maxWaitMs: opts.webhookMaxWaitMs }),
    ...(opts.webhookCheckMs !== undefined && { checkMs: opts.webhookCheckMs }),
  };
}

function readKeys(path: string) {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new TaskAgentError('TA_CFG_INVALID', `cannot read --authorized-keys file ${path}`, { cause });
  }
  const keys = parseAuthorizedKeys(text);
  if (keys.size === 0)
    throw new TaskAgentError('TA_CFG_INVALID', `--authorized-keys file ${path} has no ssh-ed25519 key`, {
      hint: 'one `ssh-ed25519 AAAA…` line per key (a .pub file works)',
    });
  return keys;
}

/** Registers the `emulator` command. */
export function registerEmulatorCommand(program: Command): void {
  program
    .command('emulator')
    .description('serve a local project over the Encord API protocol (for EncordPlatform and the Python SDK)')
    .argument('<DIR...>', 'local project directories (several: twin projects, each served under its projectHash)')
    .option('--host <HOST>', 'interface to bind', '127.0.0.1')
    .option('--port <N>', 'port (0 = any free port)', int('--port'), 0)
    .option('--authorized-keys <FILE>', 'OpenSSH ed25519 public keys allowed to call (default: any correctly signed request)')
    .option(
      '--faults <SPEC>',
      'inject faults, e.g. 429:0.1,500:0.05,503:0.05,reset:0.02,lost:0.02,latency:50ms (lost: applied, answer dropped)',
    )
    .option('--fault-seed <N>', 'seed for reproducible faults', int('--fault-seed'))
    .option('--retry-after <S>', 'Retry-After seconds on injected 429/503 (default 1)', int('--retry-after'))
    .option('--url-ttl-ms <MS>', 'signed media URL lifetime (default 3600000)', int('--url-ttl-ms'))
    .option('--max-body-bytes <N>', 'request body limit (default 32 MiB)', int('--max-body-bytes'))
    .option('--page-size <N>', 'tasks per page of a stage listing, 1..10000 (default 500)', int('--page-size'))
    .option(
      '--webhook <URL>',
      "send signed task-ready notifications for tasks waiting in agent stages to URL (e.g. `task-agents serve`'s /webhook)",
    )
    .option('--webhook-secret <S>', "the notifications' signing secret (default TA_WEBHOOK_SECRET)")
    .option('--webhook-batch-size <N>', 'notify when this many tasks wait in a stage (default 10)', int('--webhook-batch-size'))
    .option('--webhook-max-wait-ms <MS>', 'notify when a task has waited this long (default 1800000)', int('--webhook-max-wait-ms'))
    .option('--webhook-check-ms <MS>', "check the stages this often (default 300000, Encord's five minutes)", int('--webhook-check-ms'))
    .action(async (dir: string[], opts: EmulatorCliOptions) => {
      try {
        const webhook = webhookOptions(opts);
        // Loaded on use: the server and the SQLite projects it serves are no part of the CLI's start.
        const { startEmulator } = await import('../../platform/emulator/emulator-server.js');
        const emulator = await startEmulator({
          ...(webhook && { webhook }),
          dir,
          host: opts.host,
          port: opts.port,
          ...(opts.authorizedKeys !== undefined && { authorizedKeys: readKeys(opts.authorizedKeys) }),
          ...(opts.faults !== undefined && { faults: parseFaultSpec(opts.faults) }),
          ...(opts.faultSeed !== undefined && { faultSeed: opts.faultSeed }),
          ...(opts.retryAfter !== undefined && { retryAfterSeconds: opts.retryAfter }),
          ...(opts.urlTtlMs !== undefined && { urlTtlMs: opts.urlTtlMs }),
          ...(opts.maxBodyBytes !== undefined && { maxBodyBytes: opts.maxBodyBytes }),
          ...(opts.pageSize !== undefined && { pageSize: opts.pageSize }),
        });
        await serveUntilSignal(emulator);
      } catch (e) {
        await reportError(e, false);
      }
    });
}
