import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LabelRow, encodeRle } from '../../dist/index.js';
import { code, fixture, ontology } from './helpers.mjs';

const square = [
  { x: 0.1, y: 0.1 },
  { x: 0.5, y: 0.1 },
  { x: 0.5, y: 0.5 },
];
const shapes = {
  Box: { boundingBox: { x: 0.1, y: 0.2, w: 0.3, h: 0.4 } },
  Plate: { rotatableBoundingBox: { x: 0.1, y: 0.2, w: 0.3, h: 0.4, theta: 45 } },
  Person: { polygon: square },
  Lane: {
    polyline: [
      { x: 0, y: 0 },
      { x: 1, y: 1 },
    ],
  },
  Keypoint: { point: { x: 0.25, y: 0.75 } },
  Road: { bitmask: { mask: Uint8Array.from([0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]), width: 4, height: 3 } },
  Hand: {
    skeleton: [
      { x: 0.1, y: 0.1 },
      { x: 0.2, y: 0.1 },
      { x: 0.2, y: 0.2, visibility: 'occluded' },
    ],
  },
};
const expected = {
  Box: (c) => assert.deepEqual(c.boundingBox, { x: 0.1, y: 0.2, w: 0.3, h: 0.4 }),
  Plate: (c) => assert.equal(c.rotatableBoundingBox.theta, 45),
  Person: (c) => {
    assert.deepEqual(c.polygon, square);
    assert.deepEqual(c.polygons, [[[0.1, 0.1, 0.5, 0.1, 0.5, 0.5]]]);
  },
  Lane: (c) =>
    assert.deepEqual(c.polyline, [
      { x: 0, y: 0 },
      { x: 1, y: 1 },
    ]),
  Keypoint: (c) => assert.deepEqual(c.point, { x: 0.25, y: 0.75 }),
  Road: (c) => assert.deepEqual(c.bitmask, { top: 0, left: 0, width: 4, height: 3, rleString: '525' }),
  Hand: (c) => {
    assert.deepEqual(
      c.skeleton.map((p) => p.name),
      ['wrist', 'thumb', 'index'],
      'names filled from the template',
    );
    assert.equal(c.skeleton[0].featureHash, 'wristFH1');
    assert.equal(c.skeleton[2].visibility, 'occluded');
  },
};

for (const [name, geometry] of Object.entries(shapes)) {
  test(`add, read back and remove a ${name} (${Object.keys(geometry)[0]}) on a video frame`, () => {
    const original = fixture('video-full');
    const lr = new LabelRow(original, ontology());
    const inst = lr.addObject({ name, frame: 4, confidence: 0.75, ...geometry });
    assert.equal(lr.isDirty, true);
    assert.match(inst.objectHash, /^[A-Za-z0-9+/]{8}$/);
    assert.equal(inst.frames.length, 1);
    assert.equal(inst.frames[0].frame, 4);
    assert.equal(inst.frames[0].confidence, 0.75);
    expected[name](inst.frames[0].coordinates);
    // The saved JSON parses back to the same instance.
    const again = new LabelRow(lr.toJSON(), ontology()).objectInstance(inst.objectHash);
    assert.deepEqual(again, inst);
    const fo = lr.toJSON().data_units[Object.keys(original.data_units)[0]].labels['4'].objects[0];
    assert.equal(fo.value, name.toLowerCase());
    assert.equal(fo.shape, inst.shape);
    assert.match(fo.createdAt, /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} UTC$/);
    assert.equal(lr.removeObject(inst.objectHash), true);
    assert.equal(lr.removeObject(inst.objectHash), false);
    assert.deepEqual(lr.toJSON(), original, 'removing restores the original row (empty frame dropped)');
  });
}

