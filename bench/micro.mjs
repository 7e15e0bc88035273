#!/usr/bin/env node
// Micro-benchmark tier (tinybench): the runner's hot functions in isolation, so a regression in
// one shows without the noise of a whole run. Each row is ns per item (task, entry, lookup) at the
// median of tinybench's samples, against a reference measured in the same run: the simplest code
// doing the same job (what the function has to beat, or stay near). Uses dist/ (build first).
//   chunk packing    packTasks → structured clone → unpackTasks (what crossing to a worker costs a
//                    chunk of 300 tasks), and the outcomes' way back; reference: structured clone of
//                    the plain payloads / outcomes
//   commit buffer    CommitBuffer.add of 1000 decisions and the flush to a platform whose calls
//                    return at once (the buffer's own cost); reference: building the same proceed
//                    bundle by hand and making the same call
//   pathway          resolvePathway by title and by UUID on a stage with 3 pathways; reference: a
//                    Map lookup of the title
//   label-row toJSON LabelRow.toJSON of a row with 50 boxes; reference: JSON.parse(JSON.stringify())
// Usage: node bench/micro.mjs [--quick]
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { formatTable, row } from './common.mjs';

const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;

function tasks(n) {
  const now = new Date().toISOString();
  return Array.from({ length: n }, (_, i) => ({
    task: {
      uuid: randomUUID(),
      createdAt: now,
      updatedAt: now,
      status: 'NEW',
      dataHash: randomUUID(),
      dataTitle: `img-${String(i).padStart(6, '0')}.jpg`,
      labelBranchName: 'main',
      assignee: null,
      lastActionedBy: null,
    },
  }));
}

/** ns per item of a benchmarked function over `items` items (tinybench's median sample). */
const nsPerItem = (task, items) => (task.result.latency.p50 * 1e6) / items;

