// Failure pathways and the dead-letter memory: onFailure (stage option and --on-failure) moves a
// task whose attempts are exhausted with its error recorded in a text classification or in client
// metadata; --max-failures stops a run early; failures are remembered per task (project.db, or a
// state file for Encord) and --skip-failed-after leaves repeat offenders alone until --retry-failed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { LabelRow } from '../../dist/index.js';
import { LocalProject, createTestProject } from '../../dist/testing.js';
import { agent, cli, lines, tmp } from '../helpers/cli.mjs';
import { makeKey, startEmulator } from '../helpers/emulator.mjs';
import { singleAgentWorkflow, stageCounts, tasksOf } from '../helpers/projects.mjs';

/** A single-agent project whose storage items carry client metadata {origin: "import"}; its workflow ids. */
function project(n) {
  const wf = singleAgentWorkflow();
  const dir = join(tmp(), 'project');
  const p = createTestProject(dir, { tasks: 0, workflow: wf.workflow });
  p.addDataUnits(
    Array.from({ length: n }, (_, i) => ({
      title: `img-${String(i).padStart(6, '0')}.jpg`,
      dataType: 'IMAGE',
      item: { itemType: 'image', name: `img-${i}.jpg`, relPath: null, mimeType: 'image/jpeg', clientMetadata: { origin: 'import' } },
    })),
  );
  const info = p.info;
  p.close();
  return { dir, info, wf };
}

/** Per data title: the Note classification's answer and the storage item's client metadata. */
function recorded(dir) {
  const p = LocalProject.open(dir);
  try {
    const out = {};
    const tasks = p.allTasks();
    const metas = p.listLabelRowMetadata(tasks.map((t) => t.dataHash));
    for (const m of metas) {
      const json = p.peekLabelRow(m.dataHash);
      const note = json ? new LabelRow(json, p.info.ontology).classifications({ name: 'Note' })[0] : undefined;
      const [item] = p.getStorageItems([m.backingItemUuid]);
      out[m.dataTitle] = {
        note: note ? new LabelRow(json, p.info.ontology).getAnswer(note.classificationHash, 'Note') : undefined,
        meta: JSON.parse(item.clientMetadata),
      };
    }
    return out;
  } finally {
    p.close();
  }
}

function run(dir, args = [], env = {}) {
  return cli(['run', agent('failing.mjs'), '--project', dir, '--json', '--num-retries', '1', ...args], { env });
}

for (const target of ['local', 'encord']) {
  for (const deps of ['none', 'label', 'item']) {
    test(`${target}, stage needs ${deps}: onFailure moves failed tasks along its pathway with the error in a text classification, or in client metadata`, async () => {
      for (const record of [{ classification: 'Note' }, { clientMetadata: 'agent_error' }]) {
        const { dir, info } = project(12);
        const env = { TA_FAIL: '3.jpg,7.jpg', TA_DEPS: deps, TA_ON_FAILURE: JSON.stringify({ pathway: 'to human', record }) };
        let r;
        if (target === 'local') {
          r = await run(dir, [], env);
        } else {
          const key = makeKey();
          const emu = await startEmulator(dir, ['--authorized-keys', key.pubFile]);
          try {
            r = await cli(
              ['run', agent('failing.mjs'), '--project', info.projectHash, '--json', '--num-retries', '1', '--state-dir', tmp()],
              { env: { ...env, ENCORD_SSH_KEY_FILE: key.keyFile, ENCORD_DOMAIN: emu.url, TA_ENCORD_BACKOFF_MS: '5' } },
            );
          } finally {
            await emu.stop();
          }
        }
        const what = `${target}/${deps}/${Object.keys(record)[0]}`;
        assert.equal(r.code, 1, `${what}: ${r.stderr}`);
        assert.deepEqual(stageCounts(dir), { 'Agent 1': 0, Annotate: 2, Complete: 10 }, what);
        const st = r.json.stages[0];
        assert.deepEqual([st.failed, st.failedMoved, st.moved], [{ TA_AGENT_THREW: 2 }, { 'to human': 2 }, { complete: 10 }], what);
        assert.deepEqual(
          r.json.failures.map((f) => [f.dataTitle, f.movedTo]).sort(),
          [
            ['img-000003.jpg', 'to human'],
            ['img-000007.jpg', 'to human'],
          ],
          what,
        );
        const rec = recorded(dir);
        for (const [title, v] of Object.entries(rec)) {
          const failed = title === 'img-000003.jpg' || title === 'img-000007.jpg';
          if ('classification' in record) {
            assert.equal(v.note, failed ? `TA_AGENT_THREW: Error: poison ${title}` : undefined, `${what} ${title}`);
            assert.deepEqual(v.meta, { origin: 'import' }, what);
          } else {
            assert.equal(v.note, undefined, what);
            assert.deepEqual(Object.keys(v.meta).sort(), failed ? ['agent_error', 'origin'] : ['origin'], `${what} ${title}`);
            if (failed)
              assert.deepEqual(
                [v.meta.agent_error.code, v.meta.agent_error.message, v.meta.agent_error.stage],
                ['TA_AGENT_THREW', `Error: poison ${title}`, 'Agent 1'],
                what,
              );
          }
        }
      }
    });
  }
}

