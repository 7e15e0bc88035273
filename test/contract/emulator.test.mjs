// The emulator as a server: CLI contract, faults, stale bundles, auth rejections, malformed input,
// body limit, expiring signed URLs, and no secrets in the output of failing runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import {
  createEncordPlatform,
  parseOpenSshPrivateKey,
  signV1Body,
  v1RequestEnvelope,
  v2Headers,
  v2Created,
  pythonJsonDumps,
} from '../../dist/platform/encord/index.js';
import { agent, cli, lines, tmp } from '../helpers/cli.mjs';
import { makeProject, singleAgentWorkflow, stageCounts } from '../helpers/projects.mjs';
import { makeKey, runOn, startEmulator } from '../helpers/emulator.mjs';

test('CLI: first stdout line is exactly "listening on http://HOST:PORT"; SIGTERM exits 0', async () => {
  const p = makeProject(3, { workflow: singleAgentWorkflow().workflow });
  const emu = await startEmulator(p.dir, ['--host', '127.0.0.1']);
  assert.match(emu.firstLine, /^listening on http:\/\/127\.0\.0\.1:\d+$/);
  const stats = await emu.stats();
  assert.deepEqual(stats.requests, {});
  assert.equal(await emu.stop(), 0);
  assert.equal(emu.output().stderr, '');
  const again = await startEmulator(p.dir);
  const exited = new Promise((res) => again.child.once('exit', (code, signal) => res(code ?? signal)));
  again.child.kill('SIGINT');
  assert.equal(await exited, 0);
});

test('20% injected faults (429 with Retry-After, 500, 503, resets): every task processed and moved exactly once', async () => {
  const p = makeProject(200, { workflow: singleAgentWorkflow().workflow });
  const log = join(tmp(), 'log');
  const r = await runOn(
    'encord',
    'routing.mjs',
    p.dir,
    p.info.projectHash,
    ['--task-batch-size', '5', '--threads', '2'],
    { TA_LOG: log, TA_ENCORD_MAX_RETRIES: '10' },
    ['--faults', '429:0.06,500:0.05,503:0.04,reset:0.05', '--fault-seed', '11', '--retry-after', '1', '--page-size', '5'],
  );
  assert.equal(r.code, 0, r.stderr);
  const seen = lines(log);
  assert.equal(seen.length, 200);
  assert.equal(new Set(seen).size, 200);
  assert.deepEqual(stageCounts(p.dir), { 'Agent 1': 0, Annotate: 0, Complete: 200 });
  const f = r.emulatorStats.faults;
  assert.ok((f['429'] ?? 0) > 0 && (f.reset ?? 0) > 0 && (f['500'] ?? 0) + (f['503'] ?? 0) > 0, JSON.stringify(f));
  // Faults are injected before a request is handled, so a retried action is applied once: the counts above prove it.
  assert.ok(Object.values(f).reduce((a, b) => a + b, 0) >= 5, JSON.stringify(f));
});

/** A running emulator with one authorized key, plus helpers to send raw signed requests. */
async function authFixture() {
  const p = makeProject(4, { workflow: singleAgentWorkflow().workflow });
  const good = makeKey();
  const emu = await startEmulator(p.dir, ['--authorized-keys', good.pubFile, '--max-body-bytes', '4096', '--url-ttl-ms', '300']);
  const key = parseOpenSshPrivateKey(good.keyText);
  const other = parseOpenSshPrivateKey(makeKey().keyText);
  const v2 = async (method, path, { body, signWith = key, created, tamper } = {}) => {
    const bytes = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const headers = signWith
      ? v2Headers(signWith, { method, requestTarget: path, body: bytes, ...(created !== undefined && { created }) })
      : {};
    if (bytes !== undefined) headers['Content-Type'] = 'application/json';
    const res = await request(`${emu.url}${tamper ?? path}`, { method, headers, ...(bytes !== undefined && { body: bytes }) });
    const text = await res.body.text();
    return {
      status: res.statusCode,
      headers: res.headers,
      text,
      json: (() => {
        try {
          return JSON.parse(text);
        } catch {
          return undefined;
        }
      })(),
    };
  };
  const v1 = async (envelope, { signWith = key, raw } = {}) => {
    const body = raw ?? pythonJsonDumps(envelope);
    const headers = { 'Content-Type': 'application/json', ResourceType: 'project', ResourceID: p.info.projectHash };
    if (signWith) headers.Authorization = signV1Body(signWith, body);
    const res = await request(`${emu.url}/public`, { method: 'POST', headers, body });
    return { status: res.statusCode, json: await res.body.json().catch(() => undefined) };
  };
  return { p, emu, key, other, good, v2, v1 };
}

