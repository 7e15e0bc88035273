// Agents that never come back, and the signals that must still end a run: real busy loops
// (`while (true) {}`) in real worker threads, real SIGINT / SIGTERM sent to the real CLI process,
// real SQLite projects checked against the summary afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { agent, cli, lines, tmp } from '../helpers/cli.mjs';
import { execFileSync } from 'node:child_process';
import { importedProject, makeProject, singleAgentWorkflow, stageCounts, tasksOf } from '../helpers/projects.mjs';

const title = (n) => `img-${String(n).padStart(6, '0')}.jpg`;

/** A small seeded generator (the seed is printed with every failure). */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Titles that logged a start / a done line. */
const started = (log) =>
  new Set(
    lines(log)
      .filter((l) => l.endsWith(' start'))
      .map((l) => l.split(' ')[0]),
  );

/** What the summary says must be what the project holds. */
function assertSummaryIsDatabase(json, dir, total, why) {
  const st = json.stages[0];
  const moved = Object.values(st.moved).reduce((a, b) => a + b, 0);
  const failed = Object.values(st.failed).reduce((a, b) => a + b, 0);
  assert.equal(st.attempted, moved + st.stayed + failed + st.skipped, `${why}: attempted = moved + stayed + failed + skipped`);
  const counts = stageCounts(dir);
  assert.equal(counts.Complete, moved, `${why}: moved = Complete in the database`);
  assert.equal(counts['Agent 1'], total - moved, `${why}: the rest is still in the agent stage`);
  assert.equal(json.failures.length, failed, why);
}

/**
 * Runs the hostile agent and sends `signals` ([{ after: starts-or-ms, signal }]); resolves with the
 * run's result and the milliseconds from the last signal to the end of the process.
 */
async function runSignalled(dir, env, log, args, signals) {
  let child;
  const ended = cli(['run', agent('hostile.mjs'), '--project', dir, '--json', ...args], {
    env: { ...env, TA_LOG: log },
    onSpawn: (c) => (child = c),
    timeoutMs: 90_000,
  });
  let last = 0;
  for (const s of signals) {
    if (s.afterStarts !== undefined) for (let i = 0; i < 1500 && started(log).size < s.afterStarts; i++) await sleep(20);
    if (s.afterMs !== undefined) await sleep(s.afterMs);
    child.kill(s.signal);
    last = performance.now();
  }
  const r = await ended;
  return { ...r, afterLastSignalMs: performance.now() - last };
}

test('while (true) {} in tasks past --task-timeout-ms: their workers are recycled, they fail TA_AGENT_TIMEOUT, every other task moves (seeded sweep)', async () => {
  const seed = Number(process.env.TA_SEED ?? 10);
  const random = rng(seed);
  const cases = [
    { threads: 1, concurrency: 1, batch: 50 },
    { threads: 2, concurrency: 1, batch: 7 },
    { threads: 2, concurrency: 3, batch: 50 },
    { threads: 1, concurrency: 2, batch: 13 },
  ];
  for (const c of cases) {
    const total = 30;
    const busy = [...new Set([1 + Math.floor(random() * (total - 1)), 1 + Math.floor(random() * (total - 1))])];
    const why = `seed ${seed}, ${JSON.stringify({ ...c, busy })}`;
    const { dir } = makeProject(total, { workflow: singleAgentWorkflow().workflow });
    const log = join(tmp(), 'log');
    const r = await cli(
      [
        'run',
        agent('hostile.mjs'),
        '--project',
        dir,
        '--json',
        '--task-timeout-ms',
        '400',
        '--threads',
        String(c.threads),
        '--concurrency',
        String(c.concurrency),
        '--task-batch-size',
        String(c.batch),
      ],
      {
        env: { TA_HOSTILE: 'busy', TA_WHICH: busy.join(','), TA_LOG: log, TA_DELAY_MS: '10' },
        timeoutMs: 90_000,
      },
    );
    assert.equal(r.code, 1, `${why}: ${r.stderr}`);
    const failed = new Map(r.json.failures.map((f) => [f.dataTitle, f.code]));
    for (const n of busy) assert.equal(failed.get(title(n)), 'TA_AGENT_TIMEOUT', `${why}: busy task ${n}`);
    assert.ok(
      [...failed.values()].every((code) => code === 'TA_AGENT_TIMEOUT'),
      `${why}: ${JSON.stringify(r.json.failures)}`,
    );
    // A task blocked behind a busy one on the same thread is past its deadline too (only with --concurrency > 1).
    if (c.concurrency === 1) assert.equal(failed.size, busy.length, `${why}: ${[...failed.keys()]}`);
    else assert.ok(failed.size <= busy.length * c.concurrency, why);
    assert.match(r.json.failures.find((f) => f.dataTitle === title(busy[0])).message, /worker was blocked .* recycled/);
    assertSummaryIsDatabase(r.json, dir, total, why);
    // Every other task was run (some twice: their outcomes died with a recycled worker).
    for (let n = 0; n < total; n++) if (!failed.has(title(n))) assert.ok(started(log).has(title(n)), `${why}: task ${n} never ran`);
    // A re-run picks up exactly the failed tasks.
    const again = await cli(['run', agent('hostile.mjs'), '--project', dir, '--json'], { env: { TA_HOSTILE: 'none' } });
    assert.equal(again.code, 0, why);
    assert.equal(again.json.stages[0].attempted, failed.size, why);
  }
});

