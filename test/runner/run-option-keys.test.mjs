// Run options have one schema, and a key it does not have is an error (TA_CFG_INVALID) naming the
// key and the closest known one, at every entry point that takes options: new Runner({...}),
// runner.execute(), runner.runStage(), runner.handle(), runAgentOnce() and a module's own Runner
// under `task-agents run`. Nothing runs and nothing is touched; a correct key still works.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Runner } from '../../dist/index.js';
import { runAgentOnce } from '../../dist/testing.js';
import { agent, cli } from '../helpers/cli.mjs';
import { makeProject, singleAgentWorkflow, stageCounts } from '../helpers/projects.mjs';

// Every run option (the schema's keys, as README documents them).
const RUN_KEYS = [
  'project',
  'threads',
  'concurrency',
  'refreshEvery',
  'numRetries',
  'taskBatchSize',
  'maxTasksPerStage',
  'taskTimeoutMs',
  'retryBudget',
  'decoder',
  'quiet',
  'json',
  'dryRun',
  'queue',
  'queueName',
  'queueReconnectMs',
  'stage',
  'onFailure',
  'onFailureRecord',
  'maxFailures',
  'skipFailedAfter',
  'retryFailed',
  'stateDir',
  'credentials',
];

// Typos people make, and what the error must suggest (null: nothing is close enough).
const TYPOS = [
  ['taskBatchSise', 'taskBatchSize'],
  ['threds', 'threads'],
  ['thread', 'threads'],
  ['Threads', 'threads'],
  ['num-retries', 'numRetries'],
  ['num_retries', 'numRetries'],
  ['numRetry', 'numRetries'],
  ['taskTimeout', 'taskTimeoutMs'],
  ['retrybudget', 'retryBudget'],
  ['onFaliure', 'onFailure'],
  ['maxFailure', 'maxFailures'],
  ['skipFailedAfer', 'skipFailedAfter'],
  ['retryFaild', 'retryFailed'],
  ['statedir', 'stateDir'],
  ['queueReconectMs', 'queueReconnectMs'],
  ['dryrun', 'dryRun'],
  ['concurency', 'concurrency'],
  ['decodr', 'decoder'],
  ['maxTaskPerStage', 'maxTasksPerStage'],
  ['credential', 'credentials'],
  ['xyzzy', null],
  ['batch', null],
];

function expectUnknown(e, key, suggestion, where) {
  assert.equal(e?.code, 'TA_CFG_INVALID', `${where}: ${e?.stack ?? e}`);
  assert.ok(e.message.includes(`"${key}"`), `${where}: the message names "${key}": ${e.message}`);
  if (suggestion === null) assert.doesNotMatch(e.message, /did you mean/, where);
  else assert.ok(e.message.includes(`did you mean "${suggestion}"?`), `${where}: suggests "${suggestion}": ${e.message}`);
  return true;
}

test('new Runner({...}) with an unknown key throws TA_CFG_INVALID naming it and the closest option', () => {
  for (const [typo, suggestion] of TYPOS) {
    assert.throws(
      () => new Runner({ [typo]: 2 }),
      (e) => expectUnknown(e, typo, suggestion, `new Runner({ ${typo} })`),
    );
    assert.deepEqual(
      suggestionOf(() => new Runner({ [typo]: 2 }), typo),
      suggestion,
    );
  }
  // Several at once: every one is named, beside correct keys.
  assert.throws(
    () => new Runner({ threads: 2, threds: 2, taskBatchSise: 3 }),
    (e) => {
      expectUnknown(e, 'threds', 'threads', 'two typos');
      expectUnknown(e, 'taskBatchSise', 'taskBatchSize', 'two typos');
      assert.deepEqual(e.details.unknown, ['threds', 'taskBatchSise']);
      return true;
    },
  );
  // Every run option, and the preExecution hook, is a known key.
  const all = Object.fromEntries(RUN_KEYS.map((k) => [k, undefined]));
  assert.doesNotThrow(() => new Runner({ ...all, preExecution: () => undefined }));
});

function suggestionOf(fn, typo) {
  try {
    fn();
  } catch (e) {
    return e.details.suggestions[typo] ?? null;
  }
  assert.fail('did not throw');
}

