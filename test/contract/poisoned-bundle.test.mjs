// A bundled write the platform rejects as a whole (413 for one oversized row, 400 for one row with
// a feature the ontology lacks) is split in halves until only the offending task is left: that
// task fails with the platform's status, every other task of the bundle is saved and moved in the
// same run, and the split costs a few requests, not one per task.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeProject, singleAgentWorkflow, stageCounts, tasksOf, labelRowsOf } from '../helpers/projects.mjs';
import { runOn } from '../helpers/emulator.mjs';

const CASES = [
  { name: 'one oversized row (413) first in a bundle of 50', n: 50, batch: 50, bad: { 0: 'huge' } },
  { name: 'one foreign feature (400) in the middle of 50', n: 50, batch: 50, bad: { 17: 'foreign-feature' } },
  {
    name: 'a 413 and a 400 in bundles of 25, the last task bad too',
    n: 60,
    batch: 25,
    bad: { 3: 'foreign-feature', 20: 'huge', 59: 'huge' },
  },
  // Splitting every entry apart would cost 2n - 1 requests; the cap (8·log2(n+1) re-sends) stops it.
  {
    name: 'every row bad: the split gives up at its cap instead of a request per row',
    n: 50,
    batch: 50,
    bad: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [i, 'foreign-feature'])),
    maxSaves: 1 + 8 * 6,
  },
];

for (const c of CASES) {
  test(`poisoned bundle: ${c.name}`, async () => {
    const p = makeProject(c.n, { workflow: singleAgentWorkflow().workflow });
    const r = await runOn(
      'encord',
      'bad-rows.mjs',
      p.dir,
      p.info.projectHash,
      ['--threads', '2', '--task-batch-size', String(c.batch)],
      { TA_BAD: JSON.stringify(c.bad), TA_HUGE_BYTES: '300000' },
      ['--max-body-bytes', '200000'],
    );
    assert.equal(r.code, 1, r.stderr);
    const badTitles = Object.keys(c.bad)
      .map((i) => `img-${i.padStart(6, '0')}.jpg`)
      .sort();
    assert.deepEqual(r.json.failures.map((f) => f.dataTitle).sort(), badTitles, 'only the offending tasks failed');
    for (const f of r.json.failures) {
      assert.equal(f.code, 'TA_COMMIT_FAILED');
      assert.match(
        f.message,
        new RegExp(c.bad[String(Number(f.dataTitle.slice(4, 10)))] === 'huge' ? '413|exceeds' : 'FEATURE_DOES_NOT_EXIST_ERROR'),
        f.message,
      );
    }
    const bad = Object.keys(c.bad).length;
    assert.equal(r.json.stages[0].moved.complete ?? 0, c.n - bad);
    assert.deepEqual(stageCounts(p.dir), { 'Agent 1': bad, Annotate: 0, Complete: c.n - bad });
    const stageOf = new Map(tasksOf(p.dir).map((t) => [t.dataTitle, t.stage]));
    for (const row of labelRowsOf(p.dir)) {
      const isBad = badTitles.includes(row.data_title);
      assert.equal(Object.keys(row.classification_answers).length > 0, !isBad, row.data_title);
      assert.equal(stageOf.get(row.data_title), isBad ? 'Agent 1' : 'Complete');
    }
    // Each bad row costs about two requests per halving of its bundle (log2), not a request per task.
    const saves = Object.entries(r.emulatorStats.requests)
      .filter(([k]) => /^(v1 labelrow POST|4\d\d v1)$/.test(k))
      .reduce((a, [, v]) => a + v, 0);
    const bundles = Math.ceil(c.n / Math.min(c.batch, 100));
    assert.ok(saves <= (c.maxSaves ?? bundles + bad * 2 * Math.ceil(Math.log2(Math.min(c.batch, 100)))), `${saves} save requests`);
  });
}
