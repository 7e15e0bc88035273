import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createEncordPlatform,
  parseOpenSshPrivateKey,
  parseAuthorizedKeys,
  formatOpenSshPublicKey,
  verifyV1Request,
  verifyV2Request,
  projectToWire,
  ontologyToWire,
  agentTaskToWire,
  pageToWire,
  labelRowMetadataToWire,
  storageItemToWire,
  v1Success,
  v1Failure,
  v1RequestFromWire,
  actionsFromWire,
  storageGetBulkFromWire,
  prioritiesFromWire,
  labelRowMetadataPayloadFromWire,
} from '../../dist/platform/encord/index.js';
import { REF_KEY_TEXT, startServer, json, FAST_RETRY } from './fixtures.mjs';

const keys = parseAuthorizedKeys(formatOpenSshPublicKey(parseOpenSshPrivateKey(REF_KEY_TEXT)));
const P = '11111111-1111-1111-1111-111111111111';
const AGENT = '33333333-3333-3333-3333-333333333333';
const project = {
  projectHash: P,
  title: 'P',
  description: '',
  ontologyHash: 'onto-1',
  ontology: { objects: [], classifications: [] },
  workflow: {
    stages: [
      {
        stageType: 'AGENT',
        uuid: AGENT,
        title: 'Agent 1',
        pathways: [{ uuid: '66666666-6666-6666-6666-666666666666', title: 'to annotate', destinationUuid: '44' }],
      },
      { stageType: 'ANNOTATION', uuid: '44', title: 'Annotate' },
    ],
  },
};
const task = (i) => ({
  uuid: `task-${i}`,
  createdAt: 't',
  updatedAt: 't',
  status: 'NEW',
  dataHash: `data-${i}`,
  dataTitle: `img${i}.jpg`,
  labelBranchName: 'main',
  assignee: null,
  lastActionedBy: null,
});
const item = (u) => ({
  uuid: u,
  parent: 'folder',
  itemType: 'image',
  name: u,
  description: '',
  clientMetadata: '{}',
  createdAt: 't',
  lastEditedAt: 't',
  backedDataUnitsCount: 1,
  storageLocation: 'encord',
  url: null,
  signedUrl: `https://media.example/${u}?sig=S3CR3T`,
  fileSize: 1,
  mimeType: 'image/jpeg',
  duration: null,
  fps: null,
  height: 10,
  width: 20,
  frameCount: null,
});
const meta = (i, labelHash) => ({
  labelHash,
  branchName: 'main',
  dataHash: `data-${i}`,
  dataTitle: `img${i}.jpg`,
  dataType: 'IMAGE',
  datasetHash: 'ds',
  datasetTitle: 'DS',
  dataLink: null,
  labelStatus: 'NOT_LABELLED',
  numberOfFrames: 1,
  backingItemUuid: `item-${i}`,
  priority: 0.5,
  workflowGraphNode: { uuid: AGENT, title: 'Agent 1' },
});
const labelRow = (i, labelHash) => ({
  label_hash: labelHash,
  data_hash: `data-${i}`,
  data_type: 'image',
  data_units: {},
  object_answers: {},
  classification_answers: {},
  object_actions: {},
});

/**
 * A miniature Encord API built from the wire helpers, verifying every signature. `state.lose`
 * holds request kinds ('actions', 'PUT') whose next answer is lost after the request was applied;
 * `state.fail` kinds whose next attempt gets a 500 before anything is applied. Label rows are
 * created once (a second PUT for the same data is refused, as a strict server would).
 */
