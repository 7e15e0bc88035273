// runner.handle(message) as a queue consumer calls it (a real child process, real workers, real
// SQLite, and EncordPlatform → emulator): TaskCompletionResult JSON, index-aligned lists, stale tasks
// as success/skipped, bad entries failing alone, redelivered messages never moving a task twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { agent, lines, tmp, ROOT, FIXTURES } from '../helpers/cli.mjs';
import { makeKey, startEmulator } from '../helpers/emulator.mjs';
import { makeProject, singleAgentWorkflow, stageCounts, tasksOf } from '../helpers/projects.mjs';

/** Runs the driver on `calls`; resolves to the array of results (one entry per call). */
function drive(module, calls, env = {}) {
  const file = join(tmp(), 'calls.json');
  writeFileSync(file, JSON.stringify(calls));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(FIXTURES, 'handle-driver.mjs'), agent(module), file], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    let stdout = '',
      stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        resolve({ code, stderr, out: JSON.parse(stdout) });
      } catch {
        reject(new Error(`driver exited ${code}: ${stderr}\n${stdout}`));
      }
    });
  });
}

/** AgentTask JSON as the Python SDK's `task.model_dump_json()` writes it (snake_case). */
function agentTaskJson(t) {
  return JSON.stringify({
    uuid: t.uuid,
    created_at: t.createdAt,
    updated_at: t.updatedAt,
    status: t.status,
    data_hash: t.dataHash,
    data_title: t.dataTitle,
    label_branch_name: 'main',
    assignee: null,
    last_actioned_by: null,
  });
}

test('local: one message, a list with a stale task, a failing task and a bad entry; results line up with the message', async () => {
  const wf = singleAgentWorkflow();
  const { dir } = makeProject(8, { workflow: wf.workflow });
  const tasks = tasksOf(dir);
  const log = join(tmp(), 'log');
  const calls = [
    { message: agentTaskJson(tasks[0]), options: { project: dir } },
    // tasks[0] is gone by now (stale); img-000003 returns an unknown pathway; "{}" is not a task spec.
    {
      message: [agentTaskJson(tasks[1]), agentTaskJson(tasks[0]), agentTaskJson(tasks[3]), '{}', agentTaskJson(tasks[2])],
      options: { project: dir },
    },
    // A JSON array in a string is a list too; camelCase specs (project tasks --json) are read as well.
    { message: JSON.stringify([{ uuid: tasks[4].uuid, dataHash: tasks[4].dataHash }]), options: { project: dir } },
    { message: agentTaskJson(tasks[5]), options: { project: dir, stage: 'No such stage' } },
  ];
  const { code, out, stderr } = await drive('routing.mjs', calls, { TA_MODE: 'unknown-one', TA_LOG: log });
  assert.equal(code, 0, stderr);
  const [one, list, fromString, badStage] = out;
  assert.deepEqual(one, {
    task_uuid: tasks[0].uuid,
    stage_uuid: wf.ids.agent,
    success: true,
    pathway: wf.ids.complete,
    error: null,
    error_code: null,
    skipped: false,
  });
  assert.equal(list.length, 5);
  assert.deepEqual(
    list.map((r) => r.task_uuid),
    [tasks[1].uuid, tasks[0].uuid, tasks[3].uuid, null, tasks[2].uuid],
  );
  assert.deepEqual(
    list.map((r) => r.success),
    [true, true, false, false, true],
  );
  assert.deepEqual(
    list.map((r) => r.skipped),
    [false, true, false, false, false],
  );
  assert.equal(list[2].error_code, 'TA_PATHWAY_UNKNOWN');
  assert.match(list[2].error, /^TA_PATHWAY_UNKNOWN: /);
  assert.equal(list[3].error_code, 'TA_QUEUE_MESSAGE_INVALID');
  assert.equal(list[4].pathway, wf.ids.complete);
  assert.ok(Array.isArray(fromString) && fromString[0].success && fromString[0].pathway === wf.ids.complete, JSON.stringify(fromString));
  assert.equal(badStage.success, false);
  assert.equal(badStage.error_code, 'TA_STAGE_UNKNOWN');
  // The stale task's agent never ran a second time; the failed one stays to be retried.
  const ran = lines(log);
  assert.equal(ran.filter((u) => u === tasks[0].uuid).length, 1);
  assert.equal(ran.includes(tasks[5].uuid), false);
  assert.deepEqual(stageCounts(dir), { 'Agent 1': 4, Annotate: 0, Complete: 4 });
});

