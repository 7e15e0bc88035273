// One stage on demand: `run --stage NAME|UUID` and runner.runStage(stage, { onTask, onDone }) on real
// projects, workers and a real child process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { agent, cli, lines, tmp, ROOT, FIXTURES } from '../helpers/cli.mjs';
import { makeProject, singleAgentWorkflow, stageCounts, tasksOf } from '../helpers/projects.mjs';

function runStage(module, stage, project, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(FIXTURES, 'run-stage-driver.mjs'), agent(module), stage, project], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    let stdout = '',
      stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        resolve({ code, stderr, ...JSON.parse(stdout) });
      } catch {
        reject(new Error(`driver exited ${code}: ${stderr}\n${stdout}`));
      }
    });
  });
}

test('run --stage drains only that stage, found by title or by the UUID of a stage registered by title', async () => {
  const { dir, info } = makeProject(14);
  const triage = info.workflow.stages.find((s) => s.title === 'triage');
  const log = join(tmp(), 'log');
  const first = await cli(['run', agent('chain.mjs'), '--project', dir, '--json', '--stage', 'pre-label'], { env: { TA_LOG: log } });
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(
    first.json.stages.map((s) => s.stage),
    ['pre-label'],
  );
  assert.deepEqual(stageCounts(dir), { 'pre-label': 0, triage: 14, Annotate: 0, Complete: 0 });
  assert.ok(lines(log).every((l) => l.startsWith('pre-label ')));
  const second = await cli(['run', agent('chain.mjs'), '--project', dir, '--json', '--stage', triage.uuid], { env: { TA_LOG: log } });
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(
    second.json.stages.map((s) => [s.stage, s.attempted]),
    [['triage', 14]],
  );
  assert.deepEqual(stageCounts(dir), { 'pre-label': 0, triage: 0, Annotate: 7, Complete: 7 });
});

test('run --stage naming a stage with no agent is a usage error before any task is touched', async () => {
  const { dir } = makeProject(3);
  for (const stage of ['Annotate', 'no such stage']) {
    const r = await cli(['run', agent('chain.mjs'), '--project', dir, '--json', '--stage', stage]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.json.error.code, 'TA_STAGE_UNKNOWN');
    assert.match(r.json.error.hint, /"pre-label"/);
  }
  assert.deepEqual(stageCounts(dir), { 'pre-label': 3, triage: 0, Annotate: 0, Complete: 0 });
});

test('runStage: one pass (even with refreshEvery on the Runner), one onTask per task with its decision or failure, onDone with the summary', async () => {
  const wf = singleAgentWorkflow();
  const { dir } = makeProject(23, { workflow: wf.workflow });
  const r = await runStage('routing.mjs', wf.ids.agent, dir, {
    TA_MODE: 'unknown-one',
    RUNNER_OPTIONS: JSON.stringify({ refreshEvery: 3600 }),
  });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!r.thrown, JSON.stringify(r.thrown));
  assert.equal(r.summary.passes, 1);
  assert.deepEqual(r.done, r.summary);
  assert.equal(r.events.length, 23);
  assert.equal(new Set(r.events.map((e) => e.taskUuid)).size, 23);
  const failed = r.events.filter((e) => e.outcome === 'failed');
  assert.deepEqual(
    failed.map((e) => [e.dataTitle, e.error.code]),
    [['img-000003.jpg', 'TA_PATHWAY_UNKNOWN']],
  );
  const moved = r.events.filter((e) => e.outcome === 'moved');
  assert.equal(moved.length, 22);
  assert.ok(
    moved.every(
      (e) => e.pathway.uuid === wf.ids.complete && e.pathway.title === 'complete' && e.stageUuid === wf.ids.agent && e.stage === 'Agent 1',
    ),
  );
  // What the callbacks said is what the project holds.
  const byUuid = new Map(tasksOf(dir).map((t) => [t.uuid, t.stage]));
  for (const e of r.events) assert.equal(byUuid.get(e.taskUuid), e.outcome === 'moved' ? 'Complete' : 'Agent 1');
});

test('runStage: a throwing onTask stops the run and rejects with that error; what was committed is consistent', async () => {
  const wf = singleAgentWorkflow();
  const { dir } = makeProject(400, { workflow: wf.workflow });
  // 40 ms tasks in chunks of 10: the throw comes long before the stage is done.
  const r = await runStage('slow.mjs', 'Agent 1', dir, {
    THROW_AFTER: '5',
    TA_LOG: join(tmp(), 'log'),
    RUNNER_OPTIONS: JSON.stringify({ taskBatchSize: 20 }),
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.thrown?.message, 'callback refused');
  const counts = stageCounts(dir);
  assert.ok(counts.Complete >= 5 && counts.Complete < 400, JSON.stringify(counts));
  assert.equal(counts.Complete + counts['Agent 1'], 400);
  // Every event reported is true of the project.
  const byUuid = new Map(tasksOf(dir).map((t) => [t.uuid, t.stage]));
  assert.ok(r.events.every((e) => e.outcome === 'moved' && byUuid.get(e.taskUuid) === 'Complete'));
});
