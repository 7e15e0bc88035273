// Queue mode: `task-agents run --queue` pages, prefetches and commits; `task-agents worker`
// processes (real processes, real worker threads) run the chunks they take from Redis.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { agent, cli, lines, tmp } from '../helpers/cli.mjs';
import { startWorker } from '../helpers/queue-worker.mjs';
import { startRedis } from '../helpers/redis.mjs';
import { makeProject, singleAgentWorkflow, stageCounts, tasksOf, labelledCount } from '../helpers/projects.mjs';

test('two worker processes share a run: every task labelled and moved exactly once, both did work', async () => {
  const redis = await startRedis();
  const { dir } = makeProject(400, { workflow: singleAgentWorkflow().workflow });
  const workers = [];
  try {
    for (let i = 0; i < 2; i++) workers.push(await startWorker(agent('slow-labels.mjs'), redis.url, ['--threads', '1']));
    const r = await cli(
      ['run', agent('slow-labels.mjs'), '--project', dir, '--json', '--queue', redis.url, '--threads', '2', '--task-batch-size', '100'],
      { env: { TA_DELAY_MS: '3' } },
    );
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.deepEqual(r.json.stages[0].moved, { complete: 400 });
    assert.deepEqual(stageCounts(dir), { 'Agent 1': 0, Annotate: 0, Complete: 400 });
    assert.equal(labelledCount(dir), 400);
    assert.ok(tasksOf(dir).every((t) => t.priority === 0.25));
    const ran = [];
    for (const w of workers) {
      assert.equal(await w.stop(), 0);
      const { stdout } = w.output();
      assert.match(stdout, /^joined run [0-9a-f-]{36} \(project test project\)$/m);
      ran.push(Number(/^left run [0-9a-f-]{36}: \d+ chunks, (\d+) tasks$/m.exec(stdout)?.[1] ?? 0));
    }
    assert.equal(ran[0] + ran[1], 400, `tasks per worker: ${ran}`);
    assert.ok(
      ran.every((n) => n > 0),
      `both workers ran chunks: ${ran}`,
    );
  } finally {
    for (const w of workers) await w.stop();
    await redis.stop();
  }
});

test('a worker killed with SIGKILL mid-chunk: its chunk returns to the queue and another worker finishes it; every task moves once', async () => {
  const redis = await startRedis();
  const { dir } = makeProject(200, { workflow: singleAgentWorkflow().workflow });
  const logA = join(tmp(), 'a.log');
  const env = { TA_DELAY_MS: '20' };
  const a = await startWorker(agent('slow-labels.mjs'), redis.url, ['--threads', '1', '--stall-ms', '1500'], { ...env, TA_LOG: logA });
  const b = await startWorker(agent('slow-labels.mjs'), redis.url, ['--threads', '1', '--stall-ms', '1500'], env);
  try {
    const run = cli([
      'run',
      agent('slow-labels.mjs'),
      '--project',
      dir,
      '--json',
      '--queue',
      redis.url,
      '--threads',
      '2',
      '--task-batch-size',
      '100',
    ]);
    for (let i = 0; i < 500 && lines(logA).length < 10; i++) await sleep(20);
    a.child.kill('SIGKILL');
    const r = await run;
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.deepEqual(r.json.stages[0].moved, { complete: 200 });
    assert.equal(r.json.stages[0].skipped, 0);
    assert.deepEqual(stageCounts(dir), { 'Agent 1': 0, Annotate: 0, Complete: 200 });
    assert.equal(labelledCount(dir), 200);
    assert.ok(lines(logA).length >= 10, 'worker A ran tasks before it was killed');
  } finally {
    await b.stop();
    await redis.stop();
  }
});

test('an unreachable queue is exit 3 (TA_QUEUE_UNREACHABLE) for the run and for a worker; a bad URL is exit 2', async () => {
  const { dir } = makeProject(2, { workflow: singleAgentWorkflow().workflow });
  const r = await cli(['run', agent('labels.mjs'), '--project', dir, '--json', '--queue', 'redis://127.0.0.1:1']);
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.equal(r.json.error.code, 'TA_QUEUE_UNREACHABLE');
  assert.equal(stageCounts(dir)['Agent 1'], 2);
  const w = await cli(['worker', agent('labels.mjs'), '--queue', 'redis://127.0.0.1:1'], { timeoutMs: 30_000 });
  assert.equal(w.code, 3, w.stdout + w.stderr);
  assert.match(w.stderr, /TA_QUEUE_UNREACHABLE/);
  const bad = await cli(['run', agent('labels.mjs'), '--project', dir, '--json', '--queue', 'http://x']);
  assert.equal(bad.code, 2);
  assert.equal(bad.json.error.code, 'TA_CFG_INVALID');
  // rediss:// (TLS) is ioredis's to read, not a usage error: it is tried, and nothing listens there.
  const tls = await cli(['run', agent('labels.mjs'), '--project', dir, '--json', '--queue', 'rediss://:secret@127.0.0.1:1/0']);
  assert.equal(tls.code, 3, tls.stdout + tls.stderr);
  assert.equal(tls.json.error.code, 'TA_QUEUE_UNREACHABLE');
  assert.doesNotMatch(tls.stdout + tls.stderr, /secret/);
  const db = await cli(['run', agent('labels.mjs'), '--project', dir, '--json', '--queue', 'redis://127.0.0.1:1/zero']);
  assert.equal(db.json.error.code, 'TA_CFG_INVALID');
  assert.equal(stageCounts(dir)['Agent 1'], 2);
});
