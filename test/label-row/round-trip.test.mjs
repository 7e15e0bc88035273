import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LabelRow } from '../../dist/index.js';
import { code, fixture, labelRowFixtureNames, ontology } from './helpers.mjs';

const names = labelRowFixtureNames();

test('there are fixtures for every data layout', () => {
  assert.ok(names.length >= 6, names.join(', '));
});

for (const file of names) {
  test(`round trip is lossless: ${file}`, () => {
    const json = fixture(file.replace(/\.json$/, ''));
    const lr = new LabelRow(json, ontology());
    // Exercise the readers before serialising: reading must not mutate.
    lr.objects();
    lr.classifications();
    for (const f of lr.frames) lr.objects({ frame: f });
    assert.deepStrictEqual(lr.toJSON(), json);
    assert.equal(lr.isDirty, false);
    assert.equal(lr.dataHash, json.data_hash);
    assert.equal(lr.labelHash, json.label_hash);
    assert.equal(lr.dataTitle, json.data_title);
    assert.equal(lr.dataType, json.data_type);
  });
}

test('toJSON returns a copy and the constructor copies its input', () => {
  const json = fixture('image-minimal');
  const lr = new LabelRow(json, ontology());
  json.data_title = 'changed';
  const out = lr.toJSON();
  assert.equal(out.data_title, 'img0.jpg');
  out.data_units = {};
  assert.equal(Object.keys(lr.toJSON().data_units).length, 1);
});

test('image group keeps string data_sequence and maps it to frames', () => {
  const json = fixture('img-group');
  const lr = new LabelRow(json, ontology());
  assert.deepEqual(lr.frames, [0, 1, 2]);
  const box = lr.objectInstance('grpBox01');
  assert.deepEqual(
    box.frames.map((f) => f.frame),
    [0, 1],
  );
  assert.deepEqual(box.frames[1].coordinates, { shape: 'bounding_box', boundingBox: { h: 0.4, w: 0.4, x: 0.1, y: 0.1 } });
  // Adding to frame 2 writes into the data unit whose data_sequence is "2", and stays a string.
  lr.addObject({ name: 'Box', frame: 2, boundingBox: { x: 0, y: 0, w: 0.1, h: 0.1 } });
  const out = lr.toJSON();
  const du2 = Object.values(out.data_units).find((d) => d.data_sequence === '2');
  assert.equal(du2.labels.objects.length, 1);
  assert.ok(Object.values(out.data_units).every((d) => typeof d.data_sequence === 'string'));
  assert.equal(out.workflow_graph_node.title, 'Agent 1');
  assert.throws(
    () => lr.addObject({ name: 'Box', frame: 3, boundingBox: { x: 0, y: 0, w: 0.1, h: 0.1 } }),
    code('TA_LABEL_ROW_INVALID', '0, 1, 2'),
  );
});

test('video fixture: every shape, static + dynamic answers, classification frames', () => {
  const lr = new LabelRow(fixture('video-full'), ontology());
  const byName = Object.fromEntries(lr.objects().map((o) => [o.name, o]));
  assert.deepEqual(Object.keys(byName).sort(), ['Box', 'Keypoint', 'Lane', 'Person', 'Plate', 'Road']);
  assert.deepEqual(
    byName.Box.frames.map((f) => f.frame),
    [0, 1],
  );
  assert.equal(byName.Box.frames[1].coordinates.boundingBox.x, 0.15);
  assert.deepEqual(
    byName.Box.answers.map((a) => [a.attribute, a.type, a.value]),
    [['Colour', 'radio', 'Red']],
  );
  assert.deepEqual(
    byName.Box.dynamicAnswers.map((a) => [a.attribute, a.value, a.ranges, a.trackHash]),
    [['Note', 'hello', [[0, 0]], 'fNwm2O2V']],
  );
  assert.deepEqual(byName.Person.frames[0].coordinates.polygon, [
    { x: 0.1, y: 0.1 },
    { x: 0.4, y: 0.1 },
    { x: 0.3, y: 0.5 },
  ]);
  assert.deepEqual(byName.Keypoint.frames[0].coordinates.point, { x: 0.5, y: 0.5 });
  assert.equal(byName.Lane.frames[0].coordinates.polyline.length, 3);
  assert.equal(byName.Plate.frames[0].coordinates.rotatableBoundingBox.theta, 30);
  assert.deepEqual(byName.Road.frames[0].coordinates.bitmask, { top: 0, left: 0, height: 3, width: 4, rleString: '525' });
  assert.deepEqual(
    lr.objects({ frame: 2 }).map((o) => o.name),
    ['Road'],
  );
  // 'box' (lower case) is its own ontology object: exact case wins over the case-insensitive 'Box'.
  assert.deepEqual(lr.objects({ frame: 1, name: 'box' }), []);
  assert.deepEqual(
    lr.objects({ frame: 1, name: 'Box' }).map((o) => o.objectHash),
    ['objBox01'],
  );
  assert.deepEqual(
    lr.objects({ featureHash: 'polyFH01' }).map((o) => o.objectHash),
    ['objPoly1'],
  );
  const [weather] = lr.classifications();
  assert.deepEqual(weather.frames, [0, 1, 2]);
  assert.equal(weather.answer, 'Sunny');
  assert.equal(weather.name, 'Weather');
  assert.deepEqual(lr.classifications({ frame: 3 }), []);
  assert.equal(lr.getAnswer('objBox01', 'Note', { frame: 0 }), 'hello');
  assert.equal(lr.getAnswer('objBox01', 'Note', { frame: 1 }), undefined);
  assert.equal(lr.getAnswer('objBox01', 'colour'), 'Red');
});