test('auth: unsigned, tampered, wrong-key and stale requests are rejected; a signed one passes', async () => {
  const { p, emu, other, v2, v1 } = await authFixture();
  try {
    const path = `/v2/public/projects/${p.info.projectHash}`;
    assert.equal((await v2('GET', path)).status, 200);
    assert.equal((await v2('GET', path, { signWith: null })).status, 401);
    assert.equal((await v2('GET', path, { tamper: `/v2/public/ontologies/${p.info.ontologyHash}` })).status, 401);
    assert.equal((await v2('GET', path, { signWith: other })).status, 403);
    assert.equal((await v2('GET', path, { created: v2Created() - 3600 })).status, 401);
    const env = v1RequestEnvelope('labelrowmetadata', 'GET', null, { data_hashes: [] });
    assert.deepEqual((await v1(env)).json, { status: 200, response: [] });
    const unsigned = await v1(env, { signWith: null });
    assert.equal(unsigned.status, 401);
    assert.deepEqual(unsigned.json.response, ['AUTHENTICATION_ERROR']);
    const wrong = await v1(env, { signWith: other });
    assert.equal(wrong.status, 403);
    assert.deepEqual(wrong.json.response, ['AUTHORISATION_ERROR']);
    const stats = await emu.stats();
    assert.deepEqual(stats.rejected, { 401: 4, 403: 2 });
  } finally {
    await emu.stop();
  }
});

test('malformed JSON → 400 (v1 and v2), oversized body → 413, and the emulator keeps serving', async () => {
  const { p, emu, v2, v1 } = await authFixture();
  try {
    const bad = await v2('POST', '/v2/public/storage/items/get-bulk', { body: '{"itemUuids": [' });
    assert.equal(bad.status, 400);
    assert.equal(typeof bad.json.message, 'string');
    assert.equal((await v2('POST', '/v2/public/storage/items/get-bulk', { body: { itemUuids: 'x' } })).status, 400);
    assert.equal((await v2('POST', `/v2/public/projects/${p.info.projectHash}/priorities`, { body: [1, 2] })).status, 400);
    const badV1 = await v1(null, { raw: '{"query_type": "labelrow", ' });
    assert.equal(badV1.status, 400);
    assert.equal(badV1.json.status, 400);
    assert.equal((await v2('POST', '/v2/public/storage/items/get-bulk', { body: { itemUuids: ['a'.repeat(5000)] } })).status, 413);
    assert.equal((await v2('GET', `/v2/public/projects/${p.info.projectHash}`)).status, 200);
    assert.equal(emu.child.exitCode, null);
  } finally {
    await emu.stop();
  }
});

test('stale bundle: the emulator rejects the whole actions request with 400, nothing applied', async () => {
  const { p, emu, v2 } = await authFixture();
  try {
    const stage = p.info.workflow.stages[0];
    const page = await v2('GET', `/v2/public/projects/${p.info.projectHash}/workflow/stages/${stage.uuid}/tasks`);
    assert.equal(page.status, 200);
    assert.equal(page.json.nextPageToken, null);
    for (const t of page.json.results) for (const k of ['assignee', 'lastActionedBy', 'labelBranchName']) assert.ok(k in t);
    const actions = page.json.results.map((t) => ({ taskUuid: t.uuid, action: 'PATHWAY_ACTION', pathwayName: 'complete' }));
    actions.push({ taskUuid: '00000000-0000-0000-0000-000000000000', action: 'PATHWAY_ACTION', pathwayName: 'complete' });
    const r = await v2('POST', `/v2/public/projects/${p.info.projectHash}/workflow/stages/${stage.uuid}/actions`, { body: actions });
    assert.equal(r.status, 400);
    assert.equal(stageCounts(p.dir)['Agent 1'], 4);
    const ok = await v2('POST', `/v2/public/projects/${p.info.projectHash}/workflow/stages/${stage.uuid}/actions`, {
      body: actions.slice(0, 4),
    });
    assert.equal(ok.status, 204);
    assert.equal(stageCounts(p.dir).Complete, 4);
  } finally {
    await emu.stop();
  }
});

