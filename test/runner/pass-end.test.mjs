// A pass ends honestly: every task the platform listed is attempted and reported, or counted in
// the stage's `unfinished` with its cause; only a cause the user asked for (the cap, Ctrl-C) keeps
// the run ok. The cap on both platforms, with server pages that straddle it; `lost` through the
// report's books (no real part can lose a task on demand).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunReport, formatSummary } from '../../dist/main/run-report.js';
import { makeProject, singleAgentWorkflow, stageCounts } from '../helpers/projects.mjs';
import { runOn } from '../helpers/emulator.mjs';

for (const target of ['local', 'encord']) {
  test(`${target}: --max-tasks-per-stage 10 with pages of 7: 10 attempted, the 4 listed past the cap reported, ok, exit 0`, async () => {
    const p = makeProject(20, { workflow: singleAgentWorkflow().workflow });
    const r = await runOn(
      target,
      'routing.mjs',
      p.dir,
      p.info.projectHash,
      ['--max-tasks-per-stage', '10', '--task-batch-size', '3'],
      { TA_LOCAL_PAGE_SIZE: '7' },
      ['--page-size', '7'],
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.ok, true);
    assert.equal(r.json.stages[0].attempted, 10);
    assert.deepEqual(r.json.stages[0].unfinished, { 'max-tasks-per-stage': 4 });
    assert.deepEqual(stageCounts(p.dir), { 'Agent 1': 10, Annotate: 0, Complete: 10 });
    // Two pages (14 tasks) cover the cap; the third is never asked for.
    assert.equal(r.json.calls.listTasks, 2);
  });

  test(`${target}: a cap above the stage's size and a full run leave nothing unfinished`, async () => {
    const p = makeProject(20, { workflow: singleAgentWorkflow().workflow });
    const r = await runOn(
      target,
      'routing.mjs',
      p.dir,
      p.info.projectHash,
      ['--max-tasks-per-stage', '50', '--task-batch-size', '3'],
      { TA_LOCAL_PAGE_SIZE: '7' },
      ['--page-size', '7'],
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json.stages[0].unfinished, {});
    assert.equal(r.json.stages[0].moved.complete, 20);
  });
}

test('the books: listed tasks neither reported nor counted are lost, and a lost task makes the run not ok', () => {
  const report = new RunReport();
  report.stage('s1', 'Agent 1');
  report.listed('s1', 10);
  const task = (i) => ({ uuid: `t${i}`, dataHash: `d${i}`, dataTitle: `img${i}.jpg` });
  const complete = { uuid: 'p1', title: 'complete' };
  for (let i = 0; i < 6; i++) report.moved('s1', task(i), complete);
  report.stayed('s1', task(6));
  report.failed('s1', task(7), { code: 'TA_AGENT_THREW', message: 'boom' });
  report.reconcile('s1');
  let s = report.summary({});
  assert.deepEqual(s.stages[0].unfinished, { lost: 2 });
  assert.equal(s.ok, false);
  assert.match(formatSummary(s), /2 listed task\(s\) were neither attempted nor reported/);
  // Reconciling again finds nothing new.
  report.reconcile('s1');
  assert.deepEqual(report.summary({}).stages[0].unfinished, { lost: 2 });

  const capped = new RunReport();
  capped.stage('s1', 'Agent 1');
  capped.listed('s1', 10);
  capped.unfinished('s1', 'max-tasks-per-stage', 3);
  capped.unfinished('s1', 'interrupted', 2);
  for (let i = 0; i < 5; i++) capped.moved('s1', task(i), complete);
  capped.reconcile('s1');
  s = capped.summary({});
  assert.deepEqual(s.stages[0].unfinished, { 'max-tasks-per-stage': 3, interrupted: 2 });
  assert.equal(s.ok, true);
  assert.match(formatSummary(s), /unfinished \{max-tasks-per-stage: 3, interrupted: 2\}/);
});
