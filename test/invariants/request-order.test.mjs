// The run's requests overlap where they may and never where they must not (issue 12, goal 4: label
// rows beside storage items, save bundles beside one another, pages ahead of the agents). A seeded
// sample of server page sizes × batch sizes × threads × emulator latency, through the CLI on the
// emulator, with an agent that needs the label row and the storage item and saves the row. From
// the emulator's own request log (each label-row call and action names the data units / tasks it
// was about), after every run:
//   - every task was moved once, by one action request, and its row saved once;
//   - a task's save had ended before the action request that moved it started;
//   - its label row was asked for only after a metadata request that listed it had ended, and
//     (with latency) label rows and storage items were on the server at once for some batch;
//   - bundles keep the platform's limits (100 saves, 1000 actions a request) and at most
//     MAX_EXTRAS_IN_FLIGHT save requests are on the server at once (and, in the last case, whose
//     batches are three full save bundles each, more than one);
//   - the summary equals the database, and the exit code is 0.
// TA_INVARIANT_SEED=N reruns another sample.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../dist/platform/emulator/index.js';
import { MAX_EXTRAS_IN_FLIGHT } from '../../dist/main/commit-buffer.js';
import { LocalProject } from '../../dist/testing.js';
import { agent, cli } from '../helpers/cli.mjs';
import { makeKey, startEmulator } from '../helpers/emulator.mjs';
import { makeProject, singleAgentWorkflow, stageCounts } from '../helpers/projects.mjs';
import { sampleDimensions } from '../helpers/seeded-cases.mjs';

const SEED = Number(process.env.TA_INVARIANT_SEED ?? 12);
const DIMENSIONS = { pageSize: [7, 100, 250], batchSize: [30, 100, 300], threads: [1, 2], latencyMs: [0, 10] };
const CASES = 6;

const SAVE = 'v1 labelrow POST';
const ACTIONS = 'POST v2 …/stages/{s}/actions';
const METADATA = 'v1 labelrowmetadata GET';
const ROWS = new Set(['v1 labelrow GET', 'v1 labelrow PUT']);
const ITEMS = 'POST v2 storage/items/get-bulk';

/** CASES cases in which every value of every dimension appears, in a seeded order; then two whose batches are several full save bundles (they must overlap). */
function sample(seed) {
  const random = seededRandom(seed);
  // Not a round number: pages and batches rarely divide it.
  const cases = sampleDimensions(random, CASES, DIMENSIONS).map((c) => ({ ...c, tasks: 230 + Math.floor(random() * 120) }));
  return [
    ...cases,
    { pageSize: 100, batchSize: 300, threads: 1, latencyMs: 10, tasks: 650, savesOverlap: true },
    // A full proceed bundle (1000) from one chunk: it is sent while that chunk's save bundles are still being written, and must wait for them.
    { pageSize: 250, batchSize: 1000, threads: 1, latencyMs: 10, tasks: 1000, savesOverlap: true },
  ];
}

/** The most intervals [start, end] open at one moment. */
function maxOverlap(intervals) {
  const edges = intervals
    .flatMap((r) => [
      [r.start, 1],
      [r.end, -1],
    ])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0,
    most = 0;
  for (const [, d] of edges) most = Math.max(most, (open += d));
  return most;
}

