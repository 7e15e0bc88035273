// The fault campaign (issue 10): 2 000 tasks through two agent stages that both save label rows,
// against the emulator with 20 % of requests failing (429 with Retry-After, 500, 503, resets, and
// answers lost after the request was applied) plus latency. It must finish in ONE run, every task
// moved exactly once per stage, with API requests per task within 1.5× of the same run without
// faults (counted by the emulator, faults and retries included).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { lines, tmp } from '../helpers/cli.mjs';
import { makeProject, stageCounts } from '../helpers/projects.mjs';
import { runOn } from '../helpers/emulator.mjs';

const N = 2000;
const LATENCY = 'latency:10ms';
const FAULTS = `429:0.08,500:0.04,503:0.04,reset:0.02,lost:0.02,${LATENCY}`;
const seed = Number(process.env.TA_CAMPAIGN_SEED ?? Math.floor(Math.random() * 1e6));

async function campaign(faults) {
  const p = makeProject(N);
  const log = join(tmp(), 'log');
  const r = await runOn('encord', 'two-stage-labels.mjs', p.dir, p.info.projectHash, ['--threads', '2'], { TA_LOG: log }, [
    '--faults',
    faults,
    '--fault-seed',
    String(seed),
    '--retry-after',
    '1',
  ]);
  return { p, r, log };
}

test(
  `fault campaign: ${N} tasks, two label-saving stages, 20 % faults + latency, one run (seed ${seed})`,
  { timeout: 600_000 },
  async (t) => {
    // Side by side: the runs are latency-bound, and each has its own emulator and project.
    const [clean, { p, r, log }] = await Promise.all([campaign(LATENCY), campaign(FAULTS)]);
    assert.equal(clean.r.code, 0, clean.r.stderr);
    assert.equal(r.code, 0, `seed ${seed}: ${r.stderr}`);
    assert.deepEqual(r.json.failures, [], `seed ${seed}`);
    assert.deepEqual(r.json.errors, [], `seed ${seed}`);
    // Every task ran once in each stage and was moved once out of it; none reported as someone else's move.
    const perStage = { 'pre-label': new Map(), triage: new Map() };
    for (const l of lines(log)) {
      const [stage, uuid] = l.split(' ');
      perStage[stage].set(uuid, (perStage[stage].get(uuid) ?? 0) + 1);
    }
    for (const [stage, runs] of Object.entries(perStage)) {
      assert.equal(runs.size, N, `seed ${seed}: ${stage} saw every task`);
      assert.ok(
        [...runs.values()].every((k) => k === 1),
        `seed ${seed}: ${stage} ran each task once`,
      );
    }
    for (const s of r.json.stages) {
      assert.equal(s.skipped, 0, `seed ${seed}: ${s.stage}`);
      assert.equal(
        Object.values(s.moved).reduce((a, b) => a + b, 0),
        N,
        `seed ${seed}: ${s.stage}`,
      );
    }
    assert.deepEqual(stageCounts(p.dir), { 'pre-label': 0, triage: 0, Annotate: N / 2, Complete: N / 2 });
    const faults = r.emulatorStats.faults;
    const injected = Object.values(faults).reduce((a, b) => a + b, 0);
    assert.ok(
      injected / r.emulatorStats.total > 0.1,
      `seed ${seed}: faults were injected: ${JSON.stringify(faults)} of ${r.emulatorStats.total}`,
    );
    const ratio = r.emulatorStats.total / clean.r.emulatorStats.total;
    t.diagnostic(
      `requests per task: ${(clean.r.emulatorStats.total / N).toFixed(3)} without faults, ${(r.emulatorStats.total / N).toFixed(3)} with (${ratio.toFixed(2)}×); faults ${JSON.stringify(faults)}; ${r.json.durationMs} ms vs ${clean.r.json.durationMs} ms`,
    );
    assert.ok(
      ratio <= 1.5,
      `seed ${seed}: ${r.emulatorStats.total} requests vs ${clean.r.emulatorStats.total} without faults (${ratio.toFixed(2)}×)`,
    );
  },
);