export async function runMicroBench({ quick = false, smoke = false } = {}) {
  const [
    { packTasks, unpackTasks, packOutcomes, unpackOutcomes },
    { resolvePathway },
    { CommitBuffer },
    { LabelRow },
    { createTestProject, defaultOntology },
  ] = await Promise.all([
    import(dist('shared/chunk-wire.js')),
    import(dist('shared/workflow.js')),
    import(dist('main/commit-buffer.js')),
    import(dist('index.js')),
    import(dist('testing.js')),
  ]);
  const time = smoke ? 20 : quick ? 150 : 500;
  const bench = new Bench({ time, warmup: true, warmupTime: smoke ? 10 : 100 });

  // chunk packing: a chunk of 300 plain tasks both ways.
  const CHUNK = 300;
  const payloads = tasks(CHUNK);
  const pathways = [
    { uuid: randomUUID(), title: 'complete', destinationUuid: randomUUID() },
    { uuid: randomUUID(), title: 'review', destinationUuid: randomUUID() },
    { uuid: randomUUID(), title: 'reject', destinationUuid: randomUUID() },
  ];
  const outcomes = payloads.map((p, i) => ({
    ok: true,
    taskUuid: p.task.uuid,
    dataHash: p.task.dataHash,
    attempts: 1,
    pathway: { uuid: pathways[i % 3].uuid, title: pathways[i % 3].title },
  }));
  bench.add('pack tasks', () => unpackTasks(structuredClone(packTasks(payloads))));
  bench.add('clone tasks', () => structuredClone(payloads));
  bench.add('pack outcomes', () => unpackOutcomes(structuredClone(packOutcomes(outcomes, payloads, pathways)), payloads, pathways));
  bench.add('clone outcomes', () => structuredClone(outcomes));

  // commit buffer: 1000 decisions (one full proceed bundle) added and flushed.
  const ENTRIES = 1000;
  const stageUuid = randomUUID();
  const stage = { uuid: stageUuid, title: 'Agent 1', pathways };
  // Task results as the stage pass hands them on (task-result.ts).
  const entries = tasks(ENTRIES).map((p, i) => ({
    task: p.task,
    stage,
    outcome: { kind: 'decision', pathway: { uuid: pathways[i % 3].uuid, title: pathways[i % 3].title } },
  }));
  let moved = 0;
  const nullPlatform = {
    bundleLimits: { saves: 100, priorities: 100, proceeds: 1000 },
    async proceedTasks(_stage, actions) {
      moved += actions.length;
      return { moved: [], skipped: [] };
    },
    async saveLabelRows() {},
    async setPriorities() {},
  };
  const listener = {
    moved() {},
    stayed() {},
    skipped() {},
    failed() {
      throw new Error('no commit may fail here');
    },
  };
  const buffer = new CommitBuffer(nullPlatform, listener, { saves: 100, priorities: 100, proceeds: 1000, intervalMs: 60_000 });
  bench.add('commit buffer', async () => {
    for (const e of entries) buffer.add(e);
    await buffer.flush();
  });
  bench.add('proceed bundle by hand', async () => {
    const actions = new Array(entries.length);
    for (let i = 0; i < entries.length; i++) actions[i] = { taskUuid: entries[i].task.uuid, pathwayUuid: entries[i].outcome.pathway.uuid };
    const r = await nullPlatform.proceedTasks(stageUuid, actions);
    for (const e of entries) if (r.skipped.includes(e.task.uuid)) listener.skipped(e);
  });

  // pathway resolution.
  const byTitle = new Map(pathways.map((p) => [p.title, p]));
  const LOOKUPS = 1000;
  const names = Array.from({ length: LOOKUPS }, (_, i) => pathways[i % 3].title);
  const uuids = Array.from({ length: LOOKUPS }, (_, i) => pathways[i % 3].uuid);
  let sink = 0;
  bench.add('pathway by title', () => {
    for (const n of names) sink += resolvePathway(n, stage).title.length;
  });
  bench.add('pathway by uuid', () => {
    for (const u of uuids) sink += resolvePathway(u, stage).title.length;
  });
  bench.add('pathway Map lookup', () => {
    for (const n of names) {
      const p = byTitle.get(n);
      sink += { uuid: p.uuid, title: p.title }.title.length;
    }
  });

  // label-row toJSON: a real empty row of a local project with 50 boxes added.
  const dir = join(mkdtempSync(join(tmpdir(), 'ta-bench-micro-')), 'p');
  let json;
  try {
    const project = createTestProject(dir, { tasks: 1 });
    const [hash] = project.dataHashes();
    json = project.getLabelRows([hash]).get(hash);
    project.close();
  } finally {
    rmSync(join(dir, '..'), { recursive: true, force: true });
  }
  const lr = new LabelRow(json, defaultOntology());
  const BOXES = 50;
  for (let i = 0; i < BOXES; i++)
    lr.addObject({
      name: 'Bright region',
      frame: 0,
      boundingBox: { x: (i % 10) / 10, y: Math.floor(i / 10) / 10, w: 0.05, h: 0.05 },
      confidence: 0.9,
    });
  bench.add('label-row toJSON', () => lr.toJSON());
  const filled = lr.toJSON();
  bench.add('JSON round trip', () => JSON.parse(JSON.stringify(filled)));

  await bench.run();
  if (moved === 0) throw new Error('the commit buffer moved nothing');
  const t = Object.fromEntries(
    bench.tasks.map((x) => {
      if (x.result.state !== 'completed') throw new Error(`micro ${x.name}: ${x.result.state} ${x.result.error ?? ''}`);
      return [x.name, x];
    }),
  );
  const r = (c, name, items, ref, refLabel) =>
    row(c, nsPerItem(t[name], items), 'ns/item', { reference: nsPerItem(t[ref], items), refLabel });
  const rows = [
    r(`micro: chunk of ${CHUNK} tasks packed, cloned, unpacked`, 'pack tasks', CHUNK, 'clone tasks', 'structuredClone of the payloads'),
    r(`micro: ${CHUNK} outcomes packed, cloned, unpacked`, 'pack outcomes', CHUNK, 'clone outcomes', 'structuredClone of the outcomes'),
    r(
      `micro: commit buffer, ${ENTRIES} decisions added + flushed`,
      'commit buffer',
      ENTRIES,
      'proceed bundle by hand',
      'the bundle built by hand',
    ),
    r('micro: resolvePathway by title', 'pathway by title', LOOKUPS, 'pathway Map lookup', 'Map lookup'),
    r('micro: resolvePathway by UUID', 'pathway by uuid', LOOKUPS, 'pathway Map lookup', 'Map lookup'),
    r(`micro: label-row toJSON, ${BOXES} boxes`, 'label-row toJSON', 1, 'JSON round trip', 'JSON.parse(JSON.stringify())'),
  ];
  return {
    rows,
    samples: Object.fromEntries(
      bench.tasks.map((x) => [
        x.name,
        { p50Ms: x.result.latency.p50, meanMs: x.result.latency.mean, samples: x.result.latency.samplesCount ?? x.result.latency.df + 1 },
      ]),
    ),
    notes: sink < 0 ? ['unreachable'] : [],
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { rows } = await runMicroBench({ quick: process.argv.includes('--quick') });
  console.log(formatTable(rows));
}
