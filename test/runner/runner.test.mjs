// Runner scenarios (ported from the Python runner's suite, plus ours) through the real CLI,
// real worker threads running dist/, and real SQLite projects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { agent, cli, lines, tmp } from '../helpers/cli.mjs';
import { makeProject, singleAgentWorkflow, stageCounts, tasksOf } from '../helpers/projects.mjs';

function run(module, dir, args = [], env = {}) {
  return cli(['run', agent(module), '--project', dir, '--json', ...args], { env });
}

test('520 tasks with batch size 11: each processed exactly once and moved', async () => {
  const wf = singleAgentWorkflow();
  const { dir } = makeProject(520, { workflow: wf.workflow });
  const log = join(tmp(), 'log');
  const r = await run('routing.mjs', dir, ['--task-batch-size', '11', '--threads', '2'], { TA_LOG: log });
  assert.equal(r.code, 0, r.stderr);
  const seen = lines(log);
  assert.equal(seen.length, 520);
  assert.equal(new Set(seen).size, 520);
  assert.deepEqual(stageCounts(dir), { 'Agent 1': 0, Annotate: 0, Complete: 520 });
  assert.equal(r.json.stages[0].moved.complete, 520);
  // One local page (1000 tasks) feeds all 48 batches of 11.
  assert.equal(r.json.calls.listTasks, 1);
});

test('--max-tasks-per-stage 2 moves exactly 2', async () => {
  const { dir } = makeProject(20, { workflow: singleAgentWorkflow().workflow });
  const r = await run('routing.mjs', dir, ['--max-tasks-per-stage', '2']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(stageCounts(dir), { 'Agent 1': 18, Annotate: 0, Complete: 2 });
  assert.equal(r.json.stages[0].attempted, 2);
});

test('--max-tasks-per-stage below 1 is a usage error before any task is touched', async () => {
  const { dir } = makeProject(3, { workflow: singleAgentWorkflow().workflow });
  const r = await run('routing.mjs', dir, ['--max-tasks-per-stage', '0']);
  assert.equal(r.code, 2);
  assert.equal(r.json.error.code, 'TA_CFG_INVALID');
  assert.deepEqual(stageCounts(dir), { 'Agent 1': 3, Annotate: 0, Complete: 0 });
});

test('null and undefined move nothing but run every task', async () => {
  for (const mode of ['null', 'undefined']) {
    const { dir } = makeProject(30, { workflow: singleAgentWorkflow().workflow });
    const log = join(tmp(), 'log');
    const r = await run('routing.mjs', dir, [], { TA_MODE: mode, TA_LOG: log });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(lines(log).length, 30);
    assert.equal(r.json.stages[0].stayed, 30);
    assert.deepEqual(stageCounts(dir), { 'Agent 1': 30, Annotate: 0, Complete: 0 });
  }
});

test('preExecution is called once, with the project; a throwing hook aborts before any task', async () => {
  const { dir } = makeProject(40, { workflow: singleAgentWorkflow().workflow });
  const log = join(tmp(), 'log');
  const r = await run('pre-execution.mjs', dir, ['--threads', '3'], { TA_LOG: log });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(lines(log), ['pre 3']);
  assert.equal(stageCounts(dir).Complete, 40);

  const p2 = makeProject(5, { workflow: singleAgentWorkflow().workflow });
  const r2 = await run('pre-execution.mjs', p2.dir, [], { TA_LOG: join(tmp(), 'log'), TA_PRE_FAIL: '1' });
  assert.equal(r2.code, 2);
  assert.equal(r2.json.error.code, 'TA_PRE_EXECUTION_FAILED');
  assert.match(r2.json.error.message, /Car/);
  assert.equal(stageCounts(p2.dir).Complete, 0);
});

test('an unknown pathway fails that task with TA_PATHWAY_UNKNOWN listing the valid ones; the others move', async () => {
  const { dir } = makeProject(10, { workflow: singleAgentWorkflow().workflow });
  const r = await run('routing.mjs', dir, [], { TA_MODE: 'unknown-one' });
  assert.equal(r.code, 1);
  assert.equal(r.json.ok, false);
  assert.equal(r.json.failures.length, 1);
  const f = r.json.failures[0];
  assert.equal(f.code, 'TA_PATHWAY_UNKNOWN');
  assert.equal(f.dataTitle, 'img-000003.jpg');
  assert.match(f.hint, /"complete"/);
  assert.match(f.hint, /"to human"/);
  assert.deepEqual(r.json.stages[0].failed, { TA_PATHWAY_UNKNOWN: 1 });
  assert.deepEqual(stageCounts(dir), { 'Agent 1': 1, Annotate: 0, Complete: 9 });
  // A re-run picks the failed task up again.
  const again = await run('routing.mjs', dir, [], {});
  assert.equal(again.code, 0);
  assert.equal(again.json.stages[0].attempted, 1);
  assert.deepEqual(stageCounts(dir), { 'Agent 1': 0, Annotate: 0, Complete: 10 });
});

test('stage and pathway by UUID', async () => {
  const wf = singleAgentWorkflow();
  const { dir } = makeProject(12, { workflow: wf.workflow });
  const r = await run('routing.mjs', dir, [], { TA_STAGE: wf.ids.agent, TA_PATHWAY: wf.ids.toHuman });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(stageCounts(dir), { 'Agent 1': 0, Annotate: 12, Complete: 0 });
  assert.deepEqual(r.json.stages[0].moved, { 'to human': 12 });
});

test('priority 0 is stored as 0, and other priorities as given', async () => {
  for (const p of [0, 0.75]) {
    const { dir } = makeProject(5, { workflow: singleAgentWorkflow().workflow });
    const r = await run('priority.mjs', dir, [], { TA_PRIORITY: String(p) });
    assert.equal(r.code, 0, r.stderr);
    const tasks = tasksOf(dir);
    assert.deepEqual(
      tasks.map((t) => t.priority),
      [p, p, p, p, p],
    );
    assert.equal(r.json.calls.setPriorities, 1);
  }
});

test('storage items are fetched once per batch', async () => {
  const { dir } = makeProject(50, { workflow: singleAgentWorkflow().workflow });
  const r = await run('storage.mjs', dir, ['--task-batch-size', '20']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json.calls.getStorageItems, 3);
  assert.equal(r.json.calls.listLabelRowMetadata, 3);
  assert.equal(stageCounts(dir).Complete, 50);
});

test('a two-stage chain completes in one pass', async () => {
  const { dir } = makeProject(25);
  const log = join(tmp(), 'log');
  const r = await run('chain.mjs', dir, ['--task-batch-size', '7'], { TA_LOG: log });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json.passes, 1);
  assert.deepEqual(stageCounts(dir), { 'pre-label': 0, triage: 0, Annotate: 12, Complete: 13 });
  assert.equal(lines(log).filter((l) => l.startsWith('triage')).length, 25);
});

