// Queue mode when things break: a real redis-server killed and restarted mid-run, killed for good,
// a worker with another agent module, and signals that must reach remote workers. Real
// `task-agents run --queue` and `task-agents worker` processes; the project is checked afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { agent, cli, lines, tmp } from '../helpers/cli.mjs';
import { startWorker } from '../helpers/queue-worker.mjs';
import { startRedis } from '../helpers/redis.mjs';
import { makeProject, singleAgentWorkflow, stageCounts, tasksOf, labelledCount } from '../helpers/projects.mjs';

/** A small seeded generator (the seed is printed with every failure). */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function waitFor(cond, ms = 60_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(20);
  }
}

const sum = (o) => Object.values(o).reduce((a, b) => a + b, 0);

test('Redis restarted mid-run (seeded moments, downtimes, kill signals): the run re-sends what Redis lost; every task moved and labelled exactly once', async () => {
  const seed = Number(process.env.TA_SEED ?? 3);
  const random = rng(seed);
  for (let round = 0; round < 2; round++) {
    const N = 400;
    const killAt = Math.floor(N * (0.2 + random() * 0.4));
    const downMs = Math.floor(300 + random() * 2500);
    const signal = random() < 0.5 ? 'SIGKILL' : 'SIGTERM';
    const why = `seed ${seed} round ${round}: ${JSON.stringify({ killAt, downMs, signal })}`;
    let redis = await startRedis();
    const { port } = redis;
    const { dir } = makeProject(N, { workflow: singleAgentWorkflow().workflow });
    const log = join(tmp(), 'log');
    const workers = [];
    try {
      for (let i = 0; i < 2; i++)
        workers.push(await startWorker(agent('slow-labels.mjs'), redis.url, ['--threads', '1'], { TA_DELAY_MS: '10', TA_LOG: log }));
      const run = cli(
        ['run', agent('slow-labels.mjs'), '--project', dir, '--json', '--queue', redis.url, '--threads', '2', '--task-batch-size', '50'],
        { timeoutMs: 120_000 },
      );
      await waitFor(() => lines(log).length >= killAt);
      await redis.kill(signal);
      await sleep(downMs);
      redis = await startRedis({ port });
      const r = await run;
      assert.equal(r.code, 0, `${why}: ${r.stderr}`);
      assert.deepEqual(r.json.stages[0].moved, { complete: N }, why);
      assert.equal(r.json.stages[0].skipped, 0, `${why}: a task was moved twice`);
      assert.deepEqual(stageCounts(dir), { 'Agent 1': 0, Annotate: 0, Complete: N }, why);
      assert.equal(labelledCount(dir), N, why);
      assert.ok(
        tasksOf(dir).every((t) => t.priority === 0.25),
        why,
      );
      assert.match(r.stderr, /lost the queue at redis:\/\/127\.0\.0\.1:\d+: reconnecting/, why);
      assert.match(r.stderr, /the queue is back/, why);
      // Every task ran, some twice (chunks in flight when Redis went were run again).
      assert.equal(new Set(lines(log)).size, N, why);
      for (const w of workers) assert.match(w.output().stdout, /lost the queue .*\n(.*\n)*the queue is back/, why);
    } finally {
      for (const w of workers) await w.stop();
      await redis.stop();
    }
  }
});

test('Redis gone for good: TA_QUEUE_UNREACHABLE (exit 3) after --queue-reconnect-ms, with the summary of what was committed; a re-run finishes the rest', async () => {
  const N = 400;
  const redis = await startRedis();
  const { dir } = makeProject(N, { workflow: singleAgentWorkflow().workflow });
  const log = join(tmp(), 'log');
  const workers = [];
  try {
    for (let i = 0; i < 2; i++)
      workers.push(await startWorker(agent('slow-labels.mjs'), redis.url, ['--threads', '1'], { TA_DELAY_MS: '10', TA_LOG: log }));
    const run = cli(
      [
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
        '50',
        '--queue-reconnect-ms',
        '3000',
      ],
      { timeoutMs: 120_000 },
    );
    await waitFor(() => lines(log).length >= N / 3);
    await redis.kill('SIGKILL');
    const killed = performance.now();
    const r = await run;
    const took = performance.now() - killed;
    assert.equal(r.code, 3, r.stderr);
    assert.ok(took >= 3000 && took < 15_000, `ended ${Math.round(took)} ms after Redis died`);
    assert.equal(r.json.ok, false);
    assert.equal(r.json.error.code, 'TA_QUEUE_UNREACHABLE');
    assert.match(r.json.error.message, /unreachable for 3 s/);
    // The summary is what the project holds: what came back before was committed, the rest stays.
    const st = r.json.summary.stages[0];
    const counts = stageCounts(dir);
    assert.equal(counts.Complete, st.moved.complete ?? 0);
    assert.ok(counts.Complete > 0 && counts.Complete < N, JSON.stringify(counts));
    assert.equal(counts['Agent 1'], N - counts.Complete);
    assert.equal(st.attempted, sum(st.moved) + st.stayed + sum(st.failed) + st.skipped);
    assert.equal(st.attempted + sum(st.unfinished), N, JSON.stringify(st));
    assert.ok(st.unfinished['run-ended'] > 0, JSON.stringify(st.unfinished));
    // Without Redis, a re-run fails at once; with it back, it moves exactly what is left.
    const again = await startRedis();
    try {
      const w = await startWorker(agent('slow-labels.mjs'), again.url, ['--threads', '2']);
      workers.push(w);
      const rest = await cli(['run', agent('slow-labels.mjs'), '--project', dir, '--json', '--queue', again.url, '--threads', '2']);
      assert.equal(rest.code, 0, rest.stderr);
      assert.equal(rest.json.stages[0].moved.complete, N - counts.Complete);
      assert.deepEqual(stageCounts(dir), { 'Agent 1': 0, Annotate: 0, Complete: N });
      assert.equal(labelledCount(dir), N);
    } finally {
      for (const w of workers) await w.stop();
      await again.stop();
    }
  } finally {
    for (const w of workers) await w.stop();
    await redis.stop();
  }
});