test('a busy loop between native calls (toBase64 on a decoded frame): recycled without ever killing a worker inside node-av', async () => {
  // node-av aborts the whole process (SIGABRT) if a thread dies inside one of its calls, or while
  // it loads its binding. Here the agents spend nearly all their time in node-av, many short calls
  // in a row: without the gate, 3 runs of 30 recycles each all died of SIGABRT; with it, none.
  const n = 12;
  const media = tmp();
  const pictures = Array.from({ length: n }, (_, i) => join(media, `pic-${i}.png`));
  for (const p of pictures) execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=96x64', '-frames:v', '1', p]);
  const { dir } = await importedProject(pictures);
  const r = await cli(
    ['run', agent('native-loop.mjs'), '--project', dir, '--json', '--task-timeout-ms', '50', '--threads', '2', '--task-batch-size', '2'],
    { timeoutMs: 120_000 },
  );
  assert.equal(r.signal, null, `the process died of ${r.signal}: ${r.stderr.slice(-2000)}`);
  assert.equal(r.code, 1, r.stderr.slice(-2000));
  assert.deepEqual(
    r.json.failures.map((f) => f.code),
    Array(n).fill('TA_AGENT_TIMEOUT'),
  );
  assert.deepEqual(stageCounts(dir), { 'Agent 1': n, Annotate: 0, Complete: 0 });
});

test('a second Ctrl-C ends a run stuck in while (true) {} within seconds: summary printed, exit 130, committed work kept, stuck tasks stay', async () => {
  const total = 60;
  const { dir } = makeProject(total, { workflow: singleAgentWorkflow().workflow });
  const log = join(tmp(), 'log');
  // Tasks 0 and 10 loop for ever (the first of each thread's chunk); the others take 30 ms.
  const r = await runSignalled(
    dir,
    { TA_HOSTILE: 'busy', TA_WHICH: '5,15', TA_DELAY_MS: '30' },
    log,
    ['--threads', '2', '--task-batch-size', '20'],
    [
      { afterStarts: 12, signal: 'SIGINT' },
      { afterMs: 1500, signal: 'SIGINT' },
    ],
  );
  assert.equal(r.code, 130, r.stderr);
  assert.ok(r.afterLastSignalMs < 8000, `took ${Math.round(r.afterLastSignalMs)} ms after the second Ctrl-C`);
  assert.equal(r.json.interrupted, true);
  assert.equal(r.json.signal, 'SIGINT');
  assert.equal(r.json.aborted, true);
  assert.equal(r.json.stages[0].failed.TA_RUN_ABORTED >= 2, true, JSON.stringify(r.json.stages));
  assertSummaryIsDatabase(r.json, dir, total, 'double SIGINT');
  const p = tasksOf(dir);
  assert.equal(p.find((t) => t.dataTitle === title(5)).stage, 'Agent 1');
  assert.equal(p.find((t) => t.dataTitle === title(15)).stage, 'Agent 1');
  assert.match(r.stderr, /SIGINT again: aborting/);
});

