// --dry-run and runAgentOnce(): agents run for real, their decisions are reported, nothing is written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runAgentOnce } from '../../dist/testing.js';
import { agent, cli } from '../helpers/cli.mjs';
import { makeProject, singleAgentWorkflow, stageCounts, tasksOf, labelledCount } from '../helpers/projects.mjs';

test('--dry-run reports every decision (pathway, priority, label row) and writes nothing back', async () => {
  const { dir } = makeProject(60, { workflow: singleAgentWorkflow().workflow });
  const r = await cli(['run', agent('labels.mjs'), '--project', dir, '--json', '--threads', '2', '--dry-run']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json.dryRun, true);
  assert.deepEqual(r.json.stages[0].moved, { complete: 60 });
  assert.equal(r.json.decisions.length, 60);
  for (const d of r.json.decisions) {
    assert.equal(d.pathway, 'complete');
    assert.equal(d.stage, 'Agent 1');
    assert.equal(Object.values(d.labelRow.classification_answers)[0].classifications[0].answers[0].name, 'Bright');
    assert.ok(d.priority === 0 || d.priority === 0.5);
  }
  assert.equal(r.json.calls.saveLabelRows, undefined);
  assert.equal(r.json.calls.proceedTasks, undefined);
  assert.equal(r.json.calls.setPriorities, undefined);
  assert.equal(stageCounts(dir)['Agent 1'], 60);
  assert.equal(labelledCount(dir), 0);
  assert.ok(tasksOf(dir).every((t) => t.priority === null));
  const text = await cli(['run', agent('labels.mjs'), '--project', dir, '--dry-run', '--quiet']);
  assert.equal(text.code, 0);
  const human = await cli(['run', agent('labels.mjs'), '--project', dir, '--dry-run']);
  assert.match(human.stdout, /dry run: nothing was written/);
});

test('--dry-run cannot poll (--refresh-every): a coded usage error', async () => {
  const { dir } = makeProject(2, { workflow: singleAgentWorkflow().workflow });
  const r = await cli(['run', agent('labels.mjs'), '--project', dir, '--json', '--dry-run', '--refresh-every', '5']);
  assert.equal(r.code, 2);
  assert.equal(r.json.error.code, 'TA_CFG_INVALID');
  assert.match(r.json.error.message, /refresh-every/);
});

test('runAgentOnce runs a module in real workers and returns decisions and failures without writing', async () => {
  const { dir } = makeProject(20, { workflow: singleAgentWorkflow().workflow });
  const { decisions, failures, summary } = await runAgentOnce(agent('labels.mjs'), { project: dir, maxTasksPerStage: 7 });
  assert.equal(decisions.length, 7);
  assert.deepEqual(failures, []);
  assert.equal(summary.dryRun, true);
  assert.equal(stageCounts(dir)['Agent 1'], 20);
  const failing = await runAgentOnce(agent('flaky.mjs'), { project: dir, numRetries: 0 });
  assert.equal(failing.decisions.length, 0);
  assert.equal(failing.failures.length, 20);
  assert.ok(failing.failures.every((f) => f.code === 'TA_AGENT_THREW'));
});