async function fakeEncord(state) {
  const log = [];
  const once = (set, kind) => set?.delete(kind) ?? false;
  const s = await startServer((req, res, body) => {
    const u = new URL(req.url, 'http://x');
    const applied = (kind, answer) => (once(state.lose, kind) ? req.socket.destroy() : answer());
    if (u.pathname === '/public') {
      if (!verifyV1Request({ headers: req.headers, body, keys }).ok) return json(res, 401, v1Failure('AUTHENTICATION_ERROR').body);
      const env = v1RequestFromWire(JSON.parse(body.toString()));
      log.push(`v1 ${env.query_type} ${env.query_method}`);
      if (env.query_type === 'labelrowmetadata') {
        const { dataHashes } = labelRowMetadataPayloadFromWire(env.values.payload);
        return json(
          res,
          200,
          v1Success(
            dataHashes.map((h) => {
              const i = Number(h.split('-')[1]);
              const node =
                state.elsewhere?.[h] ?? (state.movedBy?.has(h) ? { uuid: '44', title: 'Annotate' } : { uuid: AGENT, title: 'Agent 1' });
              return labelRowMetadataToWire({ ...meta(i, state.created?.has(h) ? `lh-${i}` : null), workflowGraphNode: node });
            }),
          ),
        );
      }
      if (env.query_type === 'labelrow' && env.query_method === 'GET')
        return json(res, 200, v1Success(env.values.uid.map((h) => labelRow(Number(h.split('-')[1]), h))));
      if (env.query_type === 'labelrow' && env.query_method === 'PUT') {
        if (once(state.fail, 'PUT')) return json(res, 500, v1Failure('UNKNOWN_ERROR', 'try again').body);
        state.created ??= new Set();
        if (env.values.uid.some((h) => state.created.has(h)))
          return json(res, 400, v1Failure('RESOURCE_EXISTS_ERROR', 'label row exists').body);
        for (const h of env.values.uid) state.created.add(h);
        return applied('PUT', () =>
          json(res, 200, v1Success(env.values.uid.map((h) => labelRow(Number(h.split('-')[1]), `lh-${h.split('-')[1]}`)))),
        );
      }
      if (env.query_type === 'labelrow' && env.query_method === 'POST') {
        state.saved.push(...env.values.uid);
        assert.deepEqual(
          env.values.payload.labels.map((l) => l.label_hash),
          env.values.uid,
        );
        return json(res, 200, v1Success(true));
      }
      return json(res, 400, v1Failure('INVALID_ARGUMENTS_ERROR', 'unknown').body);
    }
    if (!verifyV2Request({ method: req.method, requestTarget: req.url, headers: req.headers, body, keys }).ok)
      return json(res, 401, { message: 'unsigned' });
    const path = u.pathname.replace('/v2/public/', '');
    log.push(`${req.method} ${path}${u.search ? ' ?' : ''}`);
    if (path === `projects/${P}`) return json(res, 200, projectToWire(project));
    if (path === 'ontologies/onto-1') return json(res, 200, ontologyToWire(project));
    if (path === `projects/${P}/workflow/stages/${AGENT}/tasks`) {
      const hashes = u.searchParams.getAll('dataHashes');
      const inStage = state.stage.filter((t) => hashes.length === 0 || hashes.includes(t.dataHash));
      const start = Number(u.searchParams.get('pageToken') ?? 0);
      const next = start + 2 < inStage.length ? String(start + 2) : null;
      return json(res, 200, pageToWire(inStage.slice(start, start + 2).map(agentTaskToWire), next));
    }
    if (path === `projects/${P}/workflow/stages/${AGENT}/actions`) {
      const actions = actionsFromWire(JSON.parse(body.toString()));
      state.actionRequests.push(actions.map((a) => a.taskUuid));
      // The real backend: one task no longer in the stage → the whole request is rejected.
      if (actions.some((a) => !state.stage.some((t) => t.uuid === a.taskUuid)))
        return json(res, 400, { message: 'Task not found in stage' });
      if (actions.some((a) => a.pathwayName === 'bogus')) return json(res, 400, { message: 'Unknown pathway' });
      for (const t of state.stage) if (actions.some((a) => a.taskUuid === t.uuid)) (state.movedBy ??= new Set()).add(t.dataHash);
      state.stage = state.stage.filter((t) => !actions.some((a) => a.taskUuid === t.uuid));
      return applied('actions', () => {
        res.writeHead(204);
        res.end();
      });
    }
    if (path === `projects/${P}/priorities`) {
      state.priorities.push(prioritiesFromWire(JSON.parse(body.toString())));
      return json(res, 200, null);
    }
    if (path === 'storage/items/get-bulk') {
      const { itemUuids, signUrls } = storageGetBulkFromWire(JSON.parse(body.toString()));
      // Answer in reverse order: the client must restore request order.
      return json(
        res,
        200,
        pageToWire(
          itemUuids
            .filter((x) => x !== 'ghost')
            .reverse()
            .map((x) => storageItemToWire({ ...item(x), signedUrl: signUrls ? item(x).signedUrl : null })),
          null,
        ),
      );
    }
    if (path === 'storage/folders/folder/items/group-1/child-items') {
      assert.equal(u.searchParams.get('signUrls'), 'True');
      return json(
        res,
        200,
        pageToWire(
          ['c0', 'c1'].map((x) => storageItemToWire(item(x))),
          null,
        ),
      );
    }
    return json(res, 404, {});
  });
  return { ...s, log };
}

