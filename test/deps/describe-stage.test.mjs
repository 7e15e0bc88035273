// describeStage (dist/worker/describe-stage.js), the pure stage → manifest step every worker runs
// at start: a table of stage definitions → what the main thread must prefetch, the twin projects it
// checks, the deprecation warnings it prints; then a seeded sweep over random dependency trees
// (which built-ins, nested how deep in defineDep needs, by object or by name, in which order)
// asserting that a stage needs exactly the union of what its built-ins need, wherever they sit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeStage } from '../../dist/worker/describe-stage.js';
import { deps, defineDep } from '../../dist/index.js';
import { seededRandom } from '../../dist/platform/emulator/index.js';

const FLAGS = ['needsMetadata', 'needsLabelRow', 'needsStorageItem', 'needsChildren'];
const flags = (m) => Object.fromEntries(FLAGS.map((f) => [f, m[f]]));
const stage = (d, options = {}) => describeStage({ stage: 'S', options: { deps: d, ...options } });
const none = { needsMetadata: false, needsLabelRow: false, needsStorageItem: false, needsChildren: false };
const meta = { ...none, needsMetadata: true };
const item = { ...meta, needsStorageItem: true };
const media = { ...item, needsChildren: true };
const TWIN = { twinProject: 'twin-hash' };

/** Every built-in alone: what it makes the main thread fetch. */
const SINGLE = [
  ['labelRow', () => deps.labelRow(), { ...meta, needsLabelRow: true }],
  ['labelRowMetadata', () => deps.labelRowMetadata(), meta],
  ['storageItem', () => deps.storageItem(), item],
  ['asset', () => deps.asset(), item],
  ['singleFrame', () => deps.singleFrame(), media],
  ['videoFrames', () => deps.videoFrames({ step: 2 }), media],
  ['videoSampler', () => deps.videoSampler({ whenNotVideo: 'null' }), media],
  ['client', () => deps.client(), none],
  ['twinLabelRow', () => deps.twinLabelRow(TWIN), none],
  ['dataLookup', () => deps.dataLookup(), none],
];

test('each built-in alone: its prefetch, and nothing else in the manifest', () => {
  for (const [name, make, expected] of SINGLE) {
    const m = stage({ d: make() });
    assert.deepEqual(flags(m), expected, name);
    assert.deepEqual(m.twins, name === 'twinLabelRow' ? [{ twinProject: 'twin-hash', initLabels: true, includeTask: false }] : [], name);
    assert.deepEqual(m.deprecatedDeps, name === 'dataLookup' ? ['deps.dataLookup()'] : [], name);
  }
});

test('every declaration in deps has a provider that describes it (no built-in left out)', () => {
  const described = new Set(SINGLE.map(([name]) => name));
  assert.deepEqual(Object.keys(deps).sort(), [...described].sort());
});

test('stage options reach the manifest as plain data', () => {
  const cases = [
    [{}, {}, { ref: 'S', ...none, willSetPriority: false, labelRowInclude: {}, labelRowInit: {}, twins: [], deprecatedDeps: [] }],
    [{}, { willSetPriority: true }, { ...meta, willSetPriority: true }],
    [
      { lr: deps.labelRow() },
      { labelRowInclude: { includeClientMetadata: true }, labelRowInit: { includeClassificationFeatureHashes: [] } },
      { needsLabelRow: true, labelRowInclude: { includeClientMetadata: true }, labelRowInit: { includeClassificationFeatureHashes: [] } },
    ],
    [{}, { onFailure: 'failed' }, { onFailure: { pathway: 'failed' } }],
    [
      {},
      { onFailure: { pathway: 'failed', record: { clientMetadata: 'why' } } },
      { onFailure: { pathway: 'failed', record: { clientMetadata: 'why' } } },
    ],
  ];
  for (const [d, options, expected] of cases) {
    const m = stage(d, options);
    for (const [k, v] of Object.entries(expected)) assert.deepEqual(m[k], v, `${JSON.stringify(options)}: ${k}`);
    if (!('onFailure' in expected)) assert.equal('onFailure' in m, false);
  }
});