test('a module that cannot run makes handle() reject with its code (not a result)', async () => {
  const { dir } = makeProject(2, { workflow: singleAgentWorkflow().workflow });
  const { out } = await drive('bad-stage.mjs', [{ message: '{}', options: { project: dir } }], { TA_STAGE: 'No such stage' });
  assert.equal(out[0].thrown?.code, 'TA_STAGE_UNKNOWN', JSON.stringify(out));
});

test('Encord (emulator): AgentTask JSON from the queue, tasks looked up in bulk by data hash, a redelivered message moves nothing twice', async () => {
  const wf = singleAgentWorkflow();
  const { dir, info } = makeProject(150, { workflow: wf.workflow });
  const tasks = tasksOf(dir);
  const key = makeKey();
  const emu = await startEmulator(dir, ['--authorized-keys', key.pubFile]);
  try {
    const message = tasks.slice(0, 120).map(agentTaskJson);
    const calls = [
      { message, options: { project: info.projectHash } },
      { message, options: { project: info.projectHash } },
    ];
    const env = { ENCORD_SSH_KEY_FILE: key.keyFile, ENCORD_DOMAIN: emu.url, TA_ENCORD_BACKOFF_MS: '5', TA_MODE: 'by-title' };
    const { code, out, stderr } = await drive('routing.mjs', calls, env);
    assert.equal(code, 0, stderr);
    const [first, again] = out;
    assert.equal(first.length, 120);
    for (const [i, r] of first.entries()) {
      const n = Number(tasks[i].dataTitle.slice(4, 10));
      assert.equal(r.success, true, JSON.stringify(r));
      assert.equal(r.pathway, n % 3 === 0 ? wf.ids.toHuman : wf.ids.complete);
    }
    assert.ok(
      again.every((r) => r.success && r.skipped && r.pathway === null),
      JSON.stringify(again.slice(0, 3)),
    );
    const stats = await emu.stats();
    // 120 tasks per message: 2 lookups of ≤ 100 data hashes per message, not one per task.
    assert.ok(stats.requests['GET v2 …/stages/{s}/tasks'] <= 8, JSON.stringify(stats.requests));
  } finally {
    await emu.stop();
  }
  assert.deepEqual(stageCounts(dir), { 'Agent 1': 30, Annotate: 40, Complete: 80 });
});

test('seeded sweep: random messages, sizes and redeliveries; every task handled exactly once, every result truthful', async () => {
  for (const seed of [1, 2, 3]) {
    let s = seed;
    const rand = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const wf = singleAgentWorkflow();
    const { dir } = makeProject(40, { workflow: wf.workflow });
    const tasks = tasksOf(dir);
    const calls = [];
    const queue = [...tasks];
    while (queue.length > 0) {
      const size = 1 + Math.floor(rand() * 6);
      const msg = queue.splice(0, size);
      // Sometimes a task already sent is sent again (at-least-once delivery).
      if (rand() < 0.4 && calls.length > 0) msg.push(tasks[Math.floor(rand() * (tasks.length - queue.length))]);
      calls.push({ message: msg.map(agentTaskJson), options: { project: dir } });
    }
    const log = join(tmp(), 'log');
    const { code, out, stderr } = await drive('routing.mjs', calls, { TA_MODE: 'by-title', TA_LOG: log });
    assert.equal(code, 0, `seed ${seed}: ${stderr}`);
    const before = new Set();
    calls.forEach((c, k) => {
      const specs = c.message.map((m) => JSON.parse(m));
      assert.equal(out[k].length, specs.length, `seed ${seed}`);
      specs.forEach((spec, j) => {
        const r = out[k][j];
        assert.equal(r.task_uuid, spec.uuid, `seed ${seed}`);
        assert.equal(r.success, true, `seed ${seed}: ${JSON.stringify(r)}`);
        // Handled in an earlier message → gone from the stage → skipped; a repeat inside one message shares the first's result.
        assert.equal(r.skipped, before.has(spec.uuid), `seed ${seed}: ${JSON.stringify(r)}`);
      });
      for (const spec of specs) before.add(spec.uuid);
    });
    const ran = lines(log);
    assert.equal(ran.length, 40, `seed ${seed}: every task's agent ran exactly once`);
    assert.equal(new Set(ran).size, 40, `seed ${seed}`);
    const counts = stageCounts(dir);
    assert.equal(counts['Agent 1'], 0, `seed ${seed}`);
    assert.equal(counts.Annotate, tasks.filter((t) => Number(t.dataTitle.slice(4, 10)) % 3 === 0).length, `seed ${seed}`);
  }
});
