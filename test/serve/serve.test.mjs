// `task-agents serve` as a real process: drained by real signed webhooks from the emulator (and
// from the test), refusing unsigned ones, coalescing notifications, polling as a fallback, serving
// two emulator projects, and stopping on SIGTERM without losing the tasks in flight.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalProject } from '../../dist/testing.js';
import { agent, cli, lines, tmp } from '../helpers/cli.mjs';
import { makeKey, startEmulator } from '../helpers/emulator.mjs';
import { makeProject, singleAgentWorkflow, stageCounts, tasksOf } from '../helpers/projects.mjs';
import { SECRET, metrics, notify, startEmulatorAndServe, startServe, total, waitFor } from '../helpers/serve.mjs';

function addTasks(dir, n, prefix) {
  const p = LocalProject.open(dir);
  try {
    p.addDataUnits(
      Array.from({ length: n }, (_, i) => ({
        title: `${prefix}-${String(i).padStart(6, '0')}.jpg`,
        dataType: 'IMAGE',
        item: { itemType: 'image', name: `${prefix}-${i}.jpg`, relPath: null, mimeType: 'image/jpeg' },
      })),
    );
  } finally {
    p.close();
  }
}

test("the emulator's signed task-ready webhooks drive a real serve process (Encord): tasks that arrive later are drained on notification", async () => {
  const wf = singleAgentWorkflow();
  const { dir, info } = makeProject(4, { workflow: wf.workflow });
  const key = makeKey();
  const { emu, serve, port } = await startEmulatorAndServe(
    (port) =>
      startEmulator(dir, [
        '--authorized-keys',
        key.pubFile,
        '--webhook',
        `http://127.0.0.1:${port}/webhook`,
        '--webhook-secret',
        SECRET,
        '--webhook-batch-size',
        '3',
        '--webhook-max-wait-ms',
        '600000',
        '--webhook-check-ms',
        '150',
      ]),
    (emu, port) =>
      startServe(
        agent('routing.mjs'),
        ['--project', info.projectHash, '--port', String(port), '--refresh-every', '3600', '--threads', '1'],
        { ENCORD_SSH_KEY_FILE: key.keyFile, ENCORD_DOMAIN: emu.url, TA_ENCORD_BACKOFF_MS: '5' },
      ),
  );
  try {
    assert.equal(serve.firstLine, `listening on http://127.0.0.1:${port}`);
    // The start drain takes the 4 waiting tasks.
    await waitFor(() => serve.drains().some((l) => /\(start\): attempted 4, moved \{complete: 4\}/.test(l)), 30_000, 'the start drain');
    assert.equal(stageCounts(dir).Complete, 4);
    // The emulator may have announced the first 4 while the start drain ran: that notification is
    // one more drain (of nothing). Let it happen before the late tasks come, or it would take them.
    await sleep(500);
    if (total(await metrics(serve.url), 'task_agents_webhooks_total', { result: 'queued' }) > 0) {
      await waitFor(() => serve.drains().some((l) => /\(webhook\)/.test(l)), 30_000, 'the drain the first notification asked for');
    }
    const drainsBefore = serve.drains().length;
    addTasks(dir, 2, 'late');
    await sleep(800);
    assert.equal(stageCounts(dir)['Agent 1'], 2, 'two tasks are below the batch size: no notification, no drain');
    assert.equal(serve.drains().length, drainsBefore);
    addTasks(dir, 2, 'later');
    await waitFor(() => serve.drains().some((l) => /\(webhook\): attempted 4, moved \{complete: 4\}/.test(l)), 30_000, 'the webhook drain');
    assert.equal(stageCounts(dir).Complete, 8);
    const m = await metrics(serve.url);
    assert.equal(total(m, 'task_agents_tasks_total', { project: info.projectHash, outcome: 'moved' }), 8);
    assert.ok(total(m, 'task_agents_webhooks_total', { result: 'queued' }) >= 1);
    assert.ok(total(m, 'task_agents_drains_total', { trigger: 'webhook' }) >= 1);
    assert.ok(total(m, 'task_agents_api_calls_total', { operation: 'proceedTasks' }) >= 2);
    assert.ok(total(m, 'process_resident_memory_bytes') > 10e6);
    const stats = await emu.stats();
    assert.ok(stats.webhooks.sent >= 1 && stats.webhooks.responses['202'] >= 1, JSON.stringify(stats.webhooks));
    assert.deepEqual(await serve.stop(), { code: 0, signal: null });
  } finally {
    await serve.stop();
    await emu.stop();
  }
});

