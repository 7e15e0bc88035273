import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LabelRow, Ontology, OntologyDataModel } from '../../dist/index.js';
import { code, fixture, ontology } from './helpers.mjs';

// Mirrors encord-agents tests/test_ontology_model.py: feature hashes are drawn in order from uids.
const uids = [
  'aaaaaaaa',
  'aaaabbbb',
  'bbbbaaaa',
  'aaaacccc',
  'ccccaaaa',
  'aaaadddd',
  'ddddaaaa',
  'aaaaeeee',
  'ffffaaaa',
  'aaaa0000',
  '1111aaaa',
  'aaaa2222',
  '3333aaaa',
  '4444aaaa',
  '33335555',
  '6666aaaa',
  '33337777',
  '8888aaaa',
  '33339999',
];

const opt = (label, fh, nested) => ({
  id: fh,
  label,
  value: label.toLowerCase().replace(/ /g, '_'),
  featureNodeHash: fh,
  ...(nested && { options: nested }),
});
const attr = (name, type, fh, options) => ({ id: fh, name, type, featureNodeHash: fh, required: false, ...(options && { options }) });

function classificationOntology(build) {
  const gen = uids[Symbol.iterator]();
  const next = () => gen.next().value;
  const clsHash = next();
  return new Ontology({ objects: [], classifications: [{ id: '1', featureNodeHash: clsHash, attributes: [build(next)] }] });
}

function objectOntology(names, nestedFor = () => true) {
  const gen = uids[Symbol.iterator]();
  const next = () => gen.next().value;
  const objects = names.map((name, i) => {
    const o = { id: String(i), name, color: '#000000', shape: 'polygon', featureNodeHash: next(), attributes: [] };
    if (nestedFor(name)) {
      const a = next();
      o.attributes = [attr('count', 'radio', a, [opt('0 to 5', next()), opt('6 to 10', next()), opt('10 to 15', next())])];
    }
    return o;
  });
  return new Ontology({ objects, classifications: [] });
}

test('simple radio attribute', () => {
  const ont = classificationOntology((next) =>
    attr(
      'color',
      'radio',
      next(),
      ['red', 'blue', 'green'].map((l) => opt(l, next())),
    ),
  );
  const model = new OntologyDataModel(ont.classifications[0]);
  const drafts = model.parse('{"color": {"feature_node_hash": "aaaabbbb", "choice": "blue"}}');
  assert.equal(drafts.length, 1);
  assert.equal(drafts[0].featureHash, 'aaaaaaaa');
  assert.equal(drafts[0].answer, 'aaaacccc', 'option "blue" by feature hash');
  const schema = model.jsonSchema;
  assert.deepEqual(schema.properties.color.properties.choice.enum, ['red', 'blue', 'green']);
  assert.equal(schema.properties.color.properties.feature_node_hash.const, 'aaaabbbb');
  assert.deepEqual(schema.required, ['color']);
  assert.throws(
    () => model.parse('{"color": {"feature_node_hash": "aaaabbbb", "choice": "purple"}}'),
    code('TA_ONTOLOGY_MISMATCH', 'color.choice'),
  );
  assert.throws(() => model.parse('{"color": '), code('TA_ONTOLOGY_MISMATCH', 'not valid JSON'));
});

test('nested radio attribute', () => {
  const ont = classificationOntology((next) =>
    attr(
      'color',
      'radio',
      next(),
      ['red', 'blue', 'green'].map((l) => {
        const o = next();
        return opt(l, o, [attr('count', 'radio', next(), [opt('0 to 5', next()), opt('5 to 10', next()), opt('10 to 15', next())])]);
      }),
    ),
  );
  const model = new OntologyDataModel(ont.classifications);
  const [d] = model.parse({
    color: {
      feature_node_hash: 'aaaabbbb',
      choice: { feature_node_hash: 'bbbbaaaa', count: { feature_node_hash: 'aaaacccc', choice: '5 to 10' } },
    },
  });
  assert.equal(d.answer, 'bbbbaaaa');
  assert.equal(d.attributes.aaaacccc, 'aaaadddd', '"5 to 10" of red\'s count');
  // The draft adds cleanly to a label row built on the same ontology.
  const lr = new LabelRow(fixture('image-minimal'), ont.structure);
  const inst = lr.addClassification({ ...d, frames: [0] });
  assert.deepEqual(
    inst.answers.map((a) => [a.attribute, a.value]),
    [
      ['color', 'red'],
      ['count', '5 to 10'],
    ],
  );
});

