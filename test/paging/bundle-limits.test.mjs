// The commit buffer bundles to the limits the platform declares (Platform.bundleLimits), not to
// a copy of Encord's: EncordPlatform declares its request limits (against the emulator, in
// process, real HTTP), and a local project with other limits gets bundles of its own size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommitBuffer } from '../../dist/main/commit-buffer.js';
import { createEncordPlatform } from '../../dist/platform/encord/index.js';
import { startEmulator } from '../../dist/platform/emulator/index.js';
import { LocalPlatform } from '../../dist/testing.js';
import { makeProject, singleAgentWorkflow, stageCounts } from '../helpers/projects.mjs';
import { makeKey } from '../helpers/emulator.mjs';

test('bundles follow the platform: proceeds in requests of 7, priorities of at most 3, on an EncordPlatform that declares those limits', async () => {
  const wf = singleAgentWorkflow();
  const p = makeProject(20, { workflow: wf.workflow });
  const key = makeKey();
  const emu = await startEmulator({ dir: p.dir });
  const platform = createEncordPlatform({
    projectHash: p.info.projectHash,
    keyText: key.keyText,
    domain: emu.url,
    env: {},
    limits: { actions: 7, priorities: 3 },
  });
  try {
    assert.deepEqual(platform.bundleLimits, { saves: 100, priorities: 3, proceeds: 7 });
    const tasks = [];
    for await (const page of platform.taskPages(wf.ids.agent)) tasks.push(...page);
    const stage = { uuid: wf.ids.agent, title: 'Agent 1' };
    const outcomes = { moved: 0, other: 0 };
    const buffer = new CommitBuffer(platform, {
      moved: () => outcomes.moved++,
      stayed: () => outcomes.other++,
      skipped: () => outcomes.other++,
      failed: () => outcomes.other++,
    });
    for (const task of tasks)
      buffer.add({ task, stage, outcome: { kind: 'decision', pathway: { uuid: wf.ids.complete, title: 'complete' }, priority: 0.5 } });
    await buffer.flush();
    assert.deepEqual(outcomes, { moved: 20, other: 0 });
    const stats = emu.stats();
    assert.equal(stats.requests['POST v2 …/stages/{s}/actions'], 3, JSON.stringify(stats.requests));
    // At most 3 a request: at least 7 requests (a proceed flush can also send a short one).
    assert.ok(stats.requests['POST v2 projects/{p}/priorities'] >= 7, JSON.stringify(stats.requests));
    assert.deepEqual(stageCounts(p.dir), { 'Agent 1': 0, Annotate: 0, Complete: 20 });
  } finally {
    await platform.close();
    await emu.close();
  }
});

test('the commit buffer bundles to the limits the platform declares: a local project with bundles of 5 proceeds and 2 priorities', async () => {
  const wf = singleAgentWorkflow();
  const p = makeProject(20, { workflow: wf.workflow });
  assert.deepEqual(new LocalPlatform(p.dir).bundleLimits, { saves: 100, priorities: 100, proceeds: 1000 });
  const local = new LocalPlatform(p.dir, { bundleLimits: { proceeds: 5, priorities: 2 } });
  try {
    const tasks = [];
    for await (const page of local.taskPages(wf.ids.agent)) tasks.push(...page);
    const stage = { uuid: wf.ids.agent, title: 'Agent 1' };
    let moved = 0;
    const buffer = new CommitBuffer(local, { moved: () => moved++, stayed() {}, skipped() {}, failed() {} });
    for (const task of tasks)
      buffer.add({ task, stage, outcome: { kind: 'decision', pathway: { uuid: wf.ids.complete, title: 'complete' }, priority: 0.5 } });
    await buffer.flush();
    assert.equal(moved, 20);
    // LocalPlatform never splits a call: each call is one bundle the commit buffer made.
    assert.equal(local.callCounts().proceedTasks, 4);
    assert.ok(local.callCounts().setPriorities >= 10, JSON.stringify(local.callCounts()));
    assert.deepEqual(stageCounts(p.dir), { 'Agent 1': 0, Annotate: 0, Complete: 20 });
  } finally {
    await local.close();
  }
});
