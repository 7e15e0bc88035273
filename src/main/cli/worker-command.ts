/**
 * `task-agents worker AGENT --queue URL`: a queue-mode worker process (see main/queue). Prints
 * `worker ready …` first, then a line per run it joins and leaves (with the chunks and tasks it ran);
 * SIGINT/SIGTERM finish the chunks in hand, dispose worker-scoped dependencies and exit 0.
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { TaskAgentError } from '../../shared/errors.js';
import { QueueNameSchema } from '../../shared/run-options.js';
import { queueConnection, redactRedisUrl } from '../queue/redis-connection.js';
import { DEFAULT_QUEUE_NAME } from '../queue/queue-protocol.js';
import { reportError } from './report-error.js';
import { untilSignal } from './until-signal.js';
import { integerArg } from './arg-parsers.js';
import { exitWhenWritten } from './output.js';
import { loadQueueModule } from '../queue/load-queue.js';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description("queue mode: run chunks of `task-agents run --queue` on this machine's cores")
    .argument('<AGENT_MODULE>', 'the same agent module the run uses')
    .requiredOption('--queue <URL>', 'Redis URL (redis://host:port)')
    .option('--queue-name <NAME>', 'BullMQ queue name', DEFAULT_QUEUE_NAME)
    .option('--threads <N>', 'worker threads (default: number of cores)', integerArg('--threads'))
    .option('--stall-ms <MS>', "a dead worker's chunks return to the queue after this long (default 30000)", integerArg('--stall-ms'))
    .action(async (agentModule: string, o: { queue: string; queueName: string; threads?: number; stallMs?: number }) => {
      try {
        if (!existsSync(resolve(agentModule)))
          throw new TaskAgentError('TA_AGENT_MODULE_NOT_FOUND', `agent module ${resolve(agentModule)} does not exist`);
        queueConnection(o.queue); // a bad URL is a usage error before connecting
        if (o.threads !== undefined && o.threads < 1) throw new TaskAgentError('TA_CFG_INVALID', '--threads must be at least 1');
        const name = QueueNameSchema.safeParse(o.queueName);
        if (!name.success) {
          throw new TaskAgentError(
            'TA_CFG_INVALID',
            `--queue-name ${JSON.stringify(o.queueName)}: ${name.error.issues.map((i) => i.message).join('; ')}`,
            { hint: 'the run and its workers must use the same --queue-name' },
          );
        }
        // Loaded by this command only: BullMQ and its Redis client would cost every other command start-up time and memory.
        const { QueueWorker } = await loadQueueModule(() => import('../queue/queue-worker.js'));
        const worker = await QueueWorker.start({
          agentModule,
          url: o.queue,
          queueName: o.queueName,
          ...(o.threads !== undefined && { threads: o.threads }),
          ...(o.stallMs !== undefined && { stallMs: Math.max(1000, o.stallMs) }),
          onRun: (ctx) => process.stdout.write(`joined run ${ctx.runId} (project ${ctx.project.title})\n`),
          onRunDone: (d) => process.stdout.write(`left run ${d.runId}: ${d.chunks} chunks, ${d.tasks} tasks\n`),
          onEvent: (line) => process.stdout.write(`${line}\n`),
        });
        const stopped = untilSignal();
        process.stdout.write(`worker ready on ${redactRedisUrl(o.queue)} queue ${o.queueName}\n`);
        await stopped;
        await worker.close();
        // BullMQ may hold timers for a Redis that is gone: exit once the log is out.
        await exitWhenWritten();
      } catch (e) {
        await reportError(e, false);
      }
    });
}