// Seeded: a single random edit (swap, drop, double, change a letter) of a real key is always
// caught, and the suggestion is a key no farther from the typo than the one it came from.
test('a random one-edit typo of any run option is rejected with a nearest key as its suggestion', () => {
  const seed = Number(process.env.TEST_SEED ?? Date.now() % 100_000);
  let s = seed;
  const rand = (n) => (s = (s * 1103515245 + 12345) % 2 ** 31) % n;
  for (let i = 0; i < 400; i++) {
    const key = RUN_KEYS[rand(RUN_KEYS.length)];
    const typo = oneEdit(key, rand);
    if (RUN_KEYS.includes(typo) || typo === 'preExecution') continue;
    const suggestion = suggestionOf(() => new Runner({ [typo]: 1 }), typo);
    const where = `seed ${seed}: ${key} → ${typo} → ${suggestion}`;
    assert.ok(RUN_KEYS.includes(suggestion) || suggestion === 'preExecution', where);
    assert.ok(distance(plain(typo), plain(suggestion)) <= distance(plain(typo), plain(key)), where);
  }
});

function oneEdit(key, rand) {
  const i = rand(key.length);
  const letter = 'abcdefghijklmnopqrstuvwxyz'[rand(26)];
  switch (rand(4)) {
    case 0:
      return i + 1 < key.length ? key.slice(0, i) + key[i + 1] + key[i] + key.slice(i + 2) : key.slice(0, -1);
    case 1:
      return key.slice(0, i) + key.slice(i + 1);
    case 2:
      return key.slice(0, i) + key[i] + key.slice(i);
    default:
      return key.slice(0, i) + letter + key.slice(i + 1);
  }
}

const plain = (k) => k.toLowerCase().replace(/[-_]/g, '');

// The oracle: optimal string alignment distance, written independently of the library's.
function distance(a, b) {
  const d = [];
  for (let i = 0; i <= a.length; i++) {
    d.push([]);
    for (let j = 0; j <= b.length; j++) {
      if (i === 0 || j === 0) d[i][j] = i + j;
      else {
        d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

test('execute(), runStage(), handle() and runAgentOnce() reject an unknown key before anything runs', async () => {
  const { dir } = makeProject(3, { workflow: singleAgentWorkflow().workflow });
  const runner = new Runner({ project: dir });
  const module = agent('runner-options.mjs');
  await assert.rejects(runner.execute({ agentModule: module, threds: 1 }), (e) => expectUnknown(e, 'threds', 'threads', 'execute'));
  await assert.rejects(runner.runStage('Agent 1', { agentModule: module, onTsk: () => undefined }), (e) =>
    expectUnknown(e, 'onTsk', 'onTask', 'runStage'),
  );
  await assert.rejects(runner.runStage('Agent 1', { agentModule: module, numRetires: 1 }), (e) =>
    expectUnknown(e, 'numRetires', 'numRetries', 'runStage'),
  );
  await assert.rejects(runner.handle('[]', { stag: 'Agent 1' }), (e) => expectUnknown(e, 'stag', 'stage', 'handle'));
  await assert.rejects(runAgentOnce(module, { project: dir, maxTaskPerStage: 1 }), (e) =>
    expectUnknown(e, 'maxTaskPerStage', 'maxTasksPerStage', 'runAgentOnce'),
  );
  assert.deepEqual(stageCounts(dir), { 'Agent 1': 3, Annotate: 0, Complete: 0 });
  // The same options spelt right run: a dry run over every task.
  const { decisions } = await runAgentOnce(module, { project: dir, maxTasksPerStage: 2 });
  assert.equal(decisions.length, 2);
  assert.ok(decisions.every((d) => d.pathway === 'complete'));
});

test('task-agents run: a module whose Runner has an unknown key exits 2 with TA_CFG_INVALID, nothing touched; spelt right it runs', async () => {
  const { dir } = makeProject(5, { workflow: singleAgentWorkflow().workflow });
  const bad = await cli(['run', agent('runner-options.mjs'), '--project', dir, '--json'], {
    env: { RUNNER_OPTIONS: JSON.stringify({ taskBatchSise: 2 }) },
  });
  assert.equal(bad.code, 2, bad.stderr);
  assert.equal(bad.json?.error?.code, 'TA_CFG_INVALID', bad.stdout);
  expectUnknown(bad.json.error, 'taskBatchSise', 'taskBatchSize', 'cli');
  assert.deepEqual(stageCounts(dir), { 'Agent 1': 5, Annotate: 0, Complete: 0 });
  // Spelt right, and with its project list from the Runner (no --project): every task moves.
  const good = await cli(['run', agent('runner-options.mjs'), '--json'], {
    env: { RUNNER_OPTIONS: JSON.stringify({ taskBatchSize: 2, threads: 1, project: [dir] }) },
  });
  assert.equal(good.code, 0, good.stderr);
  assert.equal(good.json.stages[0].attempted, 5);
  assert.deepEqual(stageCounts(dir), { 'Agent 1': 0, Annotate: 0, Complete: 5 });
});