test('add on an image writes the single labels block and an object_answers entry', () => {
  const original = fixture('image-minimal');
  const lr = new LabelRow(original, ontology());
  const a = lr.addObject({ name: 'Person', polygon: square, attributes: {} });
  const b = lr.addObject({ name: 'Person', polygon: square });
  assert.notEqual(a.objectHash, b.objectHash);
  const out = lr.toJSON();
  assert.equal(Object.values(out.data_units)[0].labels.objects.length, 3);
  assert.deepEqual(out.object_answers[a.objectHash], { objectHash: a.objectHash, classifications: [] });
  lr.removeObject(a.objectHash);
  lr.removeObject(b.objectHash);
  assert.deepEqual(lr.toJSON(), original);
  assert.equal(lr.isDirty, true);
});

test('bitmask must cover the media size', () => {
  const lr = new LabelRow(fixture('image-minimal'), ontology()); // 20×10
  const mask = new Uint8Array(20 * 10);
  mask[0] = 1;
  const inst = lr.addObject({ name: 'Road', bitmask: { mask, width: 20, height: 10 } });
  assert.equal(inst.frames[0].coordinates.bitmask.rleString, encodeRle(mask, 20, 10));
  assert.throws(
    () => lr.addObject({ name: 'Road', bitmask: { mask: new Uint8Array(12), width: 4, height: 3 } }),
    code('TA_LABEL_ROW_INVALID', '20×10'),
  );
});

test('video track: frames range, static + dynamic answers, coordinates per frame', () => {
  const lr = new LabelRow(fixture('video-full'), ontology());
  const car = lr.addObject({
    name: 'Box',
    frames: { start: 3, end: 6 },
    boundingBox: { x: 0, y: 0, w: 0.5, h: 0.5 },
    attributes: { Colour: 'Blue', Shade: 'dark', Note: 'first' },
  });
  assert.deepEqual(
    car.frames.map((f) => f.frame),
    [3, 4, 5, 6],
  );
  assert.deepEqual(
    car.answers.map((a) => [a.attribute, a.value]),
    [
      ['Colour', 'Blue'],
      ['Shade', 'Dark'],
    ],
  );
  assert.deepEqual(
    car.dynamicAnswers.map((a) => [a.attribute, a.value, a.ranges]),
    [['Note', 'first', [[3, 6]]]],
  );
  lr.setAnswer(car.objectHash, 'Note', 'second', { frames: [5, 6] });
  lr.setAnswer(car.objectHash, 'Occluded', 'yes', { frames: { start: 4, end: 4 } });
  let now = lr.objectInstance(car.objectHash);
  assert.deepEqual(
    now.dynamicAnswers.map((a) => [a.attribute, a.value, a.ranges]),
    [
      ['Note', 'first', [[3, 4]]],
      ['Note', 'second', [[5, 6]]],
      ['Occluded', 'Yes', [[4, 4]]],
    ],
  );
  assert.equal(lr.getAnswer(car.objectHash, 'Note', { frame: 6 }), 'second');
  const action = lr.toJSON().object_actions[car.objectHash].actions.find((x) => x.answers === 'second');
  assert.equal(action.dynamic, true);
  assert.equal(action.shouldPropagate, false);
  assert.match(action.trackHash, /^[A-Za-z0-9+/]{8}$/);
  // Changing the radio drops the answer nested under the old option.
  lr.setAnswer(car.objectHash, 'Colour', 'red');
  now = lr.objectInstance(car.objectHash);
  assert.deepEqual(
    now.answers.map((a) => [a.attribute, a.value]),
    [['Colour', 'Red']],
  );
  lr.clearAnswer(car.objectHash, 'Note', { frames: [3] });
  assert.deepEqual(lr.objectInstance(car.objectHash).dynamicAnswers.find((a) => a.value === 'first').ranges, [[4, 4]]);
  // Coordinates: replace one frame, extend the track, drop frames.
  lr.setObjectCoordinates(car.objectHash, 3, { boundingBox: { x: 0.2, y: 0.2, w: 0.1, h: 0.1 } }, { confidence: 0.4 });
  lr.setObjectCoordinates(car.objectHash, 9, { boundingBox: { x: 0.3, y: 0.3, w: 0.1, h: 0.1 } });
  now = lr.objectInstance(car.objectHash);
  assert.deepEqual(
    now.frames.map((f) => [f.frame, f.coordinates.boundingBox.x, f.confidence]),
    [
      [3, 0.2, 0.4],
      [4, 0, 1],
      [5, 0, 1],
      [6, 0, 1],
      [9, 0.3, 1],
    ],
  );
  assert.deepEqual(
    lr.removeObjectFrames(car.objectHash, [3, 4]).frames.map((f) => f.frame),
    [5, 6, 9],
  );
  assert.equal(lr.removeObjectFrames(car.objectHash, [5, 6, 9]), undefined);
  assert.equal(lr.objectInstance(car.objectHash), undefined);
  assert.equal(lr.toJSON().object_actions[car.objectHash], undefined);
});