test('skeleton, text and numeric classifications, legacy visibility flags', () => {
  const lr = new LabelRow(fixture('image-skeleton'), ontology());
  const [hand] = lr.objects({ name: 'Hand' });
  const pts = hand.frames[0].coordinates.skeleton;
  assert.deepEqual(
    pts.map((p) => [p.name, p.visibility]),
    [
      ['wrist', 'visible'],
      ['thumb', 'occluded'],
      ['index', 'invisible'],
    ],
  );
  assert.equal(hand.frames[0].createdBy, null);
  assert.equal(lr.classifications({ name: 'Caption' })[0].answer, 'a raised hand');
  const count = lr.classifications({ name: 'count' })[0];
  assert.equal(count.answer, 3);
  assert.equal(count.frameInfo[0].confidence, 0.5);
});

test('image sequence: list-form polygon and multi-ring polygons', () => {
  const lr = new LabelRow(fixture('image-sequence'), ontology());
  const [p] = lr.objects();
  assert.deepEqual(
    p.frames.map((f) => f.frame),
    [0, 2],
  );
  assert.deepEqual(p.frames[0].coordinates.polygons, [[[0.1, 0.1, 0.2, 0.1, 0.2, 0.2]]]);
  assert.equal(p.frames[1].coordinates.polygons[0].length, 2, 'outer ring + hole');
  assert.deepEqual(p.frames[1].coordinates.polygon[2], { x: 0.5, y: 0.5 });
});

test('plain text objects come from object_answers with ranges', () => {
  const lr = new LabelRow(fixture('plain-text'), ontology());
  const [o] = lr.objects();
  assert.equal(o.objectHash, 'txtObj01');
  assert.deepEqual(o.ranges, [
    [0, 5],
    [10, 12],
  ]);
  assert.deepEqual(o.frames, []);
  assert.equal(o.ontologyObject, undefined);
  assert.throws(() => lr.addObject({ name: 'Box', frame: 0, boundingBox: { x: 0, y: 0, w: 1, h: 1 } }), code('TA_LABEL_ROW_INVALID'));
});

test('malformed label rows are rejected with the path', () => {
  const o = ontology();
  const noUnits = fixture('image-minimal');
  delete noUnits.data_units;
  assert.throws(() => new LabelRow(noUnits, o), code('TA_LABEL_ROW_INVALID', 'data_units'));
  const noBox = fixture('image-minimal');
  delete Object.values(noBox.data_units)[0].labels.objects[0].boundingBox;
  assert.throws(() => new LabelRow(noBox, o), code('TA_LABEL_ROW_INVALID', 'boundingBox'));
  const badFrame = fixture('video-full');
  Object.values(badFrame.data_units)[0].labels.x = { objects: [], classifications: [] };
  assert.throws(() => new LabelRow(badFrame, o), code('TA_LABEL_ROW_INVALID', 'labels.x'));
  const badAnswers = fixture('video-full');
  badAnswers.object_answers.objBox01.classifications = null;
  assert.throws(() => new LabelRow(badAnswers, o), code('TA_LABEL_ROW_INVALID', 'object_answers.objBox01'));
});