test("--on-failure for every stage (with --on-failure-record); a crashed worker's task is moved too; bad pathways and classifications stop the run before any task (exit 2)", async () => {
  const { dir } = project(8);
  const r = await run(dir, ['--on-failure', 'to human', '--on-failure-record', 'metadata:why', '--threads', '1'], {
    TA_FAIL: '5.jpg',
    TA_CRASH: '1',
  });
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(r.json.stages[0].failed, { TA_WORKER_CRASHED: 1 });
  assert.deepEqual(stageCounts(dir), { 'Agent 1': 0, Annotate: 1, Complete: 7 });
  assert.equal(recorded(dir)['img-000005.jpg'].meta.why.code, 'TA_WORKER_CRASHED');

  const p2 = project(3);
  for (const [args, pattern] of [
    [['--on-failure', 'nowhere'], /failure pathway "nowhere" of stage "Agent 1" does not exist/],
    [['--on-failure', 'to human', '--on-failure-record', 'classification:Scene brightness'], /not a text classification/],
    [['--on-failure-record', 'metadata:x'], /on-failure-record needs on-failure/],
  ]) {
    const bad = await run(p2.dir, args, { TA_FAIL: '1.jpg' });
    assert.equal(bad.code, 2, bad.stderr);
    assert.equal(bad.json.error.code, 'TA_CFG_INVALID');
    assert.match(bad.json.error.message, pattern);
  }
  assert.deepEqual(stageCounts(p2.dir), { 'Agent 1': 3, Annotate: 0, Complete: 0 });
});

test('--max-failures stops dispatching once N tasks failed: what ran is committed and reported, the rest is unfinished (max-failures), exit 1', async () => {
  const { dir } = project(400);
  const log = join(tmp(), 'log');
  const r = await run(dir, ['--max-failures', '5', '--threads', '1', '--task-batch-size', '10', '--num-retries', '0'], {
    TA_FAIL: '.jpg',
    TA_LOG: log,
  });
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(r.json.stopped, { reason: 'max-failures', failures: r.json.failures.length });
  assert.ok(r.json.failures.length >= 5 && r.json.failures.length < 400, String(r.json.failures.length));
  const st = r.json.stages[0];
  assert.equal(st.attempted, r.json.failures.length);
  assert.equal(st.unfinished['max-failures'], 400 - st.attempted);
  assert.equal(lines(log).length, st.attempted);
  assert.equal(stageCounts(dir)['Agent 1'], 400);
});

test('--max-failures with whole batches in one chunk (batch ≥ the stage, any threads and concurrency): the rest of a chunk in flight does not start once N failed (seeded)', async () => {
  // The test above pins --task-batch-size 10; with the default 300 a chunk held the whole stage and
  // every task of it ran (and failed) past --max-failures 5.
  const seed = Number(process.env.TA_SEED ?? 5);
  let state = seed;
  const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let round = 0; round < 3; round++) {
    const max = 1 + Math.floor(random() * 5);
    const threads = 1 + Math.floor(random() * 2);
    const concurrency = [1, 4][Math.floor(random() * 2)];
    const why = `seed ${seed} round ${round}: ${JSON.stringify({ max, threads, concurrency })}`;
    const { dir } = project(200);
    const log = join(tmp(), 'log');
    const r = await run(
      dir,
      [
        '--max-failures',
        String(max),
        '--threads',
        String(threads),
        '--concurrency',
        String(concurrency),
        '--task-batch-size',
        '300',
        '--num-retries',
        '0',
      ],
      { TA_FAIL: '.jpg', TA_LOG: log },
    );
    assert.equal(r.code, 1, `${why}: ${r.stderr}`);
    const st = r.json.stages[0];
    // At most what was in progress when the N-th failed: N plus the other lanes' attempts.
    assert.ok(st.attempted >= max && st.attempted < max + threads * concurrency, `${why}: ${st.attempted} attempted`);
    assert.equal(lines(log).length, st.attempted, why);
    assert.deepEqual(r.json.stopped, { reason: 'max-failures', failures: st.attempted }, why);
    assert.deepEqual(st.unfinished, { 'max-failures': 200 - st.attempted }, why);
    assert.equal(stageCounts(dir)['Agent 1'], 200, why);
  }
});

