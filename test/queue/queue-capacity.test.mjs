// Queue mode: the run's chunks and in-flight window follow the threads the queue's workers
// advertise, not the producer's own --threads. A producer with --threads 1 used to cut a batch
// into one chunk (one remote thread busy); now every advertised thread gets work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { agent, cli, lines, tmp } from '../helpers/cli.mjs';
import { startWorker } from '../helpers/queue-worker.mjs';
import { startRedis } from '../helpers/redis.mjs';
import { makeProject, singleAgentWorkflow, stageCounts } from '../helpers/projects.mjs';

/** The most tasks whose [start, end) intervals overlap at one instant. */
function maxOverlap(log) {
  const edges = lines(log).flatMap((l) => {
    const [s, e] = l.split(' ').map(Number);
    return [
      [s, 1],
      [e, -1],
    ];
  });
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0,
    max = 0;
  for (const [, d] of edges) max = Math.max(max, (now += d));
  return max;
}

// Worker processes × threads each, and how many tasks must have run at once at least (the
// producer's --threads 1 alone would give 1: the whole batch in one chunk).
const CASES = [
  { workers: 1, threads: 4, atLeast: 3 },
  { workers: 2, threads: 2, atLeast: 2 },
];

for (const { workers: n, threads, atLeast } of CASES) {
  test(`--threads 1 producer, ${n} worker(s) × ${threads} threads: chunks spread over the advertised threads, every task moves once`, async () => {
    const redis = await startRedis();
    const { dir } = makeProject(48, { workflow: singleAgentWorkflow().workflow });
    const log = join(tmp(), 'overlap.log');
    const env = { TA_LOG: log, TA_DELAY_MS: '100' };
    const workers = [];
    try {
      for (let i = 0; i < n; i++) workers.push(await startWorker(agent('overlap.mjs'), redis.url, ['--threads', String(threads)], env));
      const r = await cli(
        ['run', agent('overlap.mjs'), '--project', dir, '--json', '--queue', redis.url, '--threads', '1', '--task-batch-size', '48'],
        { env },
      );
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.deepEqual(r.json.stages[0].moved, { complete: 48 });
      assert.deepEqual(stageCounts(dir), { 'Agent 1': 0, Annotate: 0, Complete: 48 });
      assert.equal(lines(log).length, 48);
      const overlap = maxOverlap(log);
      assert.ok(overlap >= atLeast, `at most ${overlap} tasks ran at once (${n} × ${threads} threads advertised)`);
      assert.ok(overlap <= n * threads, `${overlap} tasks at once on ${n * threads} threads`);
    } finally {
      for (const w of workers) await w.stop();
      await redis.stop();
    }
  });
}