test("a second Ctrl-C fires the agents' signal: cooperative agents end at once, their tasks fail TA_RUN_ABORTED and stay", async () => {
  const { dir } = makeProject(20, { workflow: singleAgentWorkflow().workflow });
  const log = join(tmp(), 'log');
  const r = await runSignalled(
    dir,
    { TA_HOSTILE: 'cooperative' },
    log,
    ['--threads', '2', '--concurrency', '2'],
    [
      { afterStarts: 4, signal: 'SIGINT' },
      { afterMs: 300, signal: 'SIGINT' },
    ],
  );
  assert.equal(r.code, 130, r.stderr);
  assert.ok(r.afterLastSignalMs < 8000, `took ${Math.round(r.afterLastSignalMs)} ms`);
  const aborted = lines(log).filter((l) => l.endsWith(' aborted AbortError'));
  assert.equal(aborted.length, 4, lines(log).join(' | '));
  assert.deepEqual(r.json.stages[0].failed, { TA_RUN_ABORTED: 4 });
  // The tasks that never started were not attempted: they are not in the summary, and stay.
  assert.equal(r.json.stages[0].attempted, 4);
  assertSummaryIsDatabase(r.json, dir, 20, 'cooperative');
});

test('SIGTERM is a graceful stop: tasks in flight finish and are committed, the summary is printed, exit 143; a re-run does the rest', async () => {
  const total = 300;
  const { dir } = makeProject(total, { workflow: singleAgentWorkflow().workflow });
  const log = join(tmp(), 'log');
  const r = await runSignalled(
    dir,
    { TA_HOSTILE: 'none', TA_DELAY_MS: '40' },
    log,
    ['--threads', '2', '--task-batch-size', '300'],
    [{ afterStarts: 20, signal: 'SIGTERM' }],
  );
  assert.equal(r.code, 143, r.stderr);
  assert.equal(r.json.signal, 'SIGTERM');
  assert.equal(r.json.aborted, undefined);
  assertSummaryIsDatabase(r.json, dir, total, 'SIGTERM');
  // Every task that started finished and was committed; tasks not started did not start (a chunk holds 150).
  const counts = stageCounts(dir);
  assert.equal(counts.Complete, started(log).size);
  assert.ok(counts.Complete < 100, `stopped at ${counts.Complete}`);
  assert.equal(r.json.failures.length, 0);
  const again = await cli(['run', agent('hostile.mjs'), '--project', dir, '--json'], { env: { TA_HOSTILE: 'none', TA_DELAY_MS: '0' } });
  assert.equal(again.code, 0);
  assert.equal(stageCounts(dir).Complete, total);
});

test('signals at seeded moments: the exit code names the first signal, the summary equals the database, nothing started and finished after one signal is lost', async () => {
  const seed = Number(process.env.TA_SEED ?? 7);
  const random = rng(seed);
  for (let round = 0; round < 5; round++) {
    const first = random() < 0.5 ? 'SIGINT' : 'SIGTERM';
    const twice = random() < 0.5;
    const threads = 1 + Math.floor(random() * 2);
    const afterStarts = 1 + Math.floor(random() * 30);
    const why = `seed ${seed} round ${round}: ${JSON.stringify({ first, twice, threads, afterStarts })}`;
    const total = 120;
    const { dir } = makeProject(total, { workflow: singleAgentWorkflow().workflow });
    const log = join(tmp(), 'log');
    const signals = [{ afterStarts, signal: first }];
    if (twice) signals.push({ afterMs: Math.floor(random() * 400), signal: random() < 0.5 ? 'SIGINT' : 'SIGTERM' });
    const r = await runSignalled(
      dir,
      { TA_HOSTILE: 'none', TA_DELAY_MS: String(5 + Math.floor(random() * 40)) },
      log,
      ['--threads', String(threads), '--task-batch-size', String(10 + Math.floor(random() * 100))],
      signals,
    );
    assert.ok(r.json, `${why}: no JSON document (${r.code}) ${r.stderr}`);
    // A run that ended before the signal came is a normal end.
    const expected = r.json.interrupted ? (r.json.signal === 'SIGTERM' ? 143 : 130) : 0;
    if (r.json.interrupted) assert.equal(r.json.signal, first, why);
    assert.equal(r.code, expected, `${why}: ${r.stderr}`);
    assertSummaryIsDatabase(r.json, dir, total, why);
    const done = new Set(
      tasksOf(dir)
        .filter((t) => t.stage === 'Complete')
        .map((t) => t.dataTitle),
    );
    for (const t of done) assert.ok(started(log).has(t), `${why}: ${t} moved without running`);
    if (!r.json.aborted) assert.equal(done.size, started(log).size, `${why}: a task that ran was not committed`);
  }
});
