// How a batch is cut into chunks (main/chunk-sizing.ts), seen from the threads that ran each
// batch: a quick agent's batches go whole to one worker once the workers have timed a chunk (a
// message would cost more than the work), a slow agent's are still split across the threads, and
// the first batch is always split. Every task is done either way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { agent, cli, lines, tmp } from '../helpers/cli.mjs';
import { makeProject, singleAgentWorkflow, stageCounts } from '../helpers/projects.mjs';

const BATCH = 20;

/** Per batch (tasks in title order, BATCH at a time): how many threads ran its tasks. */
async function threadsPerBatch(tasks, env) {
  const { dir } = makeProject(tasks, { workflow: singleAgentWorkflow().workflow });
  const log = join(tmp(), 'log');
  const r = await cli(['run', agent('thread-log.mjs'), '--project', dir, '--json', '--threads', '2', '--task-batch-size', String(BATCH)], {
    env: { TA_LOG: log, ...env },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(stageCounts(dir).Complete, tasks);
  const ran = lines(log)
    .map((l) => l.split(' '))
    .sort((a, b) => a[0].localeCompare(b[0]));
  assert.equal(ran.length, tasks, 'every task ran once');
  const out = [];
  for (let i = 0; i < ran.length; i += BATCH) out.push(new Set(ran.slice(i, i + BATCH).map((x) => x[1])).size);
  return out;
}

test('a quick agent: the first batch is split across both threads, later batches mostly go whole to one (split, a quarter or more land on one thread by chance)', async () => {
  const per = await threadsPerBatch(1000, {});
  assert.equal(per[0], 2, `first batch on ${per[0]} thread(s)`);
  const whole = per.slice(2).filter((n) => n === 1).length;
  assert.ok(whole >= (per.length - 2) * 0.75, `batches on one thread: ${whole} of ${per.length - 2} (${per.join(' ')})`);
});

test('a slow agent: its batches are still split across the threads', async () => {
  const per = await threadsPerBatch(120, { TA_TASK_MS: '3' });
  const split = per.filter((n) => n === 2).length;
  assert.ok(split >= per.length / 2, `batches on both threads: ${split} of ${per.length} (${per.join(' ')})`);
});