test('unsigned, badly signed, stale and foreign-secret notifications are 401 and run nothing; a replayed one is answered once; /healthz and 404', async () => {
  const wf = singleAgentWorkflow();
  const { dir, info } = makeProject(0, { workflow: wf.workflow });
  const serve = await startServe(agent('routing.mjs'), ['--project', dir, '--port', '0', '--refresh-every', '3600', '--threads', '1']);
  try {
    await waitFor(() => serve.drains().length === 1, 30_000, 'the start drain');
    addTasks(dir, 5, 'x');
    const target = { projectHash: info.projectHash, stageUuid: wf.ids.agent };
    const bad = [
      await notify(serve.url, target, { headers: {} }),
      await notify(serve.url, target, { secret: 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }),
      await notify(serve.url, target, { timestamp: Date.now() / 1000 - 3600 }),
      await notify(serve.url, target, {
        headers: { 'webhook-id': 'msg_1', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,AAAA' },
      }),
    ];
    assert.deepEqual(
      bad.map((r) => r.status),
      [401, 401, 401, 401],
    );
    assert.match(bad[0].body.error, /invalid webhook signature/);
    await sleep(500);
    assert.equal(stageCounts(dir)['Agent 1'], 5, 'nothing ran');
    assert.equal(serve.drains().length, 1);
    const ok = await notify(serve.url, target, { id: 'msg_once' });
    assert.equal(ok.status, 202);
    assert.equal(ok.body.status, 'queued');
    await waitFor(() => stageCounts(dir).Complete === 5, 30_000, 'the webhook drain');
    const again = await notify(serve.url, target, { id: 'msg_once' });
    assert.deepEqual([again.status, again.body.status], [200, 'duplicate']);
    const ignored = await notify(serve.url, { projectHash: info.projectHash, stageUuid: wf.ids.done });
    assert.deepEqual([ignored.status, ignored.body.status], [202, 'ignored']);
    const health = await (await fetch(`${serve.url}/healthz`)).json();
    assert.equal(health.status, 'ok');
    assert.equal((await fetch(`${serve.url}/nope`)).status, 404);
    const m = await metrics(serve.url);
    assert.equal(total(m, 'task_agents_webhooks_total', { result: 'rejected' }), 4);
    assert.equal(total(m, 'task_agents_webhooks_total', { result: 'duplicate' }), 1);
    assert.equal(serve.drains().length, 2);
  } finally {
    await serve.stop();
  }
});

test("two emulator projects in one serve: each project's notifications drain its own stages; per-project metrics", async () => {
  const a = makeProject(0, { title: 'A' }); // pre-label → triage
  const wfB = singleAgentWorkflow();
  const b = makeProject(0, { title: 'B', workflow: wfB.workflow });
  const key = makeKey();
  const { emu, serve } = await startEmulatorAndServe(
    (port) =>
      startEmulator(a.dir, [
        b.dir,
        '--authorized-keys',
        key.pubFile,
        '--webhook',
        `http://127.0.0.1:${port}/webhook`,
        '--webhook-secret',
        SECRET,
        '--webhook-batch-size',
        '1',
        '--webhook-check-ms',
        '150',
      ]),
    (emu, port) =>
      startServe(
        agent('multi-project.mjs'),
        [
          '--project',
          a.info.projectHash,
          '--project',
          b.info.projectHash,
          '--port',
          String(port),
          '--refresh-every',
          '3600',
          '--threads',
          '2',
        ],
        { ENCORD_SSH_KEY_FILE: key.keyFile, ENCORD_DOMAIN: emu.url, TA_ENCORD_BACKOFF_MS: '5' },
      ),
  );
  try {
    await waitFor(() => serve.drains().length === 3, 30_000, 'the start drains');
    addTasks(a.dir, 6, 'a');
    addTasks(b.dir, 4, 'b');
    await waitFor(() => stageCounts(a.dir).Complete === 6 && stageCounts(b.dir).Complete === 4, 30_000, 'both projects drained');
    await waitFor(() => serve.drains().some((l) => /^drain "Agent 1" of "B" \(webhook\): attempted 4/.test(l)), 30_000, 'the drain line');
    const m = await metrics(serve.url);
    assert.equal(total(m, 'task_agents_tasks_total', { project: a.info.projectHash, stage: 'triage', outcome: 'moved' }), 6);
    assert.equal(total(m, 'task_agents_tasks_total', { project: b.info.projectHash, stage: 'Agent 1', outcome: 'moved' }), 4);
    assert.equal(total(m, 'task_agents_tasks_total', { project: b.info.projectHash, stage: 'triage' }), 0);
    assert.ok(
      serve.drains().some((l) => /^drain "Agent 1" of "B" \(webhook\)/.test(l)),
      serve.output().stderr,
    );
    assert.ok(
      serve.drains().some((l) => /^drain "pre-label" of "A" \(webhook\)/.test(l)),
      serve.output().stderr,
    );
  } finally {
    await serve.stop();
    await emu.stop();
  }
});

test('notifications that arrive during a drain coalesce into exactly one more drain of that stage', async () => {
  const wf = singleAgentWorkflow();
  const { dir, info } = makeProject(60, { workflow: wf.workflow });
  const log = join(tmp(), 'log');
  const serve = await startServe(
    agent('slow.mjs'),
    ['--project', dir, '--port', '0', '--refresh-every', '3600', '--threads', '1', '--task-batch-size', '10'],
    { TA_LOG: log },
  );
  try {
    await waitFor(() => lines(log).length >= 3, 30_000, 'the start drain to be under way');
    const target = { projectHash: info.projectHash, stageUuid: wf.ids.agent };
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push((await notify(serve.url, target)).body.status);
    assert.deepEqual(answers, ['queued', 'coalesced', 'coalesced', 'coalesced', 'coalesced']);
    await waitFor(() => serve.drains().length === 2, 60_000, 'the drain asked for');
    await sleep(300);
    assert.equal(serve.drains().length, 2, serve.output().stderr);
    assert.match(serve.drains()[1], /\(webhook\)/);
    assert.equal(stageCounts(dir).Complete, 60);
  } finally {
    await serve.stop();
  }
});

test('the fallback poll drains what no notification announced', async () => {
  const wf = singleAgentWorkflow();
  const { dir } = makeProject(0, { workflow: wf.workflow });
  const serve = await startServe(agent('routing.mjs'), ['--project', dir, '--port', '0', '--refresh-every', '0.5', '--threads', '1']);
  try {
    await waitFor(() => serve.drains().length >= 1, 30_000, 'the start drain');
    addTasks(dir, 7, 'p');
    await waitFor(() => serve.drains().some((l) => /\(poll\): attempted 7/.test(l)), 30_000, 'a poll drain');
    assert.equal(stageCounts(dir).Complete, 7);
  } finally {
    await serve.stop();
  }
});

test('SIGTERM during a drain: no new task starts, every task started finishes and is committed, exit 0', async () => {
  for (const threads of [1, 2]) {
    const wf = singleAgentWorkflow();
    const { dir } = makeProject(300, { workflow: wf.workflow });
    const log = join(tmp(), 'log');
    const serve = await startServe(
      agent('slow.mjs'),
      ['--project', dir, '--port', '0', '--refresh-every', '3600', '--threads', String(threads), '--task-batch-size', '20'],
      { TA_LOG: log },
    );
    await waitFor(() => lines(log).length >= 10, 30_000, 'the drain to be under way');
    const health = await (await fetch(`${serve.url}/healthz`)).json();
    assert.notEqual(health.draining, null, 'a drain is in progress');
    const { code, signal } = await serve.stop('SIGTERM');
    assert.deepEqual({ code, signal }, { code: 0, signal: null }, serve.output().stderr);
    const started = new Set(lines(log));
    const done = new Set(
      tasksOf(dir)
        .filter((t) => t.stage === 'Complete')
        .map((t) => t.uuid),
    );
    assert.ok(started.size < 300, `threads ${threads}: stopped early (${started.size} started)`);
    assert.deepEqual(
      [...started].filter((u) => !done.has(u)),
      [],
      `threads ${threads}: a started task was not committed`,
    );
    assert.deepEqual(
      [...done].filter((u) => !started.has(u)),
      [],
      `threads ${threads}`,
    );
    assert.match(serve.output().stderr, /stopping: finishing the tasks in flight/);
  }
});

test('serve refuses to start without a secret or with a stage the project lacks (exit 2, nothing listens)', async () => {
  const { dir } = makeProject(2, { workflow: singleAgentWorkflow().workflow });
  const noSecret = await cli(['serve', agent('routing.mjs'), '--project', dir, '--port', '0'], { env: { TA_WEBHOOK_SECRET: '' } });
  assert.equal(noSecret.code, 2);
  assert.match(noSecret.stderr, /TA_CFG_INVALID: serve needs the webhook signing secret/);
  assert.equal(noSecret.stdout, '');
  const badStage = await cli(['serve', agent('routing.mjs'), '--project', dir, '--port', '0'], {
    env: { TA_WEBHOOK_SECRET: SECRET, TA_STAGE: 'Nope' },
  });
  assert.equal(badStage.code, 2);
  assert.match(badStage.stderr, /TA_STAGE_UNKNOWN/);
  assert.equal(badStage.stdout, '');
  assert.equal(stageCounts(dir)['Agent 1'], 2);
});