test('only some options nested: flat options are picked by feature hash', () => {
  const ont = classificationOntology((next) =>
    attr(
      'color',
      'radio',
      next(),
      ['red', 'blue', 'green'].map((l) => {
        const o = next();
        return l === 'red'
          ? opt(l, o)
          : opt(l, o, [attr('count', 'radio', next(), [opt('0 to 5', next()), opt('5 to 10', next()), opt('10 to 15', next())])]);
      }),
    ),
  );
  const model = new OntologyDataModel(ont.classifications[0]);
  let [d] = model.parse(
    '{ "color": { "feature_node_hash": "aaaabbbb", "choice": { "feature_node_hash": "bbbbaaaa", "count": { "feature_node_hash": "aaaacccc" } } } }',
  );
  assert.deepEqual(d.attributes, { aaaabbbb: 'bbbbaaaa' });
  [d] = model.parse(
    '{ "color": { "feature_node_hash": "aaaabbbb", "choice": { "feature_node_hash": "aaaacccc", "count": { "feature_node_hash": "ccccaaaa", "choice": "5 to 10" } } } }',
  );
  assert.deepEqual(d.attributes, { aaaabbbb: 'aaaacccc', ccccaaaa: 'ddddaaaa' }, '"5 to 10" of blue\'s count');
});

test('simple text attribute', () => {
  const ont = classificationOntology((next) => attr('color', 'text', next()));
  const model = new OntologyDataModel(ont.classifications[0]);
  const [d] = model.parse('{"color": {"feature_node_hash": "aaaabbbb", "value": "my own free text"}}');
  assert.equal(d.answer, 'my own free text');
  assert.equal(model.jsonSchema.properties.color.properties.value.maxLength, 1000);
  assert.throws(() => model.parse({ color: { feature_node_hash: 'aaaabbbb', value: 'x'.repeat(1001) } }), code('TA_ONTOLOGY_MISMATCH'));
  assert.throws(
    () => model.parse({ color: { feature_node_hash: 'wrongwrong', value: 'x' } }),
    code('TA_ONTOLOGY_MISMATCH', 'feature_node_hash'),
  );
});

test('simple checklist: one boolean per option', () => {
  const ont = classificationOntology((next) =>
    attr(
      'what can you see?',
      'checklist',
      next(),
      ['blueberry', 'strawberry', 'leaves', 'flies'].map((l) => opt(l, next())),
    ),
  );
  const model = new OntologyDataModel(ont.classifications[0]);
  assert.deepEqual(Object.keys(model.jsonSchema.properties), ['what_can_you_see']);
  const [d] = model.parse(
    '{"what_can_you_see": {"feature_node_hash": "aaaabbbb", "blueberry": true, "strawberry": false, "leaves": true, "flies": false}}',
  );
  assert.deepEqual(d.answer, ['bbbbaaaa', 'ccccaaaa']);
  const lr = new LabelRow(fixture('image-minimal'), ont.structure);
  assert.deepEqual(lr.addClassification(d).answer, ['blueberry', 'leaves']);
});

test('flat objects: choice by name', () => {
  const ont = objectOntology(['strawberry', 'apple', 'pineapple', 'blueberry'], () => false);
  const model = new OntologyDataModel(ont.objects);
  const d = model.parse('{"choice": "blueberry"}');
  assert.equal(d.name, 'blueberry');
  assert.deepEqual(d.attributes, {});
  assert.deepEqual(model.jsonSchema.properties.choice.enum, ['strawberry', 'apple', 'pineapple', 'blueberry']);
  assert.throws(() => model.parse('{"choice": "banana"}'), code('TA_ONTOLOGY_MISMATCH'));
});

