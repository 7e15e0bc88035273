/**
 * The v2 REST endpoints EncordPlatform calls (protocol reference §4, §5, §8), over a LocalProject.
 * Shapes come from wire.ts. Workflow actions follow the real backend: the WHOLE request is
 * rejected with 400 when any task is no longer in the stage (or the pathway is unknown), and
 * nothing is applied.
 */
import {
  actionsFromWire,
  agentTaskToWire,
  ontologyToWire,
  pageToWire,
  prioritiesFromWire,
  projectToWire,
  storageGetBulkFromWire,
  storageItemToWire,
  storagePatchBulkFromWire,
} from '../encord/wire.js';
import type { TaskRecord } from '../../shared/types.js';
import { ApiError, type RouteResult } from './api-error.js';
import { findStorageItems, withSignedUrl, type ApiContext } from './api-context.js';
import { queryBool } from './http-io.js';

const V2 = '/v2/public/';

function malformed(e: unknown): ApiError {
  // wire.ts parsers throw coded errors whose message names the bad field: safe to echo.
  return new ApiError(400, e instanceof Error ? e.message : 'malformed request');
}

function parse<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw malformed(e);
  }
}

/** Routes one v2 request (path already stripped of the query). */
export function handleV2(ctx: ApiContext, method: string, url: URL, body: unknown): RouteResult {
  const path = url.pathname.slice(V2.length).replace(/\/+$/, '');
  const seg = path.split('/');
  if (seg[0] === 'projects') {
    const addressed = ctx.projects.get(seg[1] ?? '');
    if (!addressed) throw new ApiError(404, 'project not found');
    ctx = { ...ctx, project: addressed };
  }
  const info = ctx.project.info;

  // GET projects/{p}
  if (method === 'GET' && seg.length === 2 && seg[0] === 'projects') {
    return { endpoint: 'GET v2 projects/{p}', status: 200, body: projectToWire(info) };
  }
  // GET ontologies/{o}
  if (method === 'GET' && seg.length === 2 && seg[0] === 'ontologies') {
    const owner = [...ctx.projects.values()].find((p) => p.info.ontologyHash === seg[1]);
    if (!owner) throw new ApiError(404, 'ontology not found');
    return { endpoint: 'GET v2 ontologies/{o}', status: 200, body: ontologyToWire({ ...owner.info, title: owner.info.title }) };
  }
  // projects/{p}/workflow/stages/{s}/tasks|actions
  if (seg.length === 6 && seg[0] === 'projects' && seg[2] === 'workflow' && seg[3] === 'stages') {
    const stage = info.workflow.stages.find((s) => s.uuid === seg[4]);
    if (!stage) throw new ApiError(404, 'stage not found');
    if (method === 'GET' && seg[5] === 'tasks')
      return { endpoint: 'GET v2 …/stages/{s}/tasks', status: 200, body: listTasks(ctx, stage.uuid, url.searchParams) };
    if (method === 'POST' && seg[5] === 'actions') {
      const moved = applyActions(ctx, stage.uuid, body);
      return { endpoint: 'POST v2 …/stages/{s}/actions', status: 204, items: moved };
    }
  }
  // POST projects/{p}/priorities
  if (method === 'POST' && seg.length === 3 && seg[0] === 'projects' && seg[2] === 'priorities') {
    const pairs = parse(() => prioritiesFromWire(body));
    if (pairs.some(([, p]) => p < 0 || p > 1)) throw new ApiError(400, 'priorities must be in [0, 1]');
    ctx.project.setPriorities(pairs);
    return { endpoint: 'POST v2 projects/{p}/priorities', status: 204 };
  }
  // POST storage/items/get-bulk
  if (method === 'POST' && path === 'storage/items/get-bulk') {
    const req = parse(() => storageGetBulkFromWire(body));
    const items = findStorageItems(ctx, req.itemUuids).map(({ item, project }) =>
      storageItemToWire(withSignedUrl(ctx, project, item, req.signUrls)),
    );
    return { endpoint: 'POST v2 storage/items/get-bulk', status: 200, body: pageToWire(items, null) };
  }
  // PATCH storage/items/patch-bulk: client metadata replaced per item (all or nothing: an unknown item is a 404)
  if (method === 'PATCH' && path === 'storage/items/patch-bulk') {
    const patches = parse(() => storagePatchBulkFromWire(body));
    const found = findStorageItems(
      ctx,
      patches.map((p) => p.itemUuid),
    );
    if (found.length !== patches.length) throw new ApiError(404, 'storage item not found');
    const byUuid = new Map(found.map((f) => [f.item.uuid, f]));
    for (const p of patches) byUuid.get(p.itemUuid)!.project.updateClientMetadata([p]);
    const items = findStorageItems(
      ctx,
      patches.map((p) => p.itemUuid),
    ).map(({ item }) => storageItemToWire(item));
    return { endpoint: 'PATCH v2 storage/items/patch-bulk', status: 200, body: pageToWire(items, null) };
  }
  // GET storage/items/{i}
  if (method === 'GET' && seg.length === 3 && seg[0] === 'storage' && seg[1] === 'items') {
    const [found] = findStorageItems(ctx, [seg[2] ?? '']);
    if (!found) throw new ApiError(404, 'storage item not found');
    return {
      endpoint: 'GET v2 storage/items/{i}',
      status: 200,
      body: storageItemToWire(withSignedUrl(ctx, found.project, found.item, queryBool(url.searchParams.get('signUrl')))),
    };
  }
  // GET storage/folders/{f}/items/{i}/child-items
  if (
    method === 'GET' &&
    seg.length === 6 &&
    seg[0] === 'storage' &&
    seg[1] === 'folders' &&
    seg[3] === 'items' &&
    seg[5] === 'child-items'
  ) {
    const [found] = findStorageItems(ctx, [seg[4] ?? '']);
    if (!found || found.item.parent !== seg[2]) throw new ApiError(404, 'storage item not found');
    const sign = queryBool(url.searchParams.get('signUrls'));
    const children = found.project.getChildItems(found.item.uuid).map((c) => storageItemToWire(withSignedUrl(ctx, found.project, c, sign)));
    return { endpoint: 'GET v2 storage/…/child-items', status: 200, body: pageToWire(children, null) };
  }
  throw new ApiError(404, 'no such endpoint');
}