test('signed media URLs expire; downloadMedia refreshes an expired one once', async () => {
  const { p, emu, good } = await authFixture();
  const platform = createEncordPlatform({ projectHash: p.info.projectHash, keyText: good.keyText, domain: emu.url });
  try {
    const [meta] = await platform.listLabelRowMetadata([
      (await platform.taskPages(p.info.workflow.stages[0].uuid)[Symbol.asyncIterator]().next()).value[0].dataHash,
    ]);
    const [item] = await platform.getStorageItems([meta.backingItemUuid], { signUrls: true });
    const file = join(p.dir, 'media', item.url);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, Buffer.from('fake jpeg bytes'));
    assert.match(item.signedUrl, /^http:\/\/127\.0\.0\.1:\d+\/_media\/.+\?expires=\d+&token=[0-9a-f]{64}$/);
    const fresh = await request(item.signedUrl);
    assert.equal(fresh.statusCode, 200);
    assert.equal(await fresh.body.text(), 'fake jpeg bytes');
    const forged = await request(item.signedUrl.replace(/token=./, (m) => (m.endsWith('0') ? 'token=1' : 'token=0')));
    assert.equal(forged.statusCode, 403);
    await forged.body.dump();
    await sleep(400);
    const expired = await request(item.signedUrl);
    assert.equal(expired.statusCode, 403);
    await expired.body.dump();
    const dest = join(tmp(), 'out.jpg');
    const got = await platform.downloadMedia(item.signedUrl, dest, { refresh: platform.signedUrlRefresher(item) });
    assert.equal(got.refreshed, true);
    assert.equal(readFileSync(dest, 'utf8'), 'fake jpeg bytes');
    const stats = await emu.stats();
    assert.equal(stats.requests['POST v2 storage/items/get-bulk'], 2);
    assert.equal(stats.media, 2);
  } finally {
    await platform.close();
    await emu.stop();
  }
});

test('auth failure and unreachable platform exit 3; no key text or URL token in any output', async () => {
  const p = makeProject(5, { workflow: singleAgentWorkflow().workflow });
  const registered = makeKey();
  const intruder = makeKey();
  const emu = await startEmulator(p.dir, ['--authorized-keys', registered.pubFile]);
  const secretLines = [registered, intruder].flatMap((k) => k.keyText.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----')));
  const check = (r) => {
    const out = `${r.stdout}\n${r.stderr}`;
    for (const l of secretLines) assert.ok(!out.includes(l), 'a private key line leaked');
    assert.ok(!/token=[0-9a-f]{16}/.test(out), 'a URL token leaked');
  };
  try {
    const env = { ENCORD_DOMAIN: emu.url, TA_ENCORD_BACKOFF_MS: '1' };
    const denied = await cli(['run', agent('storage.mjs'), '--project', p.info.projectHash, '--json'], {
      env: { ...env, ENCORD_SSH_KEY_FILE: intruder.keyFile },
    });
    assert.equal(denied.code, 3, denied.stderr);
    assert.equal(denied.json.error.code, 'TA_PLATFORM_UNAUTHORIZED');
    check(denied);
    const inline = await cli(['run', agent('storage.mjs'), '--project', p.info.projectHash], {
      env: { ...env, ENCORD_SSH_KEY: intruder.keyText },
    });
    assert.equal(inline.code, 3);
    check(inline);
    const badKey = await cli(['run', agent('storage.mjs'), '--project', p.info.projectHash], {
      env: { ...env, ENCORD_SSH_KEY: intruder.keyText.replace(/[A-Za-z](?=[A-Za-z0-9+/]{30})/, '!') },
    });
    assert.equal(badKey.code, 3);
    check(badKey);
    const unreachable = await cli(['run', agent('storage.mjs'), '--project', p.info.projectHash, '--json'], {
      env: { ENCORD_DOMAIN: 'http://127.0.0.1:9', TA_ENCORD_BACKOFF_MS: '1', ENCORD_SSH_KEY_FILE: registered.keyFile },
    });
    assert.equal(unreachable.code, 3, unreachable.stderr);
    assert.equal(unreachable.json.error.code, 'TA_PLATFORM_UNREACHABLE');
    check(unreachable);
    assert.equal(stageCounts(p.dir)['Agent 1'], 5);
  } finally {
    await emu.stop();
  }
  check(emu.output());
});

test('print agent-nodes --project UUID reads the stages from the platform at ENCORD_DOMAIN, same as the local project', async () => {
  const p = makeProject(2, { workflow: singleAgentWorkflow().workflow });
  const local = await cli(['print', 'agent-nodes', '--project', p.dir, '--json']);
  assert.equal(local.code, 0, local.stderr);
  const key = makeKey();
  const emu = await startEmulator(p.dir, ['--authorized-keys', key.pubFile]);
  try {
    const env = { ENCORD_SSH_KEY_FILE: key.keyFile, ENCORD_DOMAIN: emu.url };
    const remote = await cli(['print', 'agent-nodes', '--project', p.info.projectHash, '--json'], { env });
    assert.equal(remote.code, 0, remote.stderr);
    assert.deepEqual(remote.json, local.json);
    assert.equal((await emu.stats()).requests['GET v2 projects/{p}'], 1);
    const unknown = await cli(['print', 'agent-nodes', '--project', '00000000-0000-4000-8000-000000000000', '--json'], { env });
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.json.error.code, /^TA_PLATFORM_/);
  } finally {
    await emu.stop();
  }
});