function setup(state, limits = {}) {
  return fakeEncord(state).then((s) => ({
    s,
    p: createEncordPlatform({ projectHash: P, keyText: REF_KEY_TEXT, domain: s.url, env: {}, http: { retry: FAST_RETRY }, limits }),
  }));
}
const newState = (n) => ({ stage: Array.from({ length: n }, (_, i) => task(i)), actionRequests: [], saved: [], priorities: [] });

test('getProject makes the two SDK calls and maps the workflow', async () => {
  const { s, p } = await setup(newState(0));
  try {
    const info = await p.getProject();
    assert.deepEqual(info, project);
    assert.deepEqual(s.log, [`GET projects/${P}`, 'GET ontologies/onto-1']);
    assert.equal(p.callCounts().getProject, 1);
    assert.equal(p.callCounts().getOntology, 1);
  } finally {
    await p.close();
    await s.close();
  }
});

/** Every page of a taskPages stream, as uuid lists. */
async function pagesOf(p, stage, options) {
  const out = [];
  for await (const page of p.taskPages(stage, options)) out.push(page.map((t) => t.uuid));
  return out;
}

test("taskPages yields the server's pages, following nextPageToken (pageToken first), with dataHashes", async () => {
  const { s, p } = await setup(newState(5));
  try {
    assert.deepEqual(await pagesOf(p, AGENT), [['task-0', 'task-1'], ['task-2', 'task-3'], ['task-4']]);
    const urls = s.requests.map((q) => q.url).filter((u) => u.includes('/tasks'));
    assert.deepEqual(
      urls.map((u) => new URL(u, 'http://x').search),
      ['', '?pageToken=2', '?pageToken=4'],
    );
    assert.deepEqual(await pagesOf(p, AGENT, { dataHashes: ['data-4'] }), [['task-4']]);
    assert.equal(p.callCounts().listTasks, 4);
  } finally {
    await p.close();
    await s.close();
  }
});

test('taskPages fetches lazily: a consumer that stops after one page costs one request', async () => {
  const { s, p } = await setup(newState(9));
  try {
    for await (const page of p.taskPages(AGENT)) {
      assert.equal(page.length, 2);
      break;
    }
    assert.equal(s.requests.filter((q) => q.url.includes('/tasks')).length, 1);
  } finally {
    await p.close();
    await s.close();
  }
});

test('proceedTasks: a task that already left the stage is skipped, the rest are re-sent and moved', async () => {
  const state = newState(6);
  const { s, p } = await setup(state, { actions: 4 });
  try {
    let listed = 0;
    for await (const page of p.taskPages(AGENT)) if ((listed += page.length) >= 4) break;
    state.stage = state.stage.filter((t) => t.uuid !== 'task-1'); // someone moved it meanwhile
    const actions = [0, 1, 2, 3, 4, 5].map((i) => ({ taskUuid: `task-${i}`, pathwayName: 'to annotate' }));
    const r = await p.proceedTasks(AGENT, actions);
    assert.deepEqual(r.skipped, ['task-1']);
    assert.deepEqual(r.moved.sort(), ['task-0', 'task-2', 'task-3', 'task-4', 'task-5']);
    assert.deepEqual(state.actionRequests, [
      ['task-0', 'task-1', 'task-2', 'task-3'],
      ['task-0', 'task-2', 'task-3'],
      ['task-4', 'task-5'],
    ]);
    assert.deepEqual(state.stage, []);
    // The stale check re-listed the stage by data hash (tasks were known from taskPages).
    assert.ok(s.requests.some((q) => q.url.includes('/tasks?dataHashes=data-0&dataHashes=data-1')));
  } finally {
    await p.close();
    await s.close();
  }
});

test('proceedTasks: unknown tasks are checked by listing the stage; a 400 with every task present is thrown', async () => {
  const state = newState(3);
  const { s, p } = await setup(state);
  try {
    state.stage = state.stage.filter((t) => t.uuid !== 'task-0');
    const r = await p.proceedTasks(AGENT, [
      { taskUuid: 'task-0', pathwayUuid: 'x' },
      { taskUuid: 'task-2', pathwayUuid: 'x' },
    ]);
    assert.deepEqual(r, { moved: ['task-2'], skipped: ['task-0'] });
    const allGone = await p.proceedTasks(AGENT, [{ taskUuid: 'task-0', pathwayUuid: 'x' }]);
    assert.deepEqual(allGone, { moved: [], skipped: ['task-0'] });
    const bogus = await p.proceedTasks(AGENT, [{ taskUuid: 'task-1', pathwayName: 'bogus' }]).catch((x) => x);
    assert.equal(bogus.code, 'TA_PLATFORM_REQUEST_FAILED');
    assert.match(bogus.message, /Unknown pathway/);
    assert.equal(state.stage.length, 1);
  } finally {
    await p.close();
    await s.close();
  }
});