test('twins are listed per declaration; a deprecated built-in is named once however often it is used', () => {
  const a = deps.twinLabelRow({ twinProject: 'a' });
  const b = deps.twinLabelRow({ twinProject: 'b', initLabels: false, includeTask: true });
  const shared = defineDep({ needs: { a }, create: () => 1 });
  const m = stage({
    a,
    b,
    x: shared,
    y: defineDep({ needs: { a, s: shared }, create: () => 2 }),
    l1: deps.dataLookup(),
    l2: deps.dataLookup(),
  });
  assert.deepEqual(m.twins, [
    { twinProject: 'a', initLabels: true, includeTask: false },
    { twinProject: 'b', initLabels: false, includeTask: true },
  ]);
  assert.deepEqual(m.deprecatedDeps, ['deps.dataLookup()']);
});

test('bad declarations fail with their codes', () => {
  const cases = [
    [{ task: deps.labelRow() }, 'TA_DEP_RESERVED_NAME'],
    [{ x: { not: 'a dep' } }, 'TA_DEP_MISSING'],
    [{ x: defineDep({ needs: { y: 'nope' }, create: () => 1 }) }, 'TA_DEP_MISSING'],
    [{ a: defineDep({ needs: { b: 'b' }, create: () => 1 }), b: defineDep({ needs: { a: 'a' }, create: () => 1 }) }, 'TA_DEP_CYCLE'],
  ];
  for (const [d, code] of cases)
    assert.throws(
      () => stage(d),
      (e) => e.code === code,
      code,
    );
  // Unnamed custom deps nested in each other share a label ("custom dependency"): no cycle (this was one before).
  let nested = deps.labelRow();
  for (let k = 0; k < 3; k++) nested = defineDep({ needs: { inner: nested }, create: () => k });
  assert.equal(stage({ nested }).needsLabelRow, true);
});

test('a built-in record this version does not know (another copy of the library) needs nothing here', () => {
  const foreign = Object.freeze({
    [Symbol.for('task-agents.dep')]: true,
    scope: 'task',
    builtin: 'fromTheFuture',
    needs: {},
    label: 'deps.fromTheFuture()',
  });
  assert.deepEqual(flags(stage({ f: foreign, lr: deps.labelRowMetadata() })), meta);
});

const SEED = Number(process.env.TA_INVARIANT_SEED ?? 9003);

test(`seeded sweep: a stage needs the union of its built-ins' needs, however they are nested or named (seed ${SEED})`, () => {
  const random = seededRandom(SEED);
  const pick = (n) => Math.floor(random() * n);
  for (let c = 0; c < 400; c++) {
    const chosen = Array.from({ length: pick(5) }, () => SINGLE[pick(SINGLE.length)]);
    const stageDeps = {};
    const expected = { ...none };
    let expectedTwins = 0;
    const shape = [];
    chosen.forEach(([name, make, need], i) => {
      for (const f of FLAGS) expected[f] ||= need[f];
      if (name === 'twinLabelRow') expectedTwins++;
      // Top level, or wrapped in 1..3 custom deps; the innermost need by object or, when top-level too, by name.
      let dep = make();
      const depth = pick(4);
      const byName = depth > 0 && random() < 0.3;
      if (byName) stageDeps[`b${i}`] = dep;
      for (let k = 0; k < depth; k++) dep = defineDep({ needs: { inner: k === 0 && byName ? `b${i}` : dep }, create: () => k });
      stageDeps[`d${i}`] = dep;
      shape.push(`${name}@${depth}${byName ? 'n' : ''}`);
    });
    const entries = Object.entries(stageDeps);
    if (random() < 0.5) entries.reverse();
    const m = stage(Object.fromEntries(entries), { willSetPriority: random() < 0.2 });
    if (m.willSetPriority) expected.needsMetadata = true;
    const where = `seed ${SEED}, case ${c}: ${shape.join(', ') || 'no deps'}`;
    assert.deepEqual(flags(m), expected, where);
    assert.equal(m.twins.length, expectedTwins, where);
    // The manifest crosses a thread boundary: plain data only.
    assert.deepEqual(structuredClone(m), m, where);
  }
});
