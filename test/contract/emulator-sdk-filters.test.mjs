// Filters the official Python SDK sends, which the emulator used to ignore (found by
// scripts/python-sdk-check.py): `AgentStage.get_tasks(assignee, dataset_hash, data_title, status)`
// and `Project.list_label_rows_v2(data_title_eq/like, workflow_graph_node_title_eq/like,
// label_hashes, edited_before/after, label_statuses, shadow_data_state)`. Requests are built as
// the SDK builds them (protocol reference §1.2, §5.1, §7.1) and signed like it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { parseOpenSshPrivateKey, signV1Body, v1RequestEnvelope, v2Headers, pythonJsonDumps } from '../../dist/platform/encord/index.js';
import { sqlLike, parseTime } from '../../dist/platform/emulator/index.js';
import { LocalProject } from '../../dist/testing.js';
import { makeProject, singleAgentWorkflow } from '../helpers/projects.mjs';
import { makeKey, startEmulator } from '../helpers/emulator.mjs';

async function fixture(tasks = 12) {
  const wf = singleAgentWorkflow();
  const p = makeProject(tasks, { workflow: wf.workflow });
  // Two tasks assigned (the local CLI has no assign command; Encord's agent tasks can carry one).
  const lp = LocalProject.open(p.dir);
  lp.db.prepare("UPDATE tasks SET assignee = 'ann@example.com' WHERE seq IN (2, 3)").run();
  lp.close();
  const key = makeKey();
  const emu = await startEmulator(p.dir, ['--authorized-keys', key.pubFile, '--page-size', '5']);
  const k = parseOpenSshPrivateKey(key.keyText);
  const v2 = async (method, path, body) => {
    const bytes = body === undefined ? undefined : pythonJsonDumps(body);
    const headers = v2Headers(k, { method, requestTarget: path, body: bytes });
    if (bytes !== undefined) headers['Content-Type'] = 'application/json';
    const res = await request(`${emu.url}${path}`, { method, headers, ...(bytes !== undefined && { body: bytes }) });
    const text = await res.body.text();
    return { status: res.statusCode, json: text ? JSON.parse(text) : undefined };
  };
  const v1 = async (queryType, method, uid, payload) => {
    const body = pythonJsonDumps(v1RequestEnvelope(queryType, method, uid, payload));
    const headers = {
      'Content-Type': 'application/json',
      ResourceType: 'project',
      ResourceID: p.info.projectHash,
      Authorization: signV1Body(k, body),
    };
    const res = await request(`${emu.url}/public`, { method: 'POST', headers, body });
    return res.body.json();
  };
  const stage = wf.ids.agent;
  /** Every task of the stage for a query string, following nextPageToken like the SDK (pageToken first). */
  const allTasks = async (query = '') => {
    const out = [];
    let token = null;
    let pages = 0;
    do {
      const qs = [token !== null ? `pageToken=${encodeURIComponent(token)}` : '', query].filter(Boolean).join('&');
      const r = await v2('GET', `/v2/public/projects/${p.info.projectHash}/workflow/stages/${stage}/tasks${qs ? `?${qs}` : ''}`);
      assert.equal(r.status, 200, JSON.stringify(r.json));
      out.push(...r.json.results);
      token = r.json.nextPageToken;
      pages++;
    } while (token !== null && pages < 50);
    return out;
  };
  return { p, wf, emu, v1, v2, allTasks };
}

/** The SDK's labelrowmetadata payload (every key, nulls included) with some filters set. */
function lrmPayload(filters = {}) {
  return {
    edited_before: null,
    edited_after: null,
    label_statuses: null,
    shadow_data_state: null,
    include_uninitialised_labels: true,
    data_hashes: null,
    label_hashes: null,
    data_title_eq: null,
    data_title_like: null,
    workflow_graph_node_title_eq: null,
    workflow_graph_node_title_like: null,
    include_client_metadata: false,
    include_images_data: false,
    include_children: false,
    include_workflow_graph_node: true,
    include_all_label_branches: false,
    branch_name: null,
    ...filters,
  };
}

