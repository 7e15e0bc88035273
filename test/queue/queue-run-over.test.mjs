// Queue mode: a chunk of a run that is over (taken by a worker after the run closed) is dropped
// at once, not waited on for the run's context.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Queue, QueueEvents } from 'bullmq';
import { agent, cli } from '../helpers/cli.mjs';
import { startWorker } from '../helpers/queue-worker.mjs';
import { startRedis } from '../helpers/redis.mjs';
import { makeProject, singleAgentWorkflow, stageCounts } from '../helpers/projects.mjs';

test('a chunk of a run that is over fails at once with "is over"; the worker then serves the next run', async () => {
  const redis = await startRedis();
  const { dir } = makeProject(20, { workflow: singleAgentWorkflow().workflow });
  let worker = await startWorker(agent('slow-labels.mjs'), redis.url, ['--threads', '1']);
  const queue = new Queue('task-agents', { connection: { url: redis.url } });
  const events = new QueueEvents('task-agents', { connection: { url: redis.url } });
  try {
    const first = await cli([
      'run',
      agent('slow-labels.mjs'),
      '--project',
      dir,
      '--json',
      '--queue',
      redis.url,
      '--threads',
      '1',
      '--max-tasks-per-stage',
      '10',
    ]);
    assert.equal(first.code, 0, first.stderr + first.stdout);
    const runId = /^joined run ([0-9a-f-]{36})/m.exec(worker.output().stdout)?.[1];
    assert.ok(runId, worker.output().stdout);
    // A worker that never served the run (this one would still hold its pool for a minute).
    await worker.stop();
    worker = await startWorker(agent('slow-labels.mjs'), redis.url, ['--threads', '1']);
    // What a chunk the run had queued looks like, taken after the run closed.
    await events.waitUntilReady();
    const job = await queue.add('chunk', { runId, req: { tasks: [] } }, { jobId: `${runId}.late`, attempts: 1 });
    await assert.rejects(job.waitUntilFinished(events, 30_000), (e) => {
      // Without the run's `ended` state the worker waits 10 s, then says it "has no context".
      assert.match(String(e.message), new RegExp(`run ${runId} is over`));
      return true;
    });
    const second = await cli(['run', agent('slow-labels.mjs'), '--project', dir, '--json', '--queue', redis.url, '--threads', '1']);
    assert.equal(second.code, 0, second.stderr + second.stdout);
    assert.deepEqual(stageCounts(dir), { 'Agent 1': 0, Annotate: 0, Complete: 20 });
  } finally {
    await events.close();
    await queue.close();
    await worker.stop();
    await redis.stop();
  }
});
