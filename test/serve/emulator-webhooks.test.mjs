// The emulator's task-ready notifications (`emulator --webhook URL …`), received by a real HTTP
// server in the test: Encord's batching rules (batch size, maximum wait, a check every N ms, again
// at every check until the queue is processed), signed so that the Standard Webhooks check passes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalProject } from '../../dist/testing.js';
import { verifyWebhook } from '../../dist/platform/encord/index.js';
import { cli } from '../helpers/cli.mjs';
import { startEmulator } from '../helpers/emulator.mjs';
import { makeProject, singleAgentWorkflow } from '../helpers/projects.mjs';
import { SECRET, waitFor } from '../helpers/serve.mjs';

/** A receiver collecting notifications with whether their signature verified. */
async function receiver() {
  const got = [];
  const server = createServer((req, res) => {
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      got.push({ verified: verifyWebhook(SECRET, req.headers, body).ok, body: JSON.parse(body.toString()), id: req.headers['webhook-id'] });
      res.writeHead(202).end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/webhook`, got, close: () => new Promise((r) => server.close(r)) };
}

function addTasks(dir, n, prefix) {
  const p = LocalProject.open(dir);
  try {
    p.addDataUnits(
      Array.from({ length: n }, (_, i) => ({
        title: `${prefix}-${i}.jpg`,
        dataType: 'IMAGE',
        item: { itemType: 'image', name: `${prefix}-${i}.jpg`, relPath: null, mimeType: 'image/jpeg' },
      })),
    );
  } finally {
    p.close();
  }
}

test('batch size: nothing below it, a signed notification naming project and stage once it is met, again at every check', async () => {
  const wf = singleAgentWorkflow();
  const { dir, info } = makeProject(0, { workflow: wf.workflow });
  const rx = await receiver();
  const emu = await startEmulator(dir, [
    '--webhook',
    rx.url,
    '--webhook-secret',
    SECRET,
    '--webhook-batch-size',
    '3',
    '--webhook-max-wait-ms',
    '600000',
    '--webhook-check-ms',
    '100',
  ]);
  try {
    addTasks(dir, 2, 'a');
    await sleep(500);
    assert.equal(rx.got.length, 0, 'two tasks are below the batch size');
    addTasks(dir, 1, 'b');
    await waitFor(() => rx.got.length >= 2, 10_000, 'two notifications');
    for (const n of rx.got) {
      assert.equal(n.verified, true);
      assert.equal(n.body.event_type, 'agent_stage_tasks_ready');
      assert.equal(n.body.payload.project_hash, info.projectHash);
      assert.equal(n.body.payload.stage_uuid, wf.ids.agent);
      assert.equal(n.body.payload.queued_tasks, 3);
    }
    assert.equal(new Set(rx.got.map((n) => n.id)).size, rx.got.length, 'each notification has its own id');
    const stats = await emu.stats();
    assert.ok(stats.webhooks.sent >= 2 && stats.webhooks.failed === 0, JSON.stringify(stats.webhooks));
  } finally {
    await emu.stop();
    await rx.close();
  }
});

test('maximum wait: one task that has waited long enough is notified; an endpoint that is down is counted failed and tried again', async () => {
  const { dir } = makeProject(0, { workflow: singleAgentWorkflow().workflow });
  const rx = await receiver();
  const port = Number(new URL(rx.url).port);
  await rx.close(); // down at first
  const emu = await startEmulator(dir, [
    '--webhook',
    rx.url,
    '--webhook-secret',
    SECRET,
    '--webhook-batch-size',
    '100',
    '--webhook-max-wait-ms',
    '400',
    '--webhook-check-ms',
    '100',
  ]);
  try {
    addTasks(dir, 1, 'c');
    await waitFor(async () => (await emu.stats()).webhooks.failed > 0, 10_000, 'a failed delivery');
    // The same port again, now listening.
    const got = [];
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        got.push(req.headers['webhook-id']);
        res.writeHead(202).end();
      });
    });
    await new Promise((r) => server.listen(port, '127.0.0.1', r));
    try {
      await waitFor(() => got.length > 0, 10_000, 'a delivery after the endpoint came back');
    } finally {
      await new Promise((r) => server.close(r));
    }
  } finally {
    await emu.stop();
  }
});

test('--webhook needs a secret; batching knobs need --webhook (exit 2)', async () => {
  const { dir } = makeProject(0, { workflow: singleAgentWorkflow().workflow });
  const noSecret = await cli(['emulator', dir, '--webhook', 'http://127.0.0.1:9/webhook'], { env: { TA_WEBHOOK_SECRET: '' } });
  assert.equal(noSecret.code, 2);
  assert.match(noSecret.stderr, /TA_CFG_INVALID/);
  const knobs = await cli(['emulator', dir, '--webhook-batch-size', '5']);
  assert.equal(knobs.code, 2);
  assert.match(knobs.stderr, /need --webhook/);
});