test('get_tasks filters: dataTitleContains, datasetHashes, userEmails, statuses apply across pages', async () => {
  const { p, emu, allTasks } = await fixture();
  try {
    assert.equal((await allTasks()).length, 12);
    // data_title="img-00000" → img-000000 … img-000009 (the SDK sends dataTitleContains).
    const byTitle = await allTasks('dataTitleContains=img-00000');
    assert.deepEqual(
      byTitle.map((t) => t.dataTitle),
      Array.from({ length: 10 }, (_, i) => `img-00000${i}.jpg`),
    );
    assert.deepEqual(
      (await allTasks('dataTitleContains=000011')).map((t) => t.dataTitle),
      ['img-000011.jpg'],
    );
    assert.equal((await allTasks('dataTitleContains=IMG-000011')).length, 1, 'case-insensitive');
    assert.equal((await allTasks('dataTitleContains=nothing')).length, 0);
    // dataset_hash: the project's dataset matches everything, another dataset nothing.
    assert.equal((await allTasks(`datasetHashes=${p.info.projectHash}`)).length, 0);
    const lp = LocalProject.open(p.dir);
    const dataset = lp.datasetHash;
    lp.close();
    assert.equal((await allTasks(`datasetHashes=${dataset}`)).length, 12);
    assert.equal((await allTasks(`datasetHashes=00000000-0000-0000-0000-000000000000&datasetHashes=${dataset}`)).length, 12);
    // assignee → userEmails (quote_plus: @ → %40).
    const mine = await allTasks('userEmails=ann%40example.com');
    assert.deepEqual(
      mine.map((t) => t.assignee),
      ['ann@example.com', 'ann@example.com'],
    );
    assert.equal((await allTasks('userEmails=bob%40example.com')).length, 0);
    // Combined with statuses and with a dataHashes lookup.
    assert.equal((await allTasks('userEmails=ann%40example.com&statuses=NEW')).length, 2);
    assert.equal((await allTasks('dataTitleContains=img&statuses=COMPLETED')).length, 0);
    const hashes = mine.map((t) => `dataHashes=${t.dataHash}`).join('&');
    assert.equal((await allTasks(`${hashes}&dataTitleContains=img`)).length, 2);
    assert.equal((await allTasks(`${hashes}&dataTitleContains=zzz`)).length, 0);
  } finally {
    await emu.stop();
  }
});

