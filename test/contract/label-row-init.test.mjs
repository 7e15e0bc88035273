// labelRowInit (initialise_labels' include_object_feature_hashes, include_classification_feature_hashes,
// include_reviews) filters label-row content on the local project and through the emulator as
// Encord does: the same rows on both, for a table of arguments; then end to end through the runner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEncordPlatform } from '../../dist/platform/encord/index.js';
import { startEmulator } from '../../dist/platform/emulator/index.js';
import { LocalPlatform, LocalProject } from '../../dist/testing.js';
import { FIXTURES, lines, tmp } from '../helpers/cli.mjs';
import { makeKey, runOn } from '../helpers/emulator.mjs';
import { makeProject, singleAgentWorkflow } from '../helpers/projects.mjs';

const VIDEO = JSON.parse(readFileSync(join(FIXTURES, 'label-rows', 'video-full.json'), 'utf8'));

/** Object and classification instances of a row, with their features, on frames and in the answer maps. */
function contents(row) {
  const frames = Object.values(row.data_units).flatMap((du) => Object.values(du.labels));
  return {
    objects: [...new Set(frames.flatMap((f) => f.objects.map((o) => `${o.objectHash}:${o.featureHash}`)))].sort(),
    classifications: [...new Set(frames.flatMap((f) => f.classifications.map((c) => `${c.classificationHash}:${c.featureHash}`)))].sort(),
    objectAnswers: Object.keys(row.object_answers).sort(),
    objectActions: Object.keys(row.object_actions).sort(),
    classificationAnswers: Object.keys(row.classification_answers).sort(),
    reviews: frames.flatMap((f) => [...f.objects, ...f.classifications]).filter((x) => 'reviews' in x).length,
  };
}

const CASES = [
  [{}, (c) => ({ ...c, reviews: 0 })],
  [{ includeReviews: true }, (c) => c],
  [
    { includeObjectFeatureHashes: ['MjI2NzEy', 'maskFH01'] },
    () => ({
      objects: ['objBox01:MjI2NzEy', 'objMask1:maskFH01'],
      classifications: ['clsInst1:clsFH001'],
      objectAnswers: ['objBox01', 'objMask1'],
      objectActions: ['objBox01'],
      classificationAnswers: ['clsInst1'],
      reviews: 0,
    }),
  ],
  [
    { includeObjectFeatureHashes: [], includeClassificationFeatureHashes: [], includeReviews: true },
    () => ({
      objects: [],
      classifications: [],
      objectAnswers: [],
      objectActions: [],
      classificationAnswers: [],
      reviews: 0,
    }),
  ],
  [
    { includeClassificationFeatureHashes: [], includeObjectFeatureHashes: ['pntFH001'], includeReviews: true },
    () => ({
      objects: ['objPnt01:pntFH001'],
      classifications: [],
      objectAnswers: ['objPnt01'],
      objectActions: [],
      classificationAnswers: [],
      reviews: 1,
    }),
  ],
  [
    { includeClassificationFeatureHashes: ['clsFH001'], includeObjectFeatureHashes: ['nope'] },
    () => ({
      objects: [],
      classifications: ['clsInst1:clsFH001'],
      objectAnswers: [],
      objectActions: [],
      classificationAnswers: ['clsInst1'],
      reviews: 0,
    }),
  ],
];

test('local project and emulator filter a stored video row alike, for every case; the stored row is untouched', async () => {
  const p = makeProject(1);
  const lp = LocalProject.open(p.dir);
  const [dataHash] = lp.dataHashes();
  // The fixture row, with review data on two frame instances (a point and a classification).
  const row = structuredClone({ ...VIDEO, data_hash: dataHash, label_hash: 'lh-video-1' });
  row.data_units[Object.keys(row.data_units)[0]].labels['0'].objects[2].reviews = [{ status: 'APPROVED' }];
  row.data_units[Object.keys(row.data_units)[0]].labels['1'].classifications[0].reviews = [{ status: 'REJECTED' }];
  lp.saveLabelRows([{ dataHash, labelHash: 'lh-video-1', labelRow: row }]);
  lp.close();
  const all = contents(row);
  assert.equal(all.reviews, 2);

  const key = makeKey();
  const emu = await startEmulator({ dir: p.dir });
  const local = new LocalPlatform(p.dir);
  const encord = createEncordPlatform({ projectHash: p.info.projectHash, keyText: key.keyText, domain: emu.url, env: {} });
  try {
    const [meta] = await local.listLabelRowMetadata([dataHash]);
    const [wireMeta] = await encord.listLabelRowMetadata([dataHash]);
    for (const [init, expect] of CASES) {
      const fromLocal = (await local.getLabelRows([meta], init)).get(dataHash);
      const fromEmulator = (await encord.getLabelRows([wireMeta], init)).get(dataHash);
      assert.deepEqual(contents(fromLocal), expect(all), JSON.stringify(init));
      assert.deepEqual(fromEmulator, fromLocal, `emulator = local for ${JSON.stringify(init)}`);
    }
    // Filtering is a read: the stored row still has everything.
    assert.deepEqual(contents((await local.getLabelRows([meta], { includeReviews: true })).get(dataHash)), all);
  } finally {
    await encord.close();
    await local.close();
    await emu.close();
  }
});

for (const target of ['local', 'encord']) {
  test(`${target}: a stage's labelRowInit decides what its agent's label row holds`, async () => {
    const p = makeProject(4, { workflow: singleAgentWorkflow().workflow });
    const run = (env) => runOn(target, 'label-init.mjs', p.dir, p.info.projectHash, ['--threads', '1'], env);
    const labelled = await run({ TA_MODE: 'label' });
    assert.equal(labelled.code, 0, labelled.stderr);
    assert.equal(labelled.json.stages[0].stayed, 4);
    const seen = async (init) => {
      const log = join(tmp(), 'log');
      const r = await run({ TA_INIT: JSON.stringify(init), TA_LOG: log });
      assert.equal(r.code, 0, r.stderr);
      const rows = lines(log).map((l) => JSON.parse(l));
      assert.equal(rows.length, 4);
      return rows.map(({ objects, classifications }) => ({ objects, classifications }));
    };
    const every = { objects: ['Bright region', 'Keypoint'], classifications: ['Scene brightness', 'Tags'] };
    assert.deepEqual(await seen({}), Array(4).fill(every));
    assert.deepEqual(
      await seen({ includeObjectFeatureHashes: ['keyPnt01'], includeClassificationFeatureHashes: [] }),
      Array(4).fill({ objects: ['Keypoint'], classifications: [] }),
    );
    assert.deepEqual(
      await seen({ includeClassificationFeatureHashes: ['tagsCl01'] }),
      Array(4).fill({ objects: every.objects, classifications: ['Tags'] }),
    );
  });
}
