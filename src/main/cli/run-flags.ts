/**
 * The flags `run` and `serve` share: how the agents run (threads, retries, batches, timeouts,
 * decoder) and what becomes of the tasks that keep failing. `unit` names what a cap or a failure
 * count is per: a pass (`run`) or a drain (`serve`).
 */
import type { Command } from 'commander';
import { integerArg as int } from './arg-parsers.js';

export function addAgentRunFlags(cmd: Command, unit: 'pass' | 'drain'): Command {
  return cmd
    .option('--threads <N>', 'worker threads (default: number of cores)', int('--threads'))
    .option('--concurrency <N>', 'tasks in flight per thread (default 1)', int('--concurrency'))
    .option('--num-retries <N>', 'extra attempts per failed task (default 3)', int('--num-retries'))
    .option('--task-batch-size <N>', "tasks per prefetch batch, cut from the platform's pages (default 300)", int('--task-batch-size'))
    .option('--max-tasks-per-stage <N>', `cap on tasks attempted per stage per ${unit}`, int('--max-tasks-per-stage'))
    .option(
      '--task-timeout-ms <MS>',
      'per-attempt agent timeout (default none); a timed-out attempt is not retried, and a worker still blocked 1 s past it is recycled',
      int('--task-timeout-ms'),
    )
    .option(
      '--retry-budget <N>',
      'platform retries the run keeps in reserve for transient faults (default 100; 0 = none)',
      int('--retry-budget'),
    )
    .option('--decoder <NAME>', 'frame decoder: auto, beamcoder or node-av (default auto)')
    .option('--on-failure <PATHWAY>', 'move a task whose attempts are exhausted along this pathway (stages without their own onFailure)')
    .option(
      '--on-failure-record <WHERE>',
      'with --on-failure, write the error to classification:NAME (a text classification) or metadata:KEY (client metadata)',
    )
    .option(
      '--skip-failed-after <N>',
      `leave alone tasks that failed N ${unit === 'pass' ? 'runs' : 'drains'} in a row (until --retry-failed)`,
      int('--skip-failed-after'),
    )
    .option('--retry-failed', 'try the tasks --skip-failed-after leaves alone again')
    .option('--state-dir <DIR>', 'where failures of Encord projects are remembered (default $XDG_STATE_HOME/task-agents)');
}