test('list_label_rows_v2 filters: title eq/like, stage title eq/like, label_hashes, edited_*, label_statuses, shadow data', async () => {
  const { p, wf, emu, v1, v2, allTasks } = await fixture(6);
  try {
    const titles = (r) => r.response.map((m) => m.data_title).sort();
    const all = await v1('labelrowmetadata', 'GET', null, lrmPayload());
    assert.equal(all.response.length, 6);
    assert.deepEqual(titles(await v1('labelrowmetadata', 'GET', null, lrmPayload({ data_title_eq: 'img-000002.jpg' }))), [
      'img-000002.jpg',
    ]);
    assert.deepEqual(titles(await v1('labelrowmetadata', 'GET', null, lrmPayload({ data_title_eq: 'img-000002' }))), []);
    assert.deepEqual(titles(await v1('labelrowmetadata', 'GET', null, lrmPayload({ data_title_like: 'img-00000_.jpg' }))).length, 6);
    assert.deepEqual(titles(await v1('labelrowmetadata', 'GET', null, lrmPayload({ data_title_like: '%3.jpg' }))), ['img-000003.jpg']);
    assert.deepEqual(
      titles(await v1('labelrowmetadata', 'GET', null, lrmPayload({ data_title_like: 'IMG%' }))),
      [],
      'LIKE is case-sensitive',
    );
    // Move two tasks to Complete; the stage-title filters follow them.
    const tasks = await allTasks();
    const moved = tasks.slice(0, 2);
    const act = await v2(
      'POST',
      `/v2/public/projects/${p.info.projectHash}/workflow/stages/${wf.ids.agent}/actions`,
      moved.map((t) => ({ taskUuid: t.uuid, action: 'PATHWAY_ACTION', pathwayName: 'complete' })),
    );
    assert.equal(act.status, 204);
    const done = (await v1('labelrowmetadata', 'GET', null, lrmPayload({ workflow_graph_node_title_eq: 'Complete' }))).response;
    assert.deepEqual(done.map((m) => m.data_hash).sort(), moved.map((t) => t.dataHash).sort());
    assert.equal((await v1('labelrowmetadata', 'GET', null, lrmPayload({ workflow_graph_node_title_eq: 'Agent 1' }))).response.length, 4);
    assert.equal((await v1('labelrowmetadata', 'GET', null, lrmPayload({ workflow_graph_node_title_like: 'Agent%' }))).response.length, 4);
    // With include_workflow_graph_node=false the filter still applies, and the node is not returned.
    const hidden = (
      await v1(
        'labelrowmetadata',
        'GET',
        null,
        lrmPayload({ workflow_graph_node_title_eq: 'Complete', include_workflow_graph_node: false }),
      )
    ).response;
    assert.equal(hidden.length, 2);
    assert.ok(hidden.every((m) => !('workflow_graph_node' in m)));
    // label_statuses (AnnotationTaskStatus): DONE stage → COMPLETED, assigned → ASSIGNED, else QUEUED.
    const st = async (s) => (await v1('labelrowmetadata', 'GET', null, lrmPayload({ label_statuses: s }))).response.length;
    assert.equal(await st(['COMPLETED']), 2);
    assert.equal(await st(['ASSIGNED']), tasks.slice(2).filter((t) => t.assignee !== null).length);
    assert.equal(await st(['QUEUED', 'ASSIGNED', 'COMPLETED']), 6);
    assert.equal(await st(['IN_REVIEW']), 0);
    assert.equal((await v1('labelrowmetadata', 'GET', null, lrmPayload({ shadow_data_state: 'SHADOW_DATA' }))).response.length, 0);
    assert.equal((await v1('labelrowmetadata', 'GET', null, lrmPayload({ shadow_data_state: 'NOT_SHADOW_DATA' }))).response.length, 6);
    // Create two label rows (PUT), then label_hashes and edited_* select them.
    const created = await v1('labelrow', 'PUT', [tasks[3].dataHash, tasks[4].dataHash], {
      multi_request: true,
      get_signed_url: false,
      branch_name: 'main',
    });
    assert.equal(created.status, 200);
    const labelHashes = created.response.map((r) => r.label_hash);
    const byLabel = (await v1('labelrowmetadata', 'GET', null, lrmPayload({ label_hashes: labelHashes }))).response;
    assert.deepEqual(byLabel.map((m) => m.label_hash).sort(), [...labelHashes].sort());
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString().replace('Z', '+00:00');
    const inAnHour = new Date(Date.now() + 3_600_000).toISOString().slice(0, 19); // naive = UTC, as the SDK's isoformat()
    assert.deepEqual(
      (await v1('labelrowmetadata', 'GET', null, lrmPayload({ edited_after: hourAgo }))).response.map((m) => m.label_hash).sort(),
      [...labelHashes].sort(),
    );
    assert.equal((await v1('labelrowmetadata', 'GET', null, lrmPayload({ edited_before: inAnHour }))).response.length, 2);
    assert.equal((await v1('labelrowmetadata', 'GET', null, lrmPayload({ edited_after: inAnHour }))).response.length, 0);
    const badDate = await v1('labelrowmetadata', 'GET', null, lrmPayload({ edited_after: 'yesterday-ish' }));
    assert.equal(badDate.status, 400);
    assert.deepEqual(badDate.response, ['INVALID_DATE_FORMAT_ERROR']);
    // Filters combine with data_hashes.
    const combo = await v1(
      'labelrowmetadata',
      'GET',
      null,
      lrmPayload({
        data_hashes: tasks.map((t) => t.dataHash),
        workflow_graph_node_title_eq: 'Complete',
        data_title_eq: moved[0].dataTitle,
      }),
    );
    assert.deepEqual(
      combo.response.map((m) => m.data_hash),
      [moved[0].dataHash],
    );
  } finally {
    await emu.stop();
  }
});

test('sqlLike and parseTime', () => {
  assert.ok(sqlLike('img-%.jpg').test('img-1.jpg'));
  assert.ok(!sqlLike('img-%.jpg').test('img-1.jpgx'));
  assert.ok(sqlLike('a_c').test('abc') && !sqlLike('a_c').test('abbc'));
  assert.ok(sqlLike('100\\%').test('100%') && !sqlLike('100\\%').test('1000'));
  assert.ok(sqlLike('(x)[y].*').test('(x)[y].*') && !sqlLike('a.c').test('abc'));
  assert.ok(!sqlLike('abc').test('ABC'));
  assert.equal(parseTime('2024-01-02T03:04:05'), Date.UTC(2024, 0, 2, 3, 4, 5));
  assert.equal(parseTime('2024-01-02 03:04:05.250'), Date.UTC(2024, 0, 2, 3, 4, 5, 250));
  assert.equal(parseTime('2024-01-02T03:04:05+01:00'), Date.UTC(2024, 0, 2, 2, 4, 5));
  assert.equal(parseTime('Tue, 02 Jan 2024 03:04:05 UTC'), Date.UTC(2024, 0, 2, 3, 4, 5));
  assert.ok(Number.isNaN(parseTime('soon')));
});
