// The seam every task's result passes (src/main/task-result-sink.ts): whatever the bundle limits,
// the flush interval, how results arrive (chunks of any size, failures taken over by a failure
// pathway and settled later, tasks that never started) and which writes the platform refuses
// (one bad task in a bundle: split down to it; an outage: the whole bundle fails), the report,
// the progress lines and the database agree. A seeded sweep through the real sink, the real
// CommitBuffer and a real local project (SQLite); the platform is wrapped only to refuse writes on
// demand, which a healthy local project never does. After every case:
//   - every result but a never-started one is reported exactly once, on its own task (uuid, title);
//   - the report's counts equal the database's (moved per pathway, failed moved, skipped, stayed);
//   - each task is where its report says (moved: the pathway's stage; failed or stayed: where it was);
//   - a label row is saved exactly when its task's decision had one and its save was not refused;
//   - progress: total = done = attempted, failed = the report's failures.
// The seed is printed with every case; TA_RESULT_SINK_SEED=N reruns another sample, TA_RESULT_SINK_CASES=K sizes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TaskResultSink } from '../../dist/main/task-result-sink.js';
import { CommitBuffer } from '../../dist/main/commit-buffer.js';
import { RunReport } from '../../dist/main/run-report.js';
import { seededRandom } from '../../dist/platform/emulator/index.js';
import { LocalPlatform, LocalProject, defaultOntology } from '../../dist/testing.js';
import { LabelRow, TaskAgentError } from '../../dist/index.js';
import { labelRowsOf, makeProject, singleAgentWorkflow, tasksOf } from '../helpers/projects.mjs';

const SEED = Number(process.env.TA_RESULT_SINK_SEED ?? 9);
const CASES = Number(process.env.TA_RESULT_SINK_CASES ?? 12);

const pick = (random, xs) => xs[Math.floor(random() * xs.length)];

/** Progress as the TTY display keeps it (progress.ts createProgress), per stage. */
function recordingProgress() {
  const stages = new Map();
  return {
    stages,
    stage(uuid, title) {
      if (!stages.has(uuid)) stages.set(uuid, { title, total: 0, done: 0, failed: 0 });
    },
    addTotal(uuid, n) {
      stages.get(uuid).total += n;
    },
    tick(uuid, { n = 1, failed = 0 } = {}) {
      const s = stages.get(uuid);
      s.done += n;
      s.failed += failed;
    },
    failure(uuid) {
      stages.get(uuid).failed++;
    },
    pass() {},
    log() {},
    stop() {},
  };
}

/** A number in [0, 1) from a string (FNV-1a): the same bundle gets the same fate whenever it is sent. */
function fateOf(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0) / 2 ** 32;
}

/**
 * The local platform, refusing some writes: any bundle with a poisoned task is refused as a
 * request (a 400: the buffer splits it down to that task); a share `outage` of the bundles fail
 * as a whole (which bundles: by their content, so a case replays whatever the timing).
 */
function refusingPlatform(local, { poisoned, outage, seed }) {
  const refuse = (op, keys) => {
    if (keys.some((k) => poisoned.has(k)))
      throw new TaskAgentError('TA_PLATFORM_REQUEST_FAILED', `injected: ${op} refused a bad entry`, { details: { status: 400 } });
    if (fateOf(`${seed}:${op}:${keys.join(',')}`) < outage)
      throw new TaskAgentError('TA_PLATFORM_UNREACHABLE', `injected: ${op} during an outage`);
  };
  return {
    bundleLimits: local.bundleLimits,
    async saveLabelRows(saves) {
      refuse(
        'saveLabelRows',
        saves.map((s) => s.dataHash),
      );
      return local.saveLabelRows(saves);
    },
    async setPriorities(ps) {
      refuse(
        'setPriorities',
        ps.map(([h]) => h),
      );
      return local.setPriorities(ps);
    },
    async proceedTasks(stageUuid, actions) {
      refuse(
        'proceedTasks',
        actions.map((a) => a.dataHash),
      );
      return local.proceedTasks(stageUuid, actions);
    },
  };
}