test('a .ts agent module runs in the workers', async () => {
  const { dir } = makeProject(8, { workflow: singleAgentWorkflow().workflow });
  const r = await run('ts-agent.ts', dir, ['--threads', '2']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(stageCounts(dir).Complete, 8);
});

test('a module with a syntax error exits 2 before any task moves', async () => {
  const { dir } = makeProject(4, { workflow: singleAgentWorkflow().workflow });
  const r = await run('syntax-error.mjs', dir);
  assert.equal(r.code, 2);
  assert.equal(r.json.error.code, 'TA_AGENT_MODULE_LOAD_FAILED');
  assert.match(r.json.error.message, /SyntaxError/);
  assert.deepEqual(stageCounts(dir), { 'Agent 1': 4, Annotate: 0, Complete: 0 });
});

test('an agent that throws twice then succeeds is moved with --num-retries 3, failed with --num-retries 1', async () => {
  const a = makeProject(6, { workflow: singleAgentWorkflow().workflow });
  const r = await run('flaky.mjs', a.dir, ['--num-retries', '3']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(stageCounts(a.dir).Complete, 6);
  const b = makeProject(6, { workflow: singleAgentWorkflow().workflow });
  const r2 = await run('flaky.mjs', b.dir, ['--num-retries', '1']);
  assert.equal(r2.code, 1);
  assert.deepEqual(r2.json.stages[0].failed, { TA_AGENT_THREW: 6 });
  assert.match(r2.json.failures[0].message, /flaky attempt 2/);
});

test('a failing dependency is re-resolved on the next attempt', async () => {
  const { dir } = makeProject(5, { workflow: singleAgentWorkflow().workflow });
  const r = await run('dep-flaky.mjs', dir, ['--num-retries', '1']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(stageCounts(dir).Complete, 5);
  const p2 = makeProject(5, { workflow: singleAgentWorkflow().workflow });
  const r2 = await run('dep-flaky.mjs', p2.dir, ['--num-retries', '0']);
  assert.deepEqual(r2.json.stages[0].failed, { TA_DEP_FAILED: 5 });
  assert.match(r2.json.failures[0].message, /connection refused/);
});

test('task-scoped teardown runs even when the agent throws, once per attempt', async () => {
  const { dir } = makeProject(4, { workflow: singleAgentWorkflow().workflow });
  const log = join(tmp(), 'log');
  const r = await run('teardown.mjs', dir, ['--num-retries', '1'], { TA_LOG: log });
  assert.equal(r.code, 1);
  const l = lines(log);
  assert.equal(l.filter((x) => x.startsWith('run')).length, 8);
  assert.equal(l.filter((x) => x.startsWith('dispose')).length, 8);
  for (const t of tasksOf(dir)) assert.equal(l.filter((x) => x === `dispose ${t.uuid}`).length, 2);
});

test('a worker-scoped dependency is created once per thread and disposed at the end', async () => {
  const { dir } = makeProject(200, { workflow: singleAgentWorkflow().workflow });
  const log = join(tmp(), 'log');
  const r = await run('worker-dep.mjs', dir, ['--threads', '2', '--task-batch-size', '20'], { TA_LOG: log });
  assert.equal(r.code, 0, r.stderr);
  const created = lines(log).filter((x) => x.startsWith('create'));
  const disposed = lines(log).filter((x) => x.startsWith('dispose'));
  assert.equal(created.length, 2, created.join(','));
  assert.equal(new Set(created).size, 2);
  assert.deepEqual(disposed.map((x) => x.split(' ')[1]).sort(), created.map((x) => x.split(' ')[1]).sort());
});

test('--threads 1 and --threads 4 reach the same final state', async () => {
  const wf = singleAgentWorkflow();
  const a = makeProject(90, { workflow: wf.workflow });
  const b = makeProject(90, { workflow: wf.workflow });
  const r1 = await run('routing.mjs', a.dir, ['--threads', '1'], { TA_MODE: 'by-title' });
  const r4 = await run('routing.mjs', b.dir, ['--threads', '4', '--concurrency', '3'], { TA_MODE: 'by-title' });
  assert.equal(r1.code, 0);
  assert.equal(r4.code, 0);
  const state = (dir) =>
    tasksOf(dir)
      .map((t) => `${t.dataTitle}:${t.stage}`)
      .sort();
  assert.deepEqual(state(a.dir), state(b.dir));
  assert.deepEqual(stageCounts(a.dir), { 'Agent 1': 0, Annotate: 30, Complete: 60 });
});

test('a worker that dies fails only its task with TA_WORKER_CRASHED', async () => {
  const { dir } = makeProject(30, { workflow: singleAgentWorkflow().workflow });
  const r = await run('crash.mjs', dir, ['--threads', '2', '--task-batch-size', '10']);
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(
    r.json.failures.map((f) => [f.dataTitle, f.code]),
    [['img-000005.jpg', 'TA_WORKER_CRASHED']],
  );
  assert.deepEqual(stageCounts(dir), { 'Agent 1': 1, Annotate: 0, Complete: 29 });
});

test('a task moved away by someone else is reported skipped; the rest of its bundle is committed', async () => {
  const { dir } = makeProject(10, { workflow: singleAgentWorkflow().workflow });
  const r = await run('stale.mjs', dir, [], { TA_PROJECT: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json.stages[0].skipped, 1);
  assert.deepEqual(r.json.stages[0].moved, { complete: 9 });
  assert.deepEqual(stageCounts(dir), { 'Agent 1': 0, Annotate: 1, Complete: 9 });
});

test('an agent that hangs fails with TA_AGENT_TIMEOUT under --task-timeout-ms; the others move', async () => {
  const { dir } = makeProject(6, { workflow: singleAgentWorkflow().workflow });
  const r = await run('hang.mjs', dir, ['--task-timeout-ms', '300', '--threads', '1']);
  assert.equal(r.code, 1);
  assert.deepEqual(
    r.json.failures.map((f) => [f.dataTitle, f.code]),
    [['img-000001.jpg', 'TA_AGENT_TIMEOUT']],
  );
  assert.equal(stageCounts(dir).Complete, 5);
});

test('SIGINT stops dispatching, finishes in-flight tasks, commits them; a re-run does the rest', async () => {
  const { dir } = makeProject(200, { workflow: singleAgentWorkflow().workflow });
  const log = join(tmp(), 'log');
  const r = await cli(['run', agent('slow.mjs'), '--project', dir, '--json', '--threads', '2', '--task-batch-size', '10'], {
    env: { TA_LOG: log },
    onSpawn: (child) => {
      const poll = setInterval(() => {
        if (lines(log).length >= 20) {
          clearInterval(poll);
          child.kill('SIGINT');
        }
      }, 20);
    },
  });
  assert.equal(r.code, 130, r.stderr);
  assert.equal(r.json.interrupted, true);
  assert.equal(r.json.signal, 'SIGINT');
  assert.equal(r.json.ok, true);
  const started = new Set(lines(log));
  // The pass says what it left: every listed task (one local page: all 200) attempted or interrupted.
  assert.equal(r.json.stages[0].attempted, started.size);
  assert.deepEqual(r.json.stages[0].unfinished, { interrupted: 200 - started.size });
  const counts = stageCounts(dir);
  assert.ok(counts.Complete >= 20 && counts.Complete < 200, JSON.stringify(counts));
  // Every task that was started was committed (nothing lost); nothing else moved.
  assert.equal(counts.Complete, started.size);
  const again = await run('slow.mjs', dir, ['--threads', '2'], { TA_LOG: log });
  assert.equal(again.code, 0);
  assert.equal(stageCounts(dir).Complete, 200);
  assert.equal(new Set(lines(log)).size, 200);
});