test("proceedTasks: a re-send after a lost answer counts tasks found at their pathway's destination as moved; tasks someone else moved stay skipped", async () => {
  const state = newState(6);
  const { s, p } = await setup(state);
  try {
    await pagesOf(p, AGENT); // lists every task, so their data hashes are known
    // Our request is applied, its answer lost; meanwhile a reviewer moved task-2 on to another stage.
    state.lose = new Set(['actions']);
    state.elsewhere = { 'data-2': { uuid: '55', title: 'Review' } };
    const r = await p.proceedTasks(
      AGENT,
      [0, 1, 2].map((i) => ({ taskUuid: `task-${i}`, pathwayUuid: '66666666-6666-6666-6666-666666666666' })),
    );
    assert.deepEqual(r, { moved: ['task-0', 'task-1'], skipped: ['task-2'] });
    assert.equal(state.actionRequests.length, 2, 'sent, then re-sent once');
    // Without a lost answer, a task found at the destination was moved by someone else: skipped.
    state.stage = state.stage.filter((t) => t.uuid !== 'task-3');
    state.elsewhere['data-3'] = { uuid: '44', title: 'Annotate' };
    const other = await p.proceedTasks(AGENT, [{ taskUuid: 'task-3', pathwayUuid: '66666666-6666-6666-6666-666666666666' }]);
    assert.deepEqual(other, { moved: [], skipped: ['task-3'] });
    // Data hashes given with the actions (as twin proceeds give them) are enough: no listing needed.
    const fresh = await setup(Object.assign(newState(6), { lose: new Set(['actions']) }));
    try {
      const moved = await fresh.p.proceedTasks(
        AGENT,
        [4, 5].map((i) => ({ taskUuid: `task-${i}`, pathwayUuid: '66666666-6666-6666-6666-666666666666', dataHash: `data-${i}` })),
      );
      assert.deepEqual(moved, { moved: ['task-4', 'task-5'], skipped: [] });
      assert.ok(
        fresh.s.requests.some((q) => q.url.includes('/tasks?dataHashes=data-4&dataHashes=data-5')),
        'looked up by data hash',
      );
    } finally {
      await fresh.p.close();
      await fresh.s.close();
    }
  } finally {
    await p.close();
    await s.close();
  }
});

test('label-row creation is never sent twice for the same row: after a lost answer the rows are read back; after a 500 they are created again', async () => {
  const state = newState(0);
  const { s, p } = await setup(state);
  try {
    state.lose = new Set(['PUT']);
    const rows = await p.getLabelRows([meta(7, null), meta(8, null)]);
    assert.deepEqual([...rows.keys()].sort(), ['data-7', 'data-8']);
    assert.equal(rows.get('data-7').label_hash, 'lh-7');
    assert.deepEqual(
      s.log.filter((l) => l.startsWith('v1')),
      ['v1 labelrow PUT', 'v1 labelrowmetadata GET', 'v1 labelrow GET'],
    );
    s.log.length = 0;
    state.fail = new Set(['PUT']);
    const again = await p.getLabelRows([meta(9, null)]);
    assert.equal(again.get('data-9').label_hash, 'lh-9');
    assert.deepEqual(
      s.log.filter((l) => l.startsWith('v1')),
      ['v1 labelrow PUT', 'v1 labelrowmetadata GET', 'v1 labelrow PUT'],
    );
    assert.deepEqual([...state.created].sort(), ['data-7', 'data-8', 'data-9']);
  } finally {
    await p.close();
    await s.close();
  }
});

