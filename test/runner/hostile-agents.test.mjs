// Agents that misbehave after or beside their work: timers that throw once the agent returned (or
// while it still runs), 20 MB error messages and return values. Real worker threads, real CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agent, cli } from '../helpers/cli.mjs';
import { makeProject, singleAgentWorkflow, stageCounts } from '../helpers/projects.mjs';

const title = (n) => `img-${String(n).padStart(6, '0')}.jpg`;
const run = (dir, env, args = []) => cli(['run', agent('hostile.mjs'), '--project', dir, '--json', ...args], { env });

for (const threads of [1, 2]) {
  test(`a timer that throws after its agent returned is put on its own task, never TA_WORKER_CRASHED on another (threads ${threads})`, async () => {
    const total = 30;
    const { dir } = makeProject(total, { workflow: singleAgentWorkflow().workflow });
    // Task 3 starts a 30 ms timer that throws and returns at once; the others take 50 ms, so the
    // timer fires inside whatever task that worker runs next.
    const r = await run(dir, { TA_HOSTILE: 'late-throw', TA_WHICH: '3', TA_DELAY_MS: '50' }, [
      '--threads',
      String(threads),
      '--task-batch-size',
      '30',
    ]);
    assert.equal(r.code, 0, r.stderr + JSON.stringify(r.json?.failures));
    assert.deepEqual(r.json.failures, []);
    assert.deepEqual(r.json.stages[0].moved, { complete: total });
    assert.deepEqual(stageCounts(dir), { 'Agent 1': 0, Annotate: 0, Complete: total });
    // Every warning is the late error, on task 3. With one thread the timer always fires inside a
    // later task of the same worker; with two the worker may go idle first (then it never fires).
    for (const w of r.json.warnings) {
      assert.equal(w.code, 'TA_AGENT_LATE_ERROR');
      assert.equal(w.dataTitle, title(3));
      assert.match(w.message, /late boom from img-000003\.jpg/);
    }
    if (threads === 1) assert.equal(r.json.warnings.length, 1, JSON.stringify(r.json.warnings));
  });
}

test('a timer that throws while its agent still runs fails that task (its attempts), not another; the rest move', async () => {
  const { dir } = makeProject(20, { workflow: singleAgentWorkflow().workflow });
  const r = await run(dir, { TA_HOSTILE: 'throw-while', TA_WHICH: '3,11', TA_DELAY_MS: '20' }, ['--threads', '2', '--num-retries', '1']);
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(r.json.failures.map((f) => [f.dataTitle, f.code]).sort(), [
    [title(3), 'TA_AGENT_THREW'],
    [title(11), 'TA_AGENT_THREW'],
  ]);
  for (const f of r.json.failures) assert.match(f.message, new RegExp(`boom while running ${f.dataTitle.replace('.', '\\.')}`));
  assert.deepEqual(stageCounts(dir), { 'Agent 1': 2, Annotate: 0, Complete: 18 });
});

test('a 20 MB error message and a 20 MB returned pathway: the JSON summary stays small and says how much was cut', async () => {
  const { dir } = makeProject(6, { workflow: singleAgentWorkflow().workflow });
  const env = { TA_HOSTILE: 'huge', TA_WHICH: '3', TA_HUGE_MB: '20' };
  const r = await run(dir, env, ['--threads', '2']);
  assert.equal(r.code, 1, r.stderr.slice(0, 2000));
  assert.ok(r.stdout.length < 64 * 1024, `--json is ${r.stdout.length} bytes`);
  const byTitle = Object.fromEntries(r.json.failures.map((f) => [f.dataTitle, f]));
  assert.equal(byTitle[title(3)].code, 'TA_AGENT_THREW');
  const cut = (m) => Number(/… \[(\d+) more characters cut\]/.exec(m)?.[1]);
  // What was kept plus what was cut is the whole message ("Error: " + 20 MiB).
  const threw = byTitle[title(3)].message;
  assert.equal(threw.indexOf('…') + cut(threw), 'Error: '.length + 20 * 1024 * 1024);
  for (const n of [0, 1, 2, 4, 5]) {
    const f = byTitle[title(n)];
    assert.equal(f.code, 'TA_PATHWAY_UNKNOWN');
    assert.ok(cut(f.message) > 20 * 1024 * 1024 - 300, f.message.slice(-80));
    assert.ok(f.message.length < 1000);
  }
  const text = await cli(['run', agent('hostile.mjs'), '--project', dir], { env });
  assert.equal(text.code, 1);
  assert.ok(text.stdout.length < 16 * 1024, `text summary is ${text.stdout.length} bytes`);
  assert.match(text.stdout, /more characters cut/);
  assert.ok(text.stderr.length < 16 * 1024, `stderr is ${text.stderr.length} bytes`);
});