for (const c of sample(SEED)) {
  test(`request order holds: ${JSON.stringify(c)} (seed ${SEED})`, async () => {
    const wf = singleAgentWorkflow();
    const p = makeProject(c.tasks, { workflow: wf.workflow });
    const db = LocalProject.open(p.dir);
    const dataHashOf = new Map(
      db.db
        .prepare('SELECT uuid, data_hash FROM tasks')
        .all()
        .map((t) => [t.uuid, t.data_hash]),
    );
    db.close();
    const key = makeKey();
    const emu = await startEmulator(p.dir, [
      '--authorized-keys',
      key.pubFile,
      '--page-size',
      String(c.pageSize),
      ...(c.latencyMs ? ['--faults', `latency:${c.latencyMs}ms`] : []),
    ]);
    let r, log;
    try {
      r = await cli(
        [
          'run',
          agent('label-save.mjs'),
          '--project',
          p.info.projectHash,
          '--json',
          '--task-batch-size',
          String(c.batchSize),
          '--threads',
          String(c.threads),
        ],
        { env: { ENCORD_SSH_KEY_FILE: key.keyFile, ENCORD_DOMAIN: emu.url } },
      );
      log = await (await fetch(`${emu.url}/_emulator/requests`)).json();
    } finally {
      await emu.stop();
    }
    const where = `${JSON.stringify(c)}: exit ${r.code}, ${r.stderr.slice(-1500)}`;
    assert.equal(r.code, 0, where);
    assert.equal(log.dropped, 0);
    const ok = log.requests.filter((q) => q.status >= 200 && q.status < 300);

    // Every task moved once (one action request), its row saved once.
    const movedBy = new Map();
    for (const q of ok.filter((x) => x.endpoint === ACTIONS)) {
      assert.ok(q.items.length <= 1000, `${where}: ${q.items.length} actions in one request`);
      for (const t of q.items) {
        assert.ok(!movedBy.has(t), `${where}: task ${t} moved twice`);
        movedBy.set(t, q);
      }
    }
    const savedBy = new Map();
    const saves = ok.filter((x) => x.endpoint === SAVE);
    for (const q of saves) {
      assert.ok(q.items.length <= 100, `${where}: ${q.items.length} saves in one request`);
      for (const h of q.items) {
        assert.ok(!savedBy.has(h), `${where}: row ${h} saved twice`);
        savedBy.set(h, q);
      }
    }
    assert.equal(movedBy.size, c.tasks, where);
    assert.equal(savedBy.size, c.tasks, where);

    // A task's save ended before the request that moved it started.
    for (const [task, move] of movedBy) {
      const save = savedBy.get(dataHashOf.get(task));
      assert.ok(save, `${where}: task ${task} moved without its save`);
      assert.ok(save.end <= move.start, `${where}: task ${task} moved at ${move.start} before its save ended at ${save.end}`);
    }
    // A label row was asked for after a metadata request listing it had ended.
    const metaEnd = new Map();
    for (const q of ok.filter((x) => x.endpoint === METADATA))
      for (const h of q.items) metaEnd.set(h, Math.min(metaEnd.get(h) ?? Infinity, q.end));
    for (const q of ok.filter((x) => ROWS.has(x.endpoint))) {
      for (const h of q.items) assert.ok((metaEnd.get(h) ?? Infinity) <= q.start, `${where}: label row ${h} asked for before its metadata`);
    }
    // Label rows and storage items each need only the metadata: with a latency to overlap in, some batch had both on the server at once.
    const rowRequests = ok.filter((x) => ROWS.has(x.endpoint));
    const itemRequests = ok.filter((x) => x.endpoint === ITEMS);
    if (c.latencyMs > 0)
      assert.ok(
        rowRequests.some((q) => itemRequests.some((i) => i.start < q.end && q.start < i.end)),
        `${where}: label rows and storage items never fetched side by side`,
      );
    assert.ok(maxOverlap(saves) <= MAX_EXTRAS_IN_FLIGHT, `${where}: ${maxOverlap(saves)} saves at once`);
    // A batch of 300 saving tasks finishes as one chunk: its three full save bundles are written side by side.
    if (c.savesOverlap) assert.ok(maxOverlap(saves) >= 2, `${where}: the save bundles were written one at a time`);

    // The summary equals the database.
    const s = r.json.stages[0];
    assert.equal(s.attempted, c.tasks, where);
    assert.equal(s.moved.complete, c.tasks, where);
    assert.deepEqual(stageCounts(p.dir), { 'Agent 1': 0, Annotate: 0, Complete: c.tasks });
  });
}