/**
 * One page of a stage's tasks; the token is the last task's position. Every filter the SDK sends
 * (`get_tasks(assignee, data_hash, dataset_hash, data_title, status)`) applies: `dataHashes`
 * selects by index, the others filter the page, so a filtered page may hold fewer than pageSize
 * tasks (the SDK simply follows the token). `dataTitleContains` is a case-insensitive substring.
 */
function listTasks(ctx: ApiContext, stageUuid: string, q: URLSearchParams): unknown {
  const hashes = q.getAll('dataHashes');
  const statuses = new Set(q.getAll('statuses'));
  const emails = new Set(q.getAll('userEmails'));
  const datasets = new Set(q.getAll('datasetHashes'));
  const title = q.get('dataTitleContains')?.toLowerCase() ?? null;
  const inDataset = datasets.size === 0 || datasets.has(ctx.project.datasetHash);
  const keep = (t: TaskRecord): boolean =>
    inDataset &&
    (statuses.size === 0 || statuses.has(t.status)) &&
    (emails.size === 0 || (t.assignee !== null && emails.has(t.assignee))) &&
    (title === null || t.dataTitle.toLowerCase().includes(title));
  if (hashes.length > 0) {
    // A lookup by data hash (twin tasks, stale checks): only those tasks, one page back.
    const found: TaskRecord[] = [];
    let token: string | null = null;
    do {
      const page = ctx.project.listTasks(stageUuid, { pageToken: token, pageSize: 5000, dataHashes: hashes });
      found.push(...page.results.filter(keep));
      token = page.nextPageToken;
    } while (token !== null);
    return pageToWire(found.map(agentTaskToWire), null);
  }
  const token = q.get('pageToken');
  if (token !== null && !/^\d+$/.test(token)) throw new ApiError(400, 'invalid pageToken');
  const page = ctx.project.listTasks(stageUuid, { pageToken: token, pageSize: ctx.pageSize });
  // A full last page would otherwise hand out a token to an empty page: one wasted request per pass.
  const more =
    page.nextPageToken !== null && ctx.project.listTasks(stageUuid, { pageToken: page.nextPageToken, pageSize: 1 }).results.length > 0;
  return pageToWire(page.results.filter(keep).map(agentTaskToWire), more ? page.nextPageToken : null);
}

/** Validates every action first; any problem rejects the whole request (nothing applied). */
/** Applies the actions; returns the uuids of the tasks moved. */
function applyActions(ctx: ApiContext, stageUuid: string, body: unknown): string[] {
  const actions = parse(() => actionsFromWire(body));
  const stage = ctx.project.info.workflow.stages.find((s) => s.uuid === stageUuid)!;
  if (stage.stageType !== 'AGENT') throw new ApiError(400, `stage ${stage.title} is not an agent stage`);
  const pathways = stage.pathways ?? [];
  const seen = new Set<string>();
  const resolved = actions.map((a) => {
    if (a.action !== 'PATHWAY_ACTION') throw new ApiError(400, `action ${a.action} is not supported on agent tasks`);
    if (seen.has(a.taskUuid)) throw new ApiError(400, `task ${a.taskUuid} appears twice`);
    seen.add(a.taskUuid);
    const p =
      a.pathwayUuid !== undefined ? pathways.find((x) => x.uuid === a.pathwayUuid) : pathways.find((x) => x.title === a.pathwayName);
    if (!p) throw new ApiError(400, `stage ${stage.title} has no pathway ${a.pathwayUuid ?? a.pathwayName ?? '(none given)'}`);
    if (ctx.project.stageOfTask(a.taskUuid) !== stageUuid) throw new ApiError(400, `task ${a.taskUuid} is not in stage ${stage.title}`);
    return { taskUuid: a.taskUuid, pathwayUuid: p.uuid };
  });
  ctx.project.proceedTasks(stageUuid, resolved);
  return resolved.map((r) => r.taskUuid);
}