test('nested objects: choice by feature hash with attributes', () => {
  const ont = objectOntology(['strawberry', 'apple', 'pineapple', 'blueberry']);
  const model = new OntologyDataModel(ont.objects);
  const d = model.parse(
    '{"choice": { "feature_node_hash": "6666aaaa", "count": { "feature_node_hash": "33337777", "choice": "6 to 10" } } }',
  );
  assert.equal(d.name, 'blueberry');
  const lr = new LabelRow(fixture('image-minimal'), ont.structure);
  const inst = lr.addObject({
    ...d,
    frame: 0,
    polygon: [
      { x: 0, y: 0 },
      { x: 1, y: 0 },
      { x: 1, y: 1 },
    ],
  });
  assert.deepEqual(
    inst.answers.map((a) => [a.attribute, a.value]),
    [['count', '6 to 10']],
  );
});

test('only some objects nested, and a single nested object', () => {
  const ont = objectOntology(['strawberry', 'apple', 'pineapple', 'blueberry'], (n) => n !== 'blueberry');
  const model = new OntologyDataModel(ont.objects);
  let d = model.parse(
    '{"choice": { "feature_node_hash": "6666aaaa", "count": { "feature_node_hash": "33337777", "choice": "6 to 10" } } }',
  );
  assert.equal(d.name, 'blueberry');
  assert.deepEqual(d.attributes, {});
  d = model.parse({ choice: { feature_node_hash: 'aaaaaaaa', count: { feature_node_hash: 'aaaabbbb', choice: '6 to 10' } } });
  assert.equal(d.name, 'strawberry');
  assert.deepEqual(d.attributes, { aaaabbbb: 'aaaacccc' });
  assert.equal(model.parse('{"choice": "blueberry"}').name, 'blueberry');
  const single = new OntologyDataModel(objectOntology(['my_single_object']).objects[0]);
  d = single.parse('{"choice": {"feature_node_hash": "aaaaaaaa", "count": {"feature_node_hash": "aaaabbbb", "choice": "10 to 15"}}}');
  assert.deepEqual([d.name, d.attributes.aaaabbbb], ['my_single_object', 'ccccaaaa']);
});

test('mixing kinds, empty input and non-box shapes are rejected', () => {
  const ont = new Ontology(ontology());
  assert.throws(() => new OntologyDataModel([ont.objects[0], ont.classifications[0]]), code('TA_ONTOLOGY_MISMATCH', 'mix'));
  assert.throws(() => new OntologyDataModel([]), code('TA_ONTOLOGY_MISMATCH'));
  assert.throws(() => new OntologyDataModel(ont.objects), code('TA_ONTOLOGY_MISMATCH', 'Keypoint (point)'));
});

test('all classifications of a real ontology in one model (radio, checklist, text, numeric)', () => {
  const ont = new Ontology(ontology());
  const model = new OntologyDataModel(ont.classifications);
  assert.deepEqual(Object.keys(model.jsonSchema.properties).sort(), ['caption', 'count', 'tags', 'weather']);
  assert.equal(typeof model.jsonSchemaString, 'string');
  const drafts = model.parse({
    weather: {
      feature_node_hash: 'wthrFH01',
      choice: { feature_node_hash: 'rainFH01', intensity: { feature_node_hash: 'intsFH01', choice: 'Heavy' } },
    },
    tags: { feature_node_hash: 'tagsFH01', indoor: false, night: true, blurry: true },
    caption: { feature_node_hash: 'captFH01', value: 'wet street' },
    count: { feature_node_hash: 'cntFH001', value: 4 },
  });
  const lr = new LabelRow(fixture('image-minimal'), ont.structure);
  const answers = drafts.map((d) => lr.addClassification(d).answer);
  assert.deepEqual(answers, ['Rainy', ['Night', 'Blurry'], 'wet street', 4]);
  assert.equal(lr.classifications({ name: 'Weather' })[0].answers[1].value, 'Heavy');
});