test('failures are remembered per task; --skip-failed-after N leaves a task that failed N runs in a row alone until --retry-failed; success forgets it', async () => {
  const { dir } = project(10);
  const log = join(tmp(), 'log');
  const env = { TA_FAIL: '2.jpg,4.jpg', TA_LOG: log };
  const skip = ['--skip-failed-after', '2'];
  const first = await run(dir, skip, env);
  assert.equal(first.code, 1);
  const second = await run(dir, skip, env);
  assert.equal(second.code, 1);
  assert.equal(second.json.stages[0].attempted, 2);
  const failures = await cli(['print', 'failures', '--project', dir, '--json']);
  assert.deepEqual(failures.json.map((f) => [f.dataTitle, f.runsInARow, f.lastCode]).sort(), [
    ['img-000002.jpg', 2, 'TA_AGENT_THREW'],
    ['img-000004.jpg', 2, 'TA_AGENT_THREW'],
  ]);
  const before = lines(log).length;
  const third = await run(dir, skip, env);
  assert.equal(third.code, 0, 'nothing failed this run: the two were left alone');
  assert.equal(third.json.stages[0].leftAlone, 2);
  assert.equal(third.json.stages[0].attempted, 0);
  assert.equal(lines(log).length, before, 'their agents did not run');
  const retried = await run(dir, [...skip, '--retry-failed'], { ...env, TA_HEAL: '1' });
  assert.equal(retried.code, 0, retried.stderr);
  assert.deepEqual(retried.json.stages[0].moved, { complete: 2 });
  assert.deepEqual((await cli(['print', 'failures', '--project', dir, '--json'])).json, []);
  assert.deepEqual(stageCounts(dir), { 'Agent 1': 0, Annotate: 0, Complete: 10 });
});

test('Encord: the failure memory is a state file in --state-dir, kept across runs', async () => {
  const { dir, info } = project(6);
  const key = makeKey();
  const stateDir = tmp();
  const emu = await startEmulator(dir, ['--authorized-keys', key.pubFile]);
  const env = { ENCORD_SSH_KEY_FILE: key.keyFile, ENCORD_DOMAIN: emu.url, TA_ENCORD_BACKOFF_MS: '5', TA_FAIL: '1.jpg' };
  const args = [
    'run',
    agent('failing.mjs'),
    '--project',
    info.projectHash,
    '--json',
    '--num-retries',
    '0',
    '--skip-failed-after',
    '1',
    '--state-dir',
    stateDir,
  ];
  try {
    const a = await cli(args, { env });
    assert.equal(a.code, 1, a.stderr);
    assert.ok(existsSync(join(stateDir, `${info.projectHash}.db`)));
    const b = await cli(args, { env });
    assert.equal(b.code, 0, b.stderr);
    assert.equal(b.json.stages[0].leftAlone, 1);
    const listed = await cli(['print', 'failures', '--project', info.projectHash, '--state-dir', stateDir, '--json']);
    assert.deepEqual(
      listed.json.map((f) => [f.dataTitle, f.runsInARow]),
      [['img-000001.jpg', 1]],
    );
  } finally {
    await emu.stop();
  }
});

test('seeded sweep: random failures, batch sizes and threads, with and without a failure pathway: the summary is the database, the memory is the last failures', async () => {
  for (const seed of [11, 12, 13, 14]) {
    let s = seed;
    const rand = (n) => Math.floor(((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * n);
    const n = 5 + rand(60);
    const { dir } = project(n);
    const fail = [...new Set(Array.from({ length: 1 + rand(4) }, () => `${rand(10)}.jpg`))];
    const withPathway = seed % 2 === 0;
    const args = [
      '--task-batch-size',
      String(1 + rand(25)),
      '--threads',
      String(1 + rand(2)),
      ...(withPathway ? ['--on-failure', 'to human'] : []),
    ];
    const r = await run(dir, args, { TA_FAIL: fail.join(',') });
    const msg = `seed ${seed} (n ${n}, fail ${fail}, ${args.join(' ')})`;
    const failing = tasksOf(dir).filter((t) => fail.some((f) => t.dataTitle.endsWith(f)));
    assert.equal(r.code, failing.length > 0 ? 1 : 0, `${msg}: ${r.stderr}`);
    const counts = stageCounts(dir);
    assert.equal(counts.Complete, n - failing.length, msg);
    assert.equal(withPathway ? counts.Annotate : counts['Agent 1'], failing.length, msg);
    assert.equal(r.json.failures.length, failing.length, msg);
    assert.equal(r.json.stages[0].moved.complete ?? 0, n - failing.length, msg);
    const remembered = (await cli(['print', 'failures', '--project', dir, '--json'])).json.map((f) => f.taskUuid).sort();
    assert.deepEqual(remembered, failing.map((t) => t.uuid).sort(), msg);
  }
});
