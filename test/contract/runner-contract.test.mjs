// The runner scenarios, run against both platforms: the local project directly, and
// EncordPlatform → the emulator serving an identical project. Same assertions, same final state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { lines, tmp } from '../helpers/cli.mjs';
import { makeProject, singleAgentWorkflow, stageCounts, tasksOf } from '../helpers/projects.mjs';
import { runOn } from '../helpers/emulator.mjs';
import { LocalProject } from '../../dist/testing.js';

function exportRows(dir) {
  const p = LocalProject.open(dir);
  try {
    return p.exportLabelRows();
  } finally {
    p.close();
  }
}

const TARGETS = ['local', 'encord'];
/** Final state read back from SQLite: title → stage:priority. */
const state = (dir) =>
  tasksOf(dir)
    .map((t) => `${t.dataTitle}:${t.stage}:${t.priority}`)
    .sort();

/** Runs `scenario(target, project)` on a fresh project per target and checks both end equal. */
async function both(n, options, scenario) {
  const states = [];
  const results = await Promise.all(
    TARGETS.map(async (target) => {
      const p = makeProject(n, options);
      await scenario(target, p);
      return p;
    }),
  );
  for (const p of results) states.push(state(p.dir));
  assert.deepEqual(states[0], states[1], 'local and encord reach the same final state');
}

const run = (target, p, module, args = [], env = {}) => runOn(target, module, p.dir, p.info.projectHash, args, env);

test('520 tasks with batch size 11: each processed exactly once and moved', async () => {
  await both(520, { workflow: singleAgentWorkflow().workflow }, async (target, p) => {
    const log = join(tmp(), 'log');
    const r = await run(target, p, 'routing.mjs', ['--task-batch-size', '11', '--threads', '2'], { TA_LOG: log });
    assert.equal(r.code, 0, `${target}: ${r.stderr}`);
    const seen = lines(log);
    assert.equal(seen.length, 520);
    assert.equal(new Set(seen).size, 520);
    assert.deepEqual(stageCounts(p.dir), { 'Agent 1': 0, Annotate: 0, Complete: 520 });
    assert.equal(r.json.stages[0].moved.complete, 520);
    // The platform's pages (local 1000, emulator 500), each read once, feed all 48 batches of 11.
    assert.equal(r.json.calls.listTasks, target === 'local' ? 1 : 2);
  });
});

