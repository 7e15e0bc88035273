// deps.twinLabelRow() and deps.client() on local projects and through the emulator (two projects
// served at once), the twin check before the run, and deps.dataLookup()'s deprecation warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { LocalProject } from '../../dist/testing.js';
import { agent, cli, tmp } from '../helpers/cli.mjs';
import { makeKey, startEmulator } from '../helpers/emulator.mjs';
import { makeProject, singleAgentWorkflow, stageCounts, labelRowsOf } from '../helpers/projects.mjs';

/** Project A with `n` tasks, its twin B (made by the CLI), then `extra` data units added to A only. */
async function twinPair(n, extra = 0) {
  const a = makeProject(n, { workflow: singleAgentWorkflow().workflow });
  const bDir = join(a.dir, '..', 'twin');
  const r = await cli(['project', 'init', bDir, '--twin-of', a.dir, '--json']);
  assert.equal(r.code, 0, r.stderr);
  if (extra > 0) {
    const p = LocalProject.open(a.dir);
    p.addDataUnits(
      Array.from({ length: extra }, (_, i) => ({
        title: `only-a-${i}.jpg`,
        dataType: 'IMAGE',
        item: { itemType: 'image', name: `only-a-${i}.jpg`, relPath: null, mimeType: 'image/jpeg' },
      })),
    );
    p.close();
  }
  return { a, bDir, bHash: r.json.projectHash };
}

function labelledTwins(dir) {
  return labelRowsOf(dir).filter((row) =>
    Object.values(row.classification_answers).some((c) => c.classifications[0].answers[0].name === 'Bright'),
  ).length;
}

test('a twin project made with --twin-of shares the data hashes and has its own tasks and labels', async () => {
  const { a, bDir } = await twinPair(5);
  const pa = LocalProject.open(a.dir);
  const pb = LocalProject.open(bDir);
  try {
    assert.notEqual(pa.info.projectHash, pb.info.projectHash);
    assert.equal(pa.datasetHash, pb.datasetHash);
    const ta = pa.allTasks(),
      tb = pb.allTasks();
    assert.deepEqual(
      tb.map((t) => t.dataHash),
      ta.map((t) => t.dataHash),
    );
    assert.equal(new Set([...ta, ...tb].map((t) => t.uuid)).size, 10);
  } finally {
    pa.close();
    pb.close();
  }
});

for (const how of ['directory', 'projectHash']) {
  test(`local twinLabelRow by ${how}: twins are labelled and moved in the twin project, tasks without a twin get null`, async () => {
    const { a, bDir, bHash } = await twinPair(40, 3);
    const r = await cli(['run', agent('twin.mjs'), '--project', a.dir, '--json', '--threads', '2'], {
      env: { TA_TWIN: how === 'directory' ? bDir : bHash },
    });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const stage = r.json.stages[0];
    assert.deepEqual(stage.moved, { complete: 40, 'to human': 3 });
    assert.deepEqual(stage.twins, { saved: 40, moved: 40, skipped: 0 });
    // Twin writes are bundled: ≤ 100 saves and ≤ 1000 moves per call.
    assert.ok(r.json.calls['twin.saveLabelRows'] <= 2, JSON.stringify(r.json.calls));
    assert.ok(r.json.calls['twin.proceedTasks'] <= 2, JSON.stringify(r.json.calls));
    assert.equal(stageCounts(bDir).Complete, 40);
    assert.equal(stageCounts(a.dir).Complete, 40);
    assert.equal(labelledTwins(bDir), 40);
    assert.equal(labelledTwins(a.dir), 0);
  });
}

