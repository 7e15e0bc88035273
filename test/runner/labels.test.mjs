// A returned label row is saved (bundled) before the task proceeds; export shows it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { agent, cli, tmp } from '../helpers/cli.mjs';
import { makeProject, singleAgentWorkflow, stageCounts, tasksOf } from '../helpers/projects.mjs';

test('a returned label row is saved with ≤ N/100+1 save calls, then the task moves', async () => {
  const { dir } = makeProject(150, { workflow: singleAgentWorkflow().workflow });
  const r = await cli(['run', agent('labels.mjs'), '--project', dir, '--json', '--threads', '2', '--task-batch-size', '50']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.json.calls.saveLabelRows <= 3, `save calls: ${r.json.calls.saveLabelRows}`);
  assert.equal(r.json.calls.getLabelRows, 3);
  assert.equal(stageCounts(dir).Complete, 150);
  const out = join(tmp(), 'export.json');
  await cli(['project', 'export', dir, '--out', out]);
  const rows = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(rows.length, 150);
  for (const row of rows) {
    const cls = Object.values(row.classification_answers);
    assert.equal(cls.length, 1);
    assert.equal(cls[0].classifications[0].answers[0].name, 'Bright');
    const unit = Object.values(row.data_units)[0];
    assert.equal(unit.labels.objects.length, 1);
    assert.deepEqual(unit.labels.objects[0].boundingBox, { x: 0.1, y: 0.2, w: 0.3, h: 0.4 });
    assert.equal(row.label_status, 'LABELLED');
  }
  const p = tasksOf(dir);
  assert.equal(p.filter((t) => t.priority === 0).length, 15);
  assert.equal(p.filter((t) => t.priority === 0.5).length, 135);
});

test('a full save bundle writes only saves and priorities: 300 saving tasks cost 3 save calls and 1 proceed call', async () => {
  const { dir } = makeProject(300, { workflow: singleAgentWorkflow().workflow });
  const r = await cli(['run', agent('labels.mjs'), '--project', dir, '--json', '--threads', '1', '--task-batch-size', '300']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json.calls.saveLabelRows, 3);
  assert.equal(r.json.calls.setPriorities, 3);
  // 1 unless the 500 ms time flush fires mid-run on a loaded machine; flushing proceeds with every
  // full save bundle would make it 3.
  assert.ok(r.json.calls.proceedTasks <= 2, JSON.stringify(r.json.calls));
  assert.equal(stageCounts(dir).Complete, 300);
  const out = join(tmp(), 'export.json');
  await cli(['project', 'export', dir, '--out', out]);
  assert.equal(JSON.parse(readFileSync(out, 'utf8')).filter((row) => row.label_status === 'LABELLED').length, 300);
});