test('a worker with another agent module is reported once (TA_QUEUE_WORKER_MISMATCH) and takes no chunk; with no other worker the run ends with that code, nothing touched', async () => {
  const redis = await startRedis();
  const workers = [];
  try {
    const wrong = await startWorker(agent('chain.mjs'), redis.url, ['--threads', '1']);
    workers.push(wrong);
    // Alone: nothing can run the chunks.
    const { dir: alone } = makeProject(20, { workflow: singleAgentWorkflow().workflow });
    const r = await cli(
      ['run', agent('labels.mjs'), '--project', alone, '--json', '--queue', redis.url, '--threads', '2', '--task-batch-size', '5'],
      { timeoutMs: 60_000 },
    );
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.json.error.code, 'TA_QUEUE_WORKER_MISMATCH');
    assert.match(
      r.json.error.message,
      /every worker on the queue refused this run: .*chain\.mjs registers stages \["pre-label","triage"\], the run's registers \["Agent 1"\]/,
    );
    assert.equal(stageCounts(alone)['Agent 1'], 20);
    assert.deepEqual(r.json.summary.failures, []);
    assert.equal(r.json.summary.warnings.filter((w) => w.code === 'TA_QUEUE_WORKER_MISMATCH').length, 1);

    // With a right worker beside it: every task moves once, the wrong one is reported once and ran nothing.
    const right = await startWorker(agent('labels.mjs'), redis.url, ['--threads', '1']);
    workers.push(right);
    const { dir } = makeProject(60, { workflow: singleAgentWorkflow().workflow });
    const ok = await cli(
      ['run', agent('labels.mjs'), '--project', dir, '--json', '--queue', redis.url, '--threads', '2', '--task-batch-size', '10'],
      { timeoutMs: 60_000 },
    );
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(ok.json.failures, []);
    assert.deepEqual(ok.json.stages[0].moved, { complete: 60 });
    assert.deepEqual(stageCounts(dir), { 'Agent 1': 0, Annotate: 0, Complete: 60 });
    const mismatches = ok.json.warnings.filter((w) => w.code === 'TA_QUEUE_WORKER_MISMATCH');
    assert.equal(
      mismatches.length,
      1,
      `${JSON.stringify(ok.json.warnings)}\n--- run stderr\n${ok.stderr}\n--- wrong worker\n${JSON.stringify(wrong.output())}`,
    );
    assert.match(mismatches[0].message, /^worker \S+:\d+ takes none of this run's chunks/);
    assert.equal((ok.stderr.match(/TA_QUEUE_WORKER_MISMATCH/g) ?? []).length, 1, ok.stderr);
    for (const w of workers) assert.equal(await w.stop(), 0);
    const wrongOut = wrong.output().stdout;
    assert.equal((wrongOut.match(/^refusing run /gm) ?? []).length, 2, wrongOut);
    assert.doesNotMatch(wrongOut, /left run [0-9a-f-]+: [1-9]\d* chunks/);
    assert.match(right.output().stdout, /left run [0-9a-f-]+: \d+ chunks, 60 tasks/);
  } finally {
    for (const w of workers) await w.stop();
    await redis.stop();
  }
});

test("a second Ctrl-C reaches queue workers: their agents' signals fire, the run ends within seconds (130), the workers stay up", async () => {
  const redis = await startRedis();
  const log = join(tmp(), 'log');
  const workers = [];
  try {
    for (let i = 0; i < 2; i++)
      workers.push(await startWorker(agent('hostile.mjs'), redis.url, ['--threads', '1'], { TA_HOSTILE: 'cooperative', TA_LOG: log }));
    const { dir } = makeProject(40, { workflow: singleAgentWorkflow().workflow });
    let child;
    const run = cli(
      ['run', agent('hostile.mjs'), '--project', dir, '--json', '--queue', redis.url, '--threads', '2', '--task-batch-size', '10'],
      { env: { TA_HOSTILE: 'cooperative' }, onSpawn: (c) => (child = c), timeoutMs: 60_000 },
    );
    await waitFor(() => lines(log).filter((l) => l.endsWith(' start')).length >= 2);
    child.kill('SIGINT');
    await sleep(300);
    child.kill('SIGINT');
    const second = performance.now();
    const r = await run;
    assert.equal(r.code, 130, r.stderr);
    assert.ok(performance.now() - second < 8000);
    assert.equal(r.json.aborted, true);
    assert.deepEqual(stageCounts(dir), { 'Agent 1': 40, Annotate: 0, Complete: 0 });
    // The remote attempts saw their signal (within the workers' 1 s poll of the run's state).
    await waitFor(() => lines(log).filter((l) => l.endsWith(' aborted AbortError')).length >= 2, 10_000);
    for (const w of workers) assert.equal(w.child.exitCode, null, 'the worker is still up');
  } finally {
    for (const w of workers) await w.stop();
    await redis.stop();
  }
});