test('label rows: metadata mapped to camelCase, GET for hashed rows, PUT for null hashes, saves chunked and created first', async () => {
  const state = newState(0);
  const { s, p } = await setup(state, { labelSaves: 2, priorities: 2 });
  try {
    const metas = await p.listLabelRowMetadata(['data-1', 'data-2', 'data-1']);
    assert.equal(metas.length, 2);
    assert.deepEqual(metas[0], { ...meta(1, null), createdAt: null, lastEditedAt: null });
    const rows = await p.getLabelRows([meta(1, 'lh-1'), meta(2, null), meta(3, 'lh-3')]);
    assert.deepEqual([...rows.keys()].sort(), ['data-1', 'data-2', 'data-3']);
    assert.equal(rows.get('data-2').label_hash, 'lh-2');
    assert.deepEqual(
      s.log.filter((l) => l.startsWith('v1')),
      ['v1 labelrowmetadata GET', 'v1 labelrow GET', 'v1 labelrow PUT'],
    );
    await p.saveLabelRows([
      { dataHash: 'data-1', labelHash: 'lh-1', labelRow: labelRow(1, 'lh-1') },
      { dataHash: 'data-3', labelHash: null, labelRow: labelRow(3, 'lh-3') },
      { dataHash: 'data-5', labelHash: null, labelRow: labelRow(5, null) },
    ]);
    assert.deepEqual(state.saved, ['lh-1', 'lh-3', 'lh-5']);
    await p.setPriorities([
      ['data-1', 0],
      ['data-2', 0.5],
      ['data-3', 1],
    ]);
    assert.deepEqual(state.priorities, [
      [
        ['data-1', 0],
        ['data-2', 0.5],
      ],
      [['data-3', 1]],
    ]);
    const c = p.callCounts();
    assert.equal(c.saveLabelRows, 2);
    assert.equal(c.createLabelRows, 2);
    assert.equal(c.setPriorities, 2);
  } finally {
    await p.close();
    await s.close();
  }
});

test('storage items come back in request order, chunked; missing ones are a coded error; child items', async () => {
  const { s, p } = await setup(newState(0), { storageItems: 2 });
  try {
    const items = await p.getStorageItems(['a', 'b', 'c', 'a'], { signUrls: true });
    assert.deepEqual(
      items.map((i) => i.uuid),
      ['a', 'b', 'c', 'a'],
    );
    assert.match(items[0].signedUrl, /sig=/);
    assert.equal(p.callCounts().getStorageItems, 2);
    const e = await p.getStorageItems(['a', 'ghost']).catch((x) => x);
    assert.equal(e.code, 'TA_STORAGE_ITEM_MISSING');
    const kids = await p.getChildItems({ ...item('group-1'), itemType: 'imageGroup' }, { signUrls: true });
    assert.deepEqual(
      kids.map((k) => k.uuid),
      ['c0', 'c1'],
    );
  } finally {
    await p.close();
    await s.close();
  }
});

test('downloadMedia streams to a file; an expired URL is refreshed once; errors hide the query string', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ta-dl-'));
  const payload = Buffer.alloc(3 * 1024 * 1024, 7);
  const media = await startServer((req, res) => {
    if (req.url.includes('sig=old')) {
      res.writeHead(403);
      return res.end('expired');
    }
    if (req.url.includes('sig=gone')) {
      res.writeHead(404);
      return res.end();
    }
    res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': payload.length });
    res.end(payload);
  });
  const { s, p } = await setup(newState(0));
  try {
    let refreshes = 0;
    const r = await p.downloadMedia(`${media.url}/v.mp4?sig=old`, join(dir, 'v.mp4'), {
      refresh: async () => {
        refreshes++;
        return `${media.url}/v.mp4?sig=new`;
      },
    });
    assert.deepEqual(
      { ...r, path: undefined },
      { path: undefined, bytes: payload.length, contentType: 'video/mp4', refreshed: true, retries: 0 },
    );
    assert.equal(refreshes, 1);
    assert.ok(readFileSync(join(dir, 'v.mp4')).equals(payload));
    const e = await p
      .downloadMedia(`${media.url}/v.mp4?sig=old`, join(dir, 'w.mp4'), { refresh: async () => `${media.url}/v.mp4?sig=gone` })
      .catch((x) => x);
    assert.equal(e.code, 'TA_MEDIA_DOWNLOAD_FAILED');
    assert.ok(!e.message.includes('sig='), e.message);
    assert.deepEqual(readdirSync(dir), ['v.mp4']);
    assert.equal(p.callCounts().downloadMedia, 2);
    // The refresher re-fetches the storage item with a signed URL.
    assert.match(await p.signedUrlRefresher({ uuid: 'zz' })(), /media\.example\/zz\?sig=/);
  } finally {
    await p.close();
    await s.close();
    await media.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