test('twinLabelRow through the emulator: two projects served at once, twins fetched per chunk (not per task)', async () => {
  const { a, bDir, bHash } = await twinPair(200);
  const key = makeKey();
  const emu = await startEmulator(a.dir, [bDir, '--authorized-keys', key.pubFile]);
  try {
    const env = { ENCORD_SSH_KEY_FILE: key.keyFile, ENCORD_DOMAIN: emu.url, TA_TWIN: bHash, TA_ENCORD_BACKOFF_MS: '5' };
    const r = await cli(['run', agent('twin.mjs'), '--project', a.info.projectHash, '--json', '--threads', '2'], { env });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.deepEqual(r.json.stages[0].moved, { complete: 200 });
    assert.deepEqual(r.json.stages[0].twins, { saved: 200, moved: 200, skipped: 0 });
    const stats = await emu.stats();
    // Twin saves and moves bundled with the run's commits: 2 × ⌈200/100⌉ saves, a few action posts.
    assert.ok(stats.requests['v1 labelrow POST'] <= 6, JSON.stringify(stats.requests));
    assert.ok(stats.requests['POST v2 …/stages/{s}/actions'] <= 6, JSON.stringify(stats.requests));
    // 200 tasks in chunks of ≤ 128: a handful of bulk lookups, where per-task lookups would be ≥ 200.
    assert.ok(stats.requests['v1 labelrowmetadata GET'] <= 12, JSON.stringify(stats.requests));
    assert.ok(stats.requests['GET v2 …/stages/{s}/tasks'] <= 24, JSON.stringify(stats.requests));
  } finally {
    await emu.stop();
  }
  assert.equal(stageCounts(bDir).Complete, 200);
  assert.equal(labelledTwins(bDir), 200);
});

test('twin writes of a failed attempt are never written; twin tasks that already left their stage are counted as skipped', async () => {
  const { a, bDir } = await twinPair(30);
  const r = await cli(['run', agent('twin.mjs'), '--project', a.dir, '--json', '--num-retries', '0'], {
    env: { TA_TWIN: bDir, TA_TWIN_THROW: '1' },
  });
  assert.equal(r.code, 1, r.stderr);
  const threw = r.json.failures.length;
  assert.ok(threw >= 3, JSON.stringify(r.json.failures));
  assert.deepEqual(r.json.stages[0].twins, { saved: 30 - threw, moved: 30 - threw, skipped: 0 });
  assert.equal(stageCounts(bDir).Complete, 30 - threw);
  assert.equal(labelledTwins(bDir), 30 - threw);
  // Twin tasks moved away by someone else before the commit are skipped; the rest still move.
  const { a: a2, bDir: b2 } = await twinPair(30);
  const raced = await cli(['run', agent('twin.mjs'), '--project', a2.dir, '--json'], { env: { TA_TWIN: b2, TA_TWIN_RACE: '1' } });
  assert.equal(raced.code, 0, raced.stderr);
  assert.deepEqual(raced.json.stages[0].moved, { complete: 30 });
  assert.deepEqual(raced.json.stages[0].twins, { saved: 30, moved: 27, skipped: 3 });
  assert.deepEqual(stageCounts(b2), { 'Agent 1': 0, Annotate: 3, Complete: 27 });
});

test('a twin project that cannot be read stops the run before any task, with TA_TWIN_PROJECT_UNAVAILABLE (exit 3)', async () => {
  const { dir } = makeProject(5, { workflow: singleAgentWorkflow().workflow });
  for (const twin of [randomUUID(), join(tmp(), 'nowhere')]) {
    const r = await cli(['run', agent('twin.mjs'), '--project', dir, '--json'], { env: { TA_TWIN: twin } });
    assert.equal(r.code, 3, r.stderr + r.stdout);
    assert.equal(r.json.error.code, 'TA_TWIN_PROJECT_UNAVAILABLE');
    assert.equal(stageCounts(dir)['Agent 1'], 5);
  }
});

for (const target of ['local', 'encord']) {
  test(`deps.client() and deprecated deps.dataLookup() on ${target}: agree with the bulk storage item; one deprecation warning`, async () => {
    const { dir, info } = makeProject(30, { workflow: singleAgentWorkflow().workflow });
    let r;
    if (target === 'local') {
      r = await cli(['run', agent('client-lookup.mjs'), '--project', dir, '--json', '--threads', '2']);
    } else {
      const key = makeKey();
      const emu = await startEmulator(dir, ['--authorized-keys', key.pubFile]);
      try {
        r = await cli(['run', agent('client-lookup.mjs'), '--project', info.projectHash, '--json', '--threads', '2'], {
          env: { ENCORD_SSH_KEY_FILE: key.keyFile, ENCORD_DOMAIN: emu.url },
        });
      } finally {
        await emu.stop();
      }
    }
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.deepEqual(r.json.stages[0].moved, { complete: 30 });
    assert.equal(r.stderr.match(/TA_DEP_DEPRECATED/g)?.length, 1, r.stderr);
  });
}