test('--max-tasks-per-stage 2 moves exactly 2', async () => {
  await both(20, { workflow: singleAgentWorkflow().workflow }, async (target, p) => {
    const r = await run(target, p, 'routing.mjs', ['--max-tasks-per-stage', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(stageCounts(p.dir), { 'Agent 1': 18, Annotate: 0, Complete: 2 });
    assert.equal(r.json.stages[0].attempted, 2);
  });
});

test('null stays: every task runs, none moves', async () => {
  await both(30, { workflow: singleAgentWorkflow().workflow }, async (target, p) => {
    const log = join(tmp(), 'log');
    const r = await run(target, p, 'routing.mjs', [], { TA_MODE: 'null', TA_LOG: log });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(lines(log).length, 30);
    assert.equal(r.json.stages[0].stayed, 30);
    assert.deepEqual(stageCounts(p.dir), { 'Agent 1': 30, Annotate: 0, Complete: 0 });
    if (target === 'encord') assert.equal(r.emulatorStats.requests['POST v2 …/stages/{s}/actions'], undefined);
  });
});

test('an unknown pathway fails that task only', async () => {
  await both(10, { workflow: singleAgentWorkflow().workflow }, async (target, p) => {
    const r = await run(target, p, 'routing.mjs', [], { TA_MODE: 'unknown-one' });
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(r.json.stages[0].failed, { TA_PATHWAY_UNKNOWN: 1 });
    assert.match(r.json.failures[0].hint, /"to human"/);
    assert.deepEqual(stageCounts(p.dir), { 'Agent 1': 1, Annotate: 0, Complete: 9 });
  });
});

test('stage and pathway by UUID', async () => {
  const wf = singleAgentWorkflow();
  await both(12, { workflow: wf.workflow }, async (target, p) => {
    const r = await run(target, p, 'routing.mjs', [], { TA_STAGE: wf.ids.agent, TA_PATHWAY: wf.ids.toHuman });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(stageCounts(p.dir), { 'Agent 1': 0, Annotate: 12, Complete: 0 });
    assert.deepEqual(r.json.stages[0].moved, { 'to human': 12 });
  });
});

test('priority 0 is stored as 0, and 0.75 as 0.75', async () => {
  for (const prio of [0, 0.75]) {
    await both(5, { workflow: singleAgentWorkflow().workflow }, async (target, p) => {
      const r = await run(target, p, 'priority.mjs', [], { TA_PRIORITY: String(prio) });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(
        tasksOf(p.dir).map((t) => t.priority),
        [prio, prio, prio, prio, prio],
      );
      assert.equal(r.json.calls.setPriorities, 1);
    });
  }
});

test('storage items are fetched once per batch', async () => {
  await both(50, { workflow: singleAgentWorkflow().workflow }, async (target, p) => {
    const r = await run(target, p, 'storage.mjs', ['--task-batch-size', '20']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.calls.getStorageItems, 3);
    assert.equal(r.json.calls.listLabelRowMetadata, 3);
    if (target === 'encord') assert.equal(r.emulatorStats.requests['POST v2 storage/items/get-bulk'], 3);
    assert.equal(stageCounts(p.dir).Complete, 50);
  });
});

test('a two-stage chain completes in one pass', async () => {
  await both(25, {}, async (target, p) => {
    const log = join(tmp(), 'log');
    const r = await run(target, p, 'chain.mjs', ['--task-batch-size', '7'], { TA_LOG: log });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.passes, 1);
    assert.deepEqual(stageCounts(p.dir), { 'pre-label': 0, triage: 0, Annotate: 12, Complete: 13 });
    assert.equal(lines(log).filter((l) => l.startsWith('triage')).length, 25);
  });
});

test('an agent that throws twice then succeeds is moved with --num-retries 3', async () => {
  await both(6, { workflow: singleAgentWorkflow().workflow }, async (target, p) => {
    const r = await run(target, p, 'flaky.mjs', ['--num-retries', '3']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(stageCounts(p.dir).Complete, 6);
  });
});

test('--threads 1 and --threads 4 reach the same final state on both platforms', async () => {
  const wf = singleAgentWorkflow();
  const finals = [];
  for (const threads of [
    ['--threads', '1'],
    ['--threads', '4', '--concurrency', '3'],
  ]) {
    await both(90, { workflow: wf.workflow }, async (target, p) => {
      const r = await run(target, p, 'routing.mjs', threads, { TA_MODE: 'by-title' });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(stageCounts(p.dir), { 'Agent 1': 0, Annotate: 30, Complete: 60 });
      finals.push(
        tasksOf(p.dir)
          .map((t) => `${t.dataTitle}:${t.stage}`)
          .sort(),
      );
    });
  }
  for (const f of finals) assert.deepEqual(f, finals[0]);
});

test('a task moved away by someone else is skipped; the rest of its bundle is moved', async () => {
  await both(10, { workflow: singleAgentWorkflow().workflow }, async (target, p) => {
    const r = await run(target, p, 'stale.mjs', [], { TA_PROJECT: p.dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.stages[0].skipped, 1);
    assert.deepEqual(r.json.stages[0].moved, { complete: 9 });
    assert.deepEqual(stageCounts(p.dir), { 'Agent 1': 0, Annotate: 1, Complete: 9 });
    if (target === 'encord') assert.ok(r.emulatorStats.requests['400 POST v2'] >= 1, 'the emulator rejected the stale bundle');
  });
});

test('label rows: created (PUT) and saved on a first pass, read back (GET) and saved on a second', async () => {
  const labelState = (dir) => {
    const rows = exportRows(dir);
    return rows.map((r) => `${r.data_title}:${r.label_hash === null ? 'none' : 'hash'}:${Object.keys(r.data_units).length}`).sort();
  };
  const seen = {};
  await both(30, { workflow: singleAgentWorkflow().workflow }, async (target, p) => {
    const first = await run(target, p, 'label-save.mjs', ['--task-batch-size', '10'], { TA_MODE: 'stay' });
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.json.stages[0].stayed, 30);
    const second = await run(target, p, 'label-save.mjs', ['--task-batch-size', '10']);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(stageCounts(p.dir).Complete, 30);
    if (target === 'encord') {
      assert.equal(first.emulatorStats.requests['v1 labelrow PUT'], 3);
      assert.equal(second.emulatorStats.requests['v1 labelrow GET'], 3);
      assert.equal(second.emulatorStats.requests['v1 labelrow PUT'], undefined);
    }
    seen[target] = labelState(p.dir);
  });
  assert.deepEqual(seen.local, seen.encord);
  assert.ok(seen.local.every((s) => s.includes(':hash:')));
});
