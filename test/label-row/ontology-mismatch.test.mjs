import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LabelRow, Ontology } from '../../dist/index.js';
import { code, fixture, ontology } from './helpers.mjs';

const lr = () => new LabelRow(fixture('video-full'), ontology());
const bb = { boundingBox: { x: 0, y: 0, w: 0.1, h: 0.1 } };

test('unknown object name lists the valid objects', () => {
  assert.throws(
    () => lr().addObject({ name: 'Truck', ...bb }),
    code('TA_ONTOLOGY_MISMATCH', 'Truck', 'Box (bounding_box', 'Person (polygon'),
  );
  assert.throws(() => lr().addObject({ featureHash: 'nope1234', ...bb }), code('TA_ONTOLOGY_MISMATCH', 'nope1234'));
  assert.throws(() => lr().objects({ name: 'Truck' }), code('TA_ONTOLOGY_MISMATCH', 'Truck'));
});

test('geometry must match the ontology shape', () => {
  assert.throws(
    () =>
      lr().addObject({
        name: 'Box',
        polygon: [
          { x: 0, y: 0 },
          { x: 1, y: 0 },
          { x: 1, y: 1 },
        ],
      }),
    code('TA_ONTOLOGY_MISMATCH', 'bounding_box', 'polygon', '`boundingBox`'),
  );
  assert.throws(() => lr().addObject({ name: 'Person' }), code('TA_ONTOLOGY_MISMATCH', 'No coordinates'));
  assert.throws(() => lr().addObject({ name: 'Box', ...bb, point: { x: 0, y: 0 } }), code('TA_ONTOLOGY_MISMATCH', 'boundingBox + point'));
  assert.throws(() => lr().addObject({ name: 'Hand', skeleton: [{ x: 0, y: 0 }] }), code('TA_ONTOLOGY_MISMATCH', 'wrist, thumb, index'));
});

test('unknown options and attributes list the valid ones', () => {
  assert.throws(
    () => lr().addObject({ name: 'Box', ...bb, attributes: { Colour: 'Green' } }),
    code('TA_ONTOLOGY_MISMATCH', 'Green', 'Red, Blue'),
  );
  assert.throws(
    () => lr().addObject({ name: 'Box', ...bb, attributes: { Size: 'big' } }),
    code('TA_ONTOLOGY_MISMATCH', 'Size', 'Colour (radio', 'Note (text'),
  );
  assert.throws(() => lr().addClassification({ name: 'Weather', frame: 5, answer: 'Foggy' }), code('TA_ONTOLOGY_MISMATCH', 'Sunny, Rainy'));
  assert.throws(
    () => lr().addClassification({ name: 'Mood', answer: 'x' }),
    code('TA_ONTOLOGY_MISMATCH', 'Weather', 'Tags', 'Caption', 'Count'),
  );
  assert.throws(
    () => lr().addClassification({ name: 'Tags', frame: 5, answer: ['indoor', 'outdoor'] }),
    code('TA_ONTOLOGY_MISMATCH', 'outdoor', 'Indoor, Night, Blurry'),
  );
  assert.throws(() => lr().setAnswer('objBox01', 'Colour', 'Purple'), code('TA_ONTOLOGY_MISMATCH', 'Purple'));
});

test('answer types must fit the attribute type', () => {
  assert.throws(() => lr().addClassification({ name: 'Count', frame: 5, answer: 'three' }), code('TA_ONTOLOGY_MISMATCH', 'numeric'));
  assert.throws(() => lr().addClassification({ name: 'Caption', frame: 5, answer: 3 }), code('TA_ONTOLOGY_MISMATCH', 'text'));
  assert.throws(
    () => lr().addClassification({ name: 'Weather', frame: 5, answer: ['Sunny', 'Rainy'] }),
    code('TA_ONTOLOGY_MISMATCH', 'radio'),
  );
  assert.throws(() => lr().addClassification({ name: 'Weather', frame: 5 }), code('TA_ONTOLOGY_MISMATCH', 'needs an answer'));
});

test('name lookup: case-insensitive, exact case preferred, ambiguity reported', () => {
  const ont = new Ontology(ontology());
  assert.equal(ont.object('person').featureNodeHash, 'polyFH01');
  assert.equal(ont.object('Box').featureNodeHash, 'MjI2NzEy');
  assert.equal(ont.object('box').featureNodeHash, 'lboxFH01');
  assert.throws(() => ont.object('BOX'), code('TA_ONTOLOGY_MISMATCH', 'several'));
  assert.equal(ont.classification('WEATHER').featureNodeHash, 'clsFH001');
  assert.equal(ont.classification('wthrFH01').featureNodeHash, 'clsFH001', 'top-level attribute hash identifies it too');
  const colour = ont.attribute(ont.object('Box'), 'colour');
  assert.equal(ont.option(colour, 'BLUE').featureNodeHash, 'blueFH01');
  assert.equal(ont.option(colour, 'redFH001').label, 'Red');
  assert.equal(ont.attribute(ont.object('Box'), 'shade').featureNodeHash, 'shadFH01', 'nested attributes are found');
  assert.throws(() => ont.option(ont.attribute(ont.object('Box'), 'Note'), 'x'), code('TA_ONTOLOGY_MISMATCH', 'text attribute'));
  assert.equal(ont.skeletonTemplate('hand').points.length, 3);
});

test('a nested attribute under an unselected option is resolved only through the chosen option', () => {
  const o = structuredClone(ontology());
  // Give "Red" a nested attribute that shares its name with Blue's "Shade".
  o.objects[0].attributes[0].options[0].options = [{ id: 'x', name: 'Shade', type: 'text', featureNodeHash: 'redShade', required: false }];
  const row = new LabelRow(fixture('video-full'), o);
  const inst = row.addObject({ name: 'Box', frame: 7, ...bb, attributes: { Colour: 'Red', Shade: 'pinkish' } });
  assert.deepEqual(
    inst.answers.map((a) => [a.featureHash, a.value]),
    [
      ['colrFH01', 'Red'],
      ['redShade', 'pinkish'],
    ],
  );
  assert.throws(
    () => row.addObject({ name: 'Box', frame: 7, ...bb, attributes: { Shade: 'dark' } }),
    code('TA_ONTOLOGY_MISMATCH', 'several', 'under option'),
  );
});
