// Label rows are checked at the save boundary: an agent whose row (or toJSON()) is junk fails
// that task with TA_LABEL_ROW_INVALID naming the first bad field; nothing of it is saved, the
// task stays in its stage, and every other task is labelled and moved. On both platforms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeProject, singleAgentWorkflow, stageCounts, tasksOf, labelRowsOf } from '../helpers/projects.mjs';
import { runOn } from '../helpers/emulator.mjs';

/** Junk kind → a regex the failure message must match (the path of the first bad field). */
const KINDS = {
  'not-object': /Label row \(root\)|Label row : expected an object/,
  'no-data-hash': /data_hash: expected a string/,
  'other-data-hash': /data_hash: is "00000000-0000-4000-8000-000000000000", but the task's data unit is /,
  'other-label-hash': /label_hash: is "ffffffff-ffff-4fff-8fff-ffffffffffff", but the task's label row is /,
  'units-string': /data_units: expected an object/,
  'nan-box': /data_units\.[\w-]+\.labels\.objects\[0\]\.boundingBox\.x: NaN is not a JSON number/,
  'no-feature-hash': /data_units\.[\w-]+\.labels\.objects\[0\]\.featureHash: expected a string/,
  function: /object_actions\.x: a function is not JSON/,
  cycle: /data_units\.[\w-]+\.self: refers back to itself/,
  date: /created_at: expected plain JSON data, got a Date/,
  'no-spaces': /classification_answers\.[^.\s]+\.spaces: missing/,
  throws: /labelRow\.toJSON\(\) threw: toJSON exploded/,
};

for (const target of ['local', 'encord']) {
  test(`${target}: junk label rows fail only their task, with the bad field's path; nothing of them is saved or moved`, async () => {
    const n = 30;
    const p = makeProject(n, { workflow: singleAgentWorkflow().workflow });
    const kinds = Object.keys(KINDS);
    const bad = Object.fromEntries(kinds.map((k, i) => [String(2 * i + 1), k])); // odd tasks, one kind each
    const r = await runOn(target, 'bad-rows.mjs', p.dir, p.info.projectHash, ['--threads', '2', '--task-batch-size', '7'], {
      TA_BAD: JSON.stringify(bad),
    });
    assert.equal(r.code, 1, r.stderr);
    const st = r.json.stages[0];
    assert.deepEqual(st.failed, { TA_LABEL_ROW_INVALID: kinds.length });
    assert.equal(st.moved.complete, n - kinds.length);
    for (const [idx, kind] of Object.entries(bad)) {
      const f = r.json.failures.find((x) => x.dataTitle === `img-${idx.padStart(6, '0')}.jpg`);
      assert.ok(f, `${kind}: a failure for task ${idx}`);
      assert.equal(f.code, 'TA_LABEL_ROW_INVALID', kind);
      assert.match(f.message, KINDS[kind], `${kind}: ${f.message}`);
    }
    assert.deepEqual(stageCounts(p.dir), { 'Agent 1': kinds.length, Annotate: 0, Complete: n - kinds.length });
    // Bad tasks stayed with their label rows untouched; good ones were saved with their labels.
    const stageOf = new Map(tasksOf(p.dir).map((t) => [t.dataTitle, t.stage]));
    for (const row of labelRowsOf(p.dir)) {
      const idx = String(Number(row.data_title.slice(4, 10)));
      const labelled = Object.keys(row.classification_answers).length > 0;
      assert.equal(labelled, !(idx in bad), `${row.data_title}: labelled = ${labelled}`);
      assert.equal(stageOf.get(row.data_title), idx in bad ? 'Agent 1' : 'Complete');
    }
  });
}