test('classifications: radio with nested answer, checklist, text, numeric; one per frame', () => {
  const original = fixture('video-full');
  const lr = new LabelRow(original, ontology());
  assert.throws(
    () => lr.addClassification({ name: 'Weather', frames: [2, 3], answer: 'Rainy' }),
    code('TA_LABEL_ROW_INVALID', 'frame(s) 2'),
  );
  const rain = lr.addClassification({
    name: 'weather',
    frames: { start: 3, end: 5 },
    answer: 'Rainy',
    attributes: { Intensity: 'Heavy' },
    confidence: 0.9,
  });
  assert.deepEqual(rain.frames, [3, 4, 5]);
  assert.equal(rain.answer, 'Rainy');
  assert.deepEqual(
    rain.answers.map((a) => [a.attribute, a.value]),
    [
      ['Weather', 'Rainy'],
      ['Intensity', 'Heavy'],
    ],
  );
  const tags = lr.addClassification({ name: 'Tags', frame: 0, answer: ['indoor', 'NIGHT'] });
  assert.deepEqual(tags.answer, ['Indoor', 'Night']);
  const cap = lr.addClassification({ name: 'Caption', answer: 'a street' });
  const cnt = lr.addClassification({ featureHash: 'clsFH004', answer: 7 });
  assert.deepEqual([cap.frames, cap.answer, cnt.answer], [[0], 'a street', 7]);
  const json = lr.toJSON();
  const wire = json.classification_answers[rain.classificationHash];
  assert.deepEqual(wire.spaces, {});
  assert.equal(wire.featureHash, 'clsFH001');
  const frame3 = Object.values(json.data_units)[0].labels['3'].classifications[0];
  assert.deepEqual([frame3.name, frame3.value, frame3.featureHash, frame3.confidence], ['Weather', 'weather', 'clsFH001', 0.9]);
  assert.deepEqual(new LabelRow(json, ontology()).classificationInstance(rain.classificationHash), rain);
  lr.setAnswer(tags.classificationHash, 'Tags', ['Blurry']);
  assert.deepEqual(lr.classificationInstance(tags.classificationHash).answer, ['Blurry']);
  for (const c of [rain, tags, cap, cnt]) assert.equal(lr.removeClassification(c.classificationHash), true);
  assert.equal(lr.removeClassification('nope'), false);
  assert.deepEqual(lr.toJSON(), original);
});

test('failed adds leave the row untouched', () => {
  const original = fixture('video-full');
  const lr = new LabelRow(original, ontology());
  assert.throws(() =>
    lr.addObject({ name: 'Box', frames: [0, 1], boundingBox: { x: 0, y: 0, w: 1, h: 1 }, attributes: { Colour: 'Green' } }),
  );
  assert.throws(() => lr.addObject({ name: 'Box', frame: 0, boundingBox: { x: 0, y: 0, w: 1, h: 1 }, confidence: 2 }));
  assert.deepEqual(lr.toJSON(), original);
  assert.equal(lr.isDirty, false);
});