function sampleCase(random) {
  return {
    tasks: 40 + Math.floor(random() * 260),
    limits: { proceeds: pick(random, [1, 3, 7, 50, 1000]), saves: pick(random, [1, 5, 100]), priorities: pick(random, [1, 4, 100]) },
    intervalMs: pick(random, [0, 1, 5, 60_000]),
    batch: pick(random, [1, 13, 100, 1000]),
    chunk: pick(random, [1, 4, 30]),
    poisonRate: pick(random, [0, 0.02, 0.1]),
    outage: pick(random, [0, 0.05, 0.3]),
    preMoveRate: pick(random, [0, 0.1]),
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

async function runCase(c, seed) {
  const random = seededRandom(seed);
  const wf = singleAgentWorkflow();
  const p = makeProject(c.tasks, { workflow: wf.workflow });
  const local = new LocalPlatform(p.dir, { bundleLimits: c.limits });
  const other = LocalProject.open(p.dir); // another writer: moves some tasks away first (their moves come back skipped)
  try {
    const info = await local.getProject();
    const stage = info.workflow.stages.find((s) => s.uuid === wf.ids.agent);
    const complete = stage.pathways.find((x) => x.title === 'complete');
    const toHuman = stage.pathways.find((x) => x.title === 'to human');
    const tasks = [];
    for await (const page of local.taskPages(stage.uuid)) tasks.push(...page);
    const rows = await local.getLabelRows(await local.listLabelRowMetadata(tasks.map((t) => t.dataHash)));
    const ontology = defaultOntology();

    const poisoned = new Set(tasks.filter(() => random() < c.poisonRate).map((t) => t.dataHash));
    const preMoved = new Set(tasks.filter(() => random() < c.preMoveRate).map((t) => t.uuid));
    if (preMoved.size > 0)
      other.proceedTasks(
        stage.uuid,
        [...preMoved].map((taskUuid) => ({ taskUuid, pathwayUuid: toHuman.uuid })),
      );

    const report = new RunReport();
    report.stage(stage.uuid, stage.title);
    const events = new Map();
    report.onTask = (e) => {
      assert.ok(!events.has(e.taskUuid), `task ${e.taskUuid} reported twice`);
      events.set(e.taskUuid, e);
    };
    const progress = recordingProgress();
    progress.stage(stage.uuid, stage.title);
    const platform = refusingPlatform(local, { poisoned, outage: c.outage, seed });
    const sink = new TaskResultSink({
      report: () => report,
      progress,
      commits: (listener) => new CommitBuffer(platform, listener, { ...c.limits, intervalMs: c.intervalMs }),
    });

    /** What each task was decided to be, by uuid. */
    const planned = new Map();
    const later = [];
    for (let b = 0; b < tasks.length; b += c.batch) {
      const batch = tasks.slice(b, b + c.batch);
      sink.expect(stage.uuid, batch.length);
      for (let i = 0; i < batch.length; i += c.chunk) {
        const chunk = batch.slice(i, i + c.chunk);
        sink.attempting(stage.uuid, chunk.length);
        await tick();
        for (const task of chunk) {
          const roll = random();
          const plan = roll < 0.08 ? 'not-started' : roll < 0.2 ? 'failed' : roll < 0.3 ? 'failure-move' : roll < 0.45 ? 'stay' : 'move';
          const labelled = (plan === 'move' || plan === 'stay') && random() < 0.4;
          const priority = (plan === 'move' || plan === 'stay') && random() < 0.3 ? random() : undefined;
          planned.set(task.uuid, { plan, labelled });
          let outcome;
          if (plan === 'not-started') outcome = { kind: 'not-started' };
          else if (plan === 'failed' || plan === 'failure-move')
            outcome = { kind: 'failed', error: { code: 'TA_AGENT_THREW', message: `agent failed ${task.dataTitle}` } };
          else {
            let labelRow;
            if (labelled) {
              const lr = new LabelRow(rows.get(task.dataHash), ontology);
              lr.addClassification({ name: 'Scene brightness', answer: 'Bright' });
              labelRow = lr.toJSON();
            }
            outcome = {
              kind: 'decision',
              pathway: plan === 'move' ? { uuid: complete.uuid, title: complete.title } : null,
              labelRow,
              priority,
            };
          }
          const warnings = random() < 0.05 ? [{ code: 'TA_MEDIA_TRUNCATED', message: 'a warning' }] : undefined;
          const result = { task, stage, outcome, ...(warnings && { warnings }) };
          if (plan === 'failure-move') {
            // As the stage pass does for a failure its failure pathway takes: counted now, settled by the pathway later.
            sink.returned(result, true);
            later.push({
              task,
              stage,
              outcome: { kind: 'failure-move', pathway: { uuid: toHuman.uuid, title: toHuman.title }, error: outcome.error },
            });
          } else {
            sink.take(result, true);
          }
        }
        if (later.length > 0 && random() < 0.5) for (const r of later.splice(0)) sink.settle(r);
      }
    }
    for (const r of later.splice(0)) sink.settle(r);
    await sink.flush();

    const s = report.summary({}).stages[0];
    const started = [...planned.values()].filter((x) => x.plan !== 'not-started').length;
    const failures = new Map(report.failures.map((f) => [f.taskUuid, f]));
    assert.equal(s.attempted, started, 'attempted: every result but the never-started ones');
    assert.equal(events.size, started, 'every started task reported once');
    const db = new Map(tasksOf(p.dir).map((t) => [t.uuid, t]));
    const labelledInDb = new Set(
      labelRowsOf(p.dir)
        .filter((r) => Object.keys(r.classification_answers).length > 0)
        .map((r) => r.data_hash),
    );
    const count = { moved: 0, failedMoved: 0, skipped: 0, stayed: 0, failed: 0 };
    for (const task of tasks) {
      const { plan, labelled } = planned.get(task.uuid);
      const e = events.get(task.uuid);
      const where = db.get(task.uuid).stage;
      const stayedPut = preMoved.has(task.uuid) ? 'Annotate' : 'Agent 1';
      if (plan === 'not-started') {
        assert.equal(e, undefined, `a task that never started is not reported (${task.dataTitle})`);
        assert.equal(where, stayedPut);
        continue;
      }
      assert.equal(e.dataTitle, task.dataTitle, 'reported on its own task');
      assert.equal(e.dataHash, task.dataHash);
      const f = failures.get(task.uuid);
      if (e.outcome === 'moved') {
        count.moved++;
        assert.equal(plan, 'move');
        assert.equal(where, 'Complete', task.dataTitle);
      } else if (e.outcome === 'skipped') {
        count.skipped++;
        assert.ok(preMoved.has(task.uuid) && plan === 'move', `skipped: only a task moved away before (${task.dataTitle})`);
        assert.equal(where, 'Annotate');
      } else if (e.outcome === 'stayed') {
        count.stayed++;
        assert.equal(plan, 'stay');
        assert.equal(where, stayedPut, task.dataTitle);
      } else {
        count.failed++;
        assert.equal(f.dataTitle, task.dataTitle);
        if (f.movedTo !== undefined) {
          count.failedMoved++;
          assert.equal(plan, 'failure-move');
          assert.equal(f.movedTo, 'to human');
          assert.equal(where, 'Annotate', task.dataTitle);
        } else {
          assert.equal(where, stayedPut, `${task.dataTitle} failed (${f.code}: ${f.message}) and stayed`);
          if (plan === 'move' || plan === 'stay') assert.equal(f.code, 'TA_COMMIT_FAILED', f.message);
        }
      }
      if (poisoned.has(task.dataHash) && (plan === 'move' || plan === 'failure-move' || labelled))
        assert.equal(e.outcome, 'failed', `a poisoned task's write is refused (${task.dataTitle})`);
      const saveRefused = e.outcome === 'failed' && /saveLabelRows/.test(f.message);
      assert.equal(
        labelledInDb.has(task.dataHash),
        labelled && !saveRefused,
        `label row of ${task.dataTitle} (${plan}, ${e.outcome}${f ? `: ${f.message}` : ''})`,
      );
    }
    const sum = (o) => Object.values(o ?? {}).reduce((a, b) => a + b, 0);
    assert.deepEqual(
      { moved: sum(s.moved), failedMoved: sum(s.failedMoved), skipped: s.skipped, stayed: s.stayed, failed: sum(s.failed) },
      count,
      'the summary counts what was reported',
    );
    const inDb = { 'Agent 1': 0, Annotate: 0, Complete: 0 };
    for (const t of db.values()) inDb[t.stage]++;
    assert.deepEqual(
      inDb,
      {
        'Agent 1': tasks.length - preMoved.size - (s.moved.complete ?? 0) - (s.failedMoved?.['to human'] ?? 0),
        Annotate: preMoved.size + (s.failedMoved?.['to human'] ?? 0),
        Complete: s.moved.complete ?? 0,
      },
      'the database holds what the summary says',
    );
    const bar = progress.stages.get(stage.uuid);
    assert.deepEqual(
      { total: bar.total, done: bar.done, failed: bar.failed },
      { total: s.attempted, done: s.attempted, failed: sum(s.failed) },
      'progress agrees with the report',
    );
    return { summary: s, poisoned: poisoned.size, preMoved: preMoved.size };
  } finally {
    other.close();
    await local.close();
  }
}

test(`task results: report = database = progress over a seeded sweep of ${CASES} cases (seed ${SEED})`, async () => {
  const random = seededRandom(SEED);
  const seen = { commitFailed: 0, failedMoved: 0, skipped: 0, poisoned: 0 };
  for (let k = 0; k < CASES; k++) {
    const c = sampleCase(random);
    const seed = Math.floor(random() * 2 ** 31);
    const what = `case ${k} (TA_RESULT_SINK_SEED=${SEED}, case seed ${seed}): ${JSON.stringify(c)}`;
    let r;
    try {
      r = await runCase(c, seed);
    } catch (e) {
      e.message = `${what}\n${e.message}`;
      throw e;
    }
    seen.commitFailed += r.summary.failed.TA_COMMIT_FAILED ?? 0;
    seen.failedMoved += r.summary.failedMoved?.['to human'] ?? 0;
    seen.skipped += r.summary.skipped;
    seen.poisoned += r.poisoned;
  }
  // The sample must reach every path it is about: refused writes, failure moves, skipped moves.
  for (const [k, n] of Object.entries(seen)) assert.ok(n > 0, `the sweep never reached ${k}: ${JSON.stringify(seen)}`);
});
