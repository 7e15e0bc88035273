/**
 * Encord wire shapes ⇄ our camelCase domain records, both directions, shared by the client
 * (parses responses, builds requests) and the emulator (parses requests, builds responses), so the
 * two can never drift apart. Shapes and requiredness follow the protocol reference §3–§8:
 * v2 DTOs are camelCase with required-but-nullable keys always present; v1 payloads and label-row
 * metadata are snake_case with `null`s included.
 *
 * Parsers accept camelCase or snake_case keys (the SDK parses with `populate_by_name`) and ignore
 * unknown keys.
 */
import { TaskAgentError } from '../../shared/errors.js';
import type {
  DataType,
  LabelRowIncludeArgs,
  LabelRowInitArgs,
  LabelRowJson,
  LabelRowMetadata,
  OntologyStructure,
  Pathway,
  ProjectInfo,
  StageType,
  StorageItem,
  StorageItemType,
  TaskRecord,
  TaskStatus,
  WorkflowStage,
} from '../../shared/types.js';

type Json = Record<string, unknown>;

// ------------------------------------------------------------------------------------------------
// Naming
// ------------------------------------------------------------------------------------------------

/** The SDK's `snake_to_camel`: title-case each part, drop `_`, lower the first char (`frame_2d_x` → `frame2DX`). */
export function snakeToCamel(s: string): string {
  const titled = s
    .split('_')
    .map((p) => p.toLowerCase().replace(/(^|[^a-z])([a-z])/g, (_m, pre: string, c: string) => pre + c.toUpperCase()))
    .join('');
  return titled.charAt(0).toLowerCase() + titled.slice(1);
}

/** `backingItemUuid` → `backing_item_uuid`. */
export function camelToSnake(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** Reads a key that may arrive camelCase or snake_case. */
function get(o: Json, camel: string): unknown {
  if (camel in o) return o[camel];
  const snake = camelToSnake(camel);
  return snake in o ? o[snake] : undefined;
}

function bad(what: string, detail: string): TaskAgentError {
  return new TaskAgentError('TA_PLATFORM_REQUEST_FAILED', `The platform returned a malformed ${what}: ${detail}.`, {
    hint: 'The server does not speak the Encord protocol this client expects; check ENCORD_DOMAIN.',
  });
}

function obj(v: unknown, what: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(what, 'expected a JSON object');
  return v as Json;
}

function str(o: Json, key: string, what: string): string {
  const v = get(o, key);
  if (typeof v !== 'string') throw bad(what, `"${key}" is missing or not a string`);
  return v;
}

function optStr(o: Json, key: string): string | null {
  const v = get(o, key);
  return typeof v === 'string' ? v : null;
}

function optNum(o: Json, key: string): number | null {
  const v = get(o, key);
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

// ------------------------------------------------------------------------------------------------
// Pages (v2 `Page<T>`)
// ------------------------------------------------------------------------------------------------

export interface WirePage<T> {
  results: T[];
  nextPageToken?: string | null;
}

/** `{results, nextPageToken}` (token key always present, null on the last page). */
export function pageToWire<T>(results: T[], nextPageToken: string | null): WirePage<T> {
  return { results, nextPageToken };
}

export function pageFromWire<T>(
  body: unknown,
  parseItem: (item: unknown) => T,
  what: string,
): { results: T[]; nextPageToken: string | null } {
  const o = obj(body, `${what} page`);
  const results = get(o, 'results');
  if (!Array.isArray(results)) throw bad(`${what} page`, '"results" is not an array');
  const token = get(o, 'nextPageToken');
  return { results: results.map(parseItem), nextPageToken: typeof token === 'string' && token !== '' ? token : null };
}

// ------------------------------------------------------------------------------------------------
// Project, ontology, workflow (§4)
// ------------------------------------------------------------------------------------------------

/** Extra ProjectDTO fields our ProjectInfo does not carry (the emulator fills them). */
export interface ProjectWireExtras {
  projectType?: 'workflow' | 'manual_qa';
  status?: string;
  createdAt?: string;
  lastEditedAt?: string;
  userRole?: number | null;
  sourceProjects?: string[] | null;
  workflowManagerUuid?: string | null;
}

const EPOCH = '2024-01-01T00:00:00Z';

function stageToWire(s: WorkflowStage): Json {
  const out: Json = { stageType: s.stageType, uuid: s.uuid, title: s.title };
  if (s.stageType === 'AGENT')
    out['pathways'] = (s.pathways ?? []).map((p) => ({ uuid: p.uuid, title: p.title, destinationUuid: p.destinationUuid }));
  return out;
}

function stageFromWire(v: unknown): WorkflowStage {
  const o = obj(v, 'workflow stage');
  const stage: WorkflowStage = {
    stageType: str(o, 'stageType', 'workflow stage') as StageType,
    uuid: str(o, 'uuid', 'workflow stage'),
    title: str(o, 'title', 'workflow stage'),
  };
  const pathways = get(o, 'pathways');
  if (Array.isArray(pathways)) {
    stage.pathways = pathways.map((p): Pathway => {
      const po = obj(p, 'pathway');
      return { uuid: str(po, 'uuid', 'pathway'), title: str(po, 'title', 'pathway'), destinationUuid: optStr(po, 'destinationUuid') ?? '' };
    });
  } else if (stage.stageType === 'AGENT') {
    stage.pathways = [];
  }
  return stage;
}

/** ProjectDTO (`GET /v2/public/projects/{p}`) from a ProjectInfo. */
export function projectToWire(p: ProjectInfo, extras: ProjectWireExtras = {}): Json {
  return {
    projectHash: p.projectHash,
    projectType: extras.projectType ?? 'workflow',
    status: extras.status ?? 'inProgress',
    title: p.title,
    description: p.description,
    createdAt: extras.createdAt ?? EPOCH,
    lastEditedAt: extras.lastEditedAt ?? extras.createdAt ?? EPOCH,
    ontologyHash: p.ontologyHash,
    editorOntology: p.ontology,
    userRole: extras.userRole ?? 0,
    sourceProjects: extras.sourceProjects ?? null,
    workflowManagerUuid: extras.workflowManagerUuid ?? null,
    workflow: { stages: p.workflow.stages.map(stageToWire) },
  };
}

/** `OntologyWithUserRole` (`GET /v2/public/ontologies/{o}`). */
export function ontologyToWire(
  p: Pick<ProjectInfo, 'ontologyHash' | 'ontology'> & { title?: string; description?: string },
  extras: { createdAt?: string; lastEditedAt?: string; userRole?: number | null } = {},
): Json {
  return {
    ontologyUuid: p.ontologyHash,
    title: p.title ?? '',
    description: p.description ?? '',
    editor: p.ontology,
    createdAt: extras.createdAt ?? EPOCH,
    lastEditedAt: extras.lastEditedAt ?? extras.createdAt ?? EPOCH,
    userRole: extras.userRole ?? 0,
  };
}

/**
 * ProjectInfo from a ProjectDTO and (optionally) the ontology response; the ontology's `editor`
 * wins over the project's `editorOntology`.
 * @throws TaskAgentError TA_CFG_PROJECT_INVALID for a non-workflow project
 */
export function projectFromWire(project: unknown, ontology?: unknown): ProjectInfo {
  const o = obj(project, 'project');
  const projectHash = str(o, 'projectHash', 'project');
  const type = get(o, 'projectType');
  const workflow = get(o, 'workflow');
  if (type !== 'workflow' || typeof workflow !== 'object' || workflow === null) {
    throw new TaskAgentError(
      'TA_CFG_PROJECT_INVALID',
      `Project ${projectHash} is not a workflow project (projectType ${JSON.stringify(type)}).`,
      { hint: 'Task agents run on workflow projects with at least one AGENT stage.' },
    );
  }
  const stages = get(workflow as Json, 'stages');
  if (!Array.isArray(stages)) throw bad('project', '"workflow.stages" is not an array');
  const editor = ontology !== undefined ? get(obj(ontology, 'ontology'), 'editor') : undefined;
  const structure = (editor ?? get(o, 'editorOntology') ?? { objects: [], classifications: [] }) as OntologyStructure;
  return {
    projectHash,
    title: optStr(o, 'title') ?? '',
    description: optStr(o, 'description') ?? '',
    ontologyHash: str(o, 'ontologyHash', 'project'),
    ontology: { ...structure, objects: structure.objects ?? [], classifications: structure.classifications ?? [] },
    workflow: { stages: stages.map(stageFromWire) },
  };
}

// ------------------------------------------------------------------------------------------------
// Tasks (§5)
// ------------------------------------------------------------------------------------------------

/** AgentTask JSON (all keys present; `assignee`/`lastActionedBy` nullable). */
export function agentTaskToWire(t: TaskRecord): Json {
  return {
    uuid: t.uuid,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    status: t.status,
    dataHash: t.dataHash,
    dataTitle: t.dataTitle,
    labelBranchName: t.labelBranchName,
    assignee: t.assignee,
    lastActionedBy: t.lastActionedBy,
  };
}

export function agentTaskFromWire(v: unknown): TaskRecord {
  const o = obj(v, 'task');
  return {
    uuid: str(o, 'uuid', 'task'),
    createdAt: optStr(o, 'createdAt') ?? '',
    updatedAt: optStr(o, 'updatedAt') ?? '',
    status: (optStr(o, 'status') ?? 'NEW') as TaskStatus,
    dataHash: str(o, 'dataHash', 'task'),
    dataTitle: optStr(o, 'dataTitle') ?? '',
    labelBranchName: optStr(o, 'labelBranchName') ?? 'main',
    assignee: optStr(o, 'assignee'),
    lastActionedBy: optStr(o, 'lastActionedBy'),
  };
}

/** Query parameters of `GET …/stages/{s}/tasks`, in the SDK's order (pageToken first). */
export function taskListQuery(options: {
  pageToken?: string | null;
  userEmails?: string[];
  dataHashes?: string[];
  datasetHashes?: string[];
  dataTitleContains?: string;
  statuses?: string[];
}): Array<[string, unknown]> {
  return [
    ['pageToken', options.pageToken ?? undefined],
    ['userEmails', options.userEmails],
    ['dataHashes', options.dataHashes],
    ['datasetHashes', options.datasetHashes],
    ['dataTitleContains', options.dataTitleContains],
    ['statuses', options.statuses],
  ];
}

// ------------------------------------------------------------------------------------------------
// Task actions, priorities (§5.2)
// ------------------------------------------------------------------------------------------------

export interface ProceedActionWire {
  taskUuid: string;
  action: 'PATHWAY_ACTION';
  pathwayUuid?: string;
  pathwayName?: string;
}

/** Agent proceed actions (the SDK sends whichever of uuid/name is set). */
export function proceedActionsToWire(
  actions: Array<{ taskUuid: string; pathwayUuid?: string | undefined; pathwayName?: string | undefined }>,
): ProceedActionWire[] {
  return actions.map((a) => ({
    taskUuid: a.taskUuid,
    action: 'PATHWAY_ACTION',
    ...(a.pathwayUuid != null && { pathwayUuid: a.pathwayUuid }),
    ...(a.pathwayName != null && { pathwayName: a.pathwayName }),
  }));
}

/** Parses an actions request body (emulator). Non-agent actions come back with their raw `action`. */
export function actionsFromWire(body: unknown): Array<{ taskUuid: string; action: string; pathwayUuid?: string; pathwayName?: string }> {
  if (!Array.isArray(body)) throw bad('actions request', 'expected a JSON array');
  return body.map((v) => {
    const o = obj(v, 'action');
    const pathwayUuid = optStr(o, 'pathwayUuid');
    const pathwayName = optStr(o, 'pathwayName');
    return {
      taskUuid: str(o, 'taskUuid', 'action'),
      action: str(o, 'action', 'action'),
      ...(pathwayUuid !== null && { pathwayUuid }),
      ...(pathwayName !== null && { pathwayName }),
    };
  });
}

/** `POST projects/{p}/priorities` body: `{"priorities": [[dataHash, priority], …]}`. */
export function prioritiesToWire(pairs: Array<[string, number]>): { priorities: Array<[string, number]> } {
  return { priorities: pairs.map(([h, p]) => [h, p]) };
}

export function prioritiesFromWire(body: unknown): Array<[string, number]> {
  const list = get(obj(body, 'priorities request'), 'priorities');
  if (!Array.isArray(list)) throw bad('priorities request', '"priorities" is not an array');
  return list.map((pair) => {
    if (!Array.isArray(pair) || typeof pair[0] !== 'string' || typeof pair[1] !== 'number')
      throw bad('priorities request', 'expected [dataHash, number] pairs');
    return [pair[0], pair[1]];
  });
}

// ------------------------------------------------------------------------------------------------
// Label-row metadata (§7.1, v1 snake_case)
// ------------------------------------------------------------------------------------------------

/** The v1 `labelrowmetadata` GET payload, every key present in the SDK's order (captured). */
export function labelRowMetadataPayload(dataHashes: string[], include: LabelRowIncludeArgs = {}): Json {
  return {
    edited_before: null,
    edited_after: null,
    label_statuses: null,
    shadow_data_state: null,
    include_uninitialised_labels: true,
    data_hashes: dataHashes,
    label_hashes: null,
    data_title_eq: null,
    data_title_like: null,
    workflow_graph_node_title_eq: null,
    workflow_graph_node_title_like: null,
    include_client_metadata: include.includeClientMetadata ?? false,
    include_images_data: include.includeImagesData ?? false,
    include_children: include.includeChildren ?? false,
    include_workflow_graph_node: include.includeWorkflowGraphNode ?? true,
    include_all_label_branches: include.includeAllLabelBranches ?? false,
    branch_name: include.branchName ?? null,
  };
}

/** Include args from a `labelrowmetadata` payload (emulator). */
export function labelRowMetadataPayloadFromWire(payload: unknown): {
  dataHashes: string[] | null;
  labelHashes: string[] | null;
  include: LabelRowIncludeArgs;
} {
  const o = obj(payload ?? {}, 'labelrowmetadata payload');
  const list = (k: string): string[] | null =>
    Array.isArray(o[k]) ? (o[k] as unknown[]).filter((x): x is string => typeof x === 'string') : null;
  return {
    dataHashes: list('data_hashes'),
    labelHashes: list('label_hashes'),
    include: {
      includeClientMetadata: o['include_client_metadata'] === true,
      includeImagesData: o['include_images_data'] === true,
      includeChildren: o['include_children'] === true,
      includeWorkflowGraphNode: o['include_workflow_graph_node'] !== false,
      includeAllLabelBranches: o['include_all_label_branches'] === true,
      branchName: typeof o['branch_name'] === 'string' ? o['branch_name'] : null,
    },
  };
}

/** One LabelRowMetadata item as the v1 API returns it (snake_case, required keys present). */
export function labelRowMetadataToWire(m: LabelRowMetadata): Json {
  const out: Json = {
    label_hash: m.labelHash,
    created_at: m.createdAt ?? null,
    last_edited_at: m.lastEditedAt ?? null,
    branch_name: m.branchName,
    data_hash: m.dataHash,
    dataset_hash: m.datasetHash,
    dataset_title: m.datasetTitle,
    data_title: m.dataTitle,
    data_type: m.dataType,
    data_link: m.dataLink,
    label_status: m.labelStatus,
    is_shadow_data: false,
    number_of_frames: m.numberOfFrames,
    spaces: {},
    is_valid: true,
    backing_item_uuid: m.backingItemUuid,
  };
  const optional: Array<[string, unknown]> = [
    ['workflow_graph_node', m.workflowGraphNode],
    ['frames_per_second', m.framesPerSecond],
    ['duration', m.duration],
    ['width', m.width],
    ['height', m.height],
    ['task_uuid', m.taskUuid],
    ['priority', m.priority],
    ['client_metadata', m.clientMetadata],
    ['file_type', m.fileType],
  ];
  for (const [k, v] of optional) if (v !== undefined) out[k] = v;
  if (m.imagesData != null) {
    out['images_data'] = m.imagesData.map((i) => ({
      index: i.index,
      title: i.title,
      file_type: i.fileType,
      height: i.height,
      width: i.width,
      image_hash: i.imageHash,
    }));
  }
  return out;
}

/** LabelRowMetadata from one v1 item (snake_case; camelCase tolerated). */
export function labelRowMetadataFromWire(v: unknown): LabelRowMetadata {
  const o = obj(v, 'label-row metadata');
  const what = 'label-row metadata';
  const m: LabelRowMetadata = {
    labelHash: optStr(o, 'labelHash'),
    branchName: optStr(o, 'branchName') ?? 'main',
    dataHash: str(o, 'dataHash', what),
    dataTitle: optStr(o, 'dataTitle') ?? '',
    dataType: (optStr(o, 'dataType') ?? 'IMAGE').toUpperCase() as DataType,
    datasetHash: optStr(o, 'datasetHash') ?? '',
    datasetTitle: optStr(o, 'datasetTitle') ?? '',
    dataLink: optStr(o, 'dataLink'),
    labelStatus: optStr(o, 'labelStatus') ?? 'NOT_LABELLED',
    numberOfFrames: optNum(o, 'numberOfFrames') ?? 1,
    backingItemUuid: optStr(o, 'backingItemUuid'),
  };
  const node = get(o, 'workflowGraphNode');
  if (node !== undefined)
    m.workflowGraphNode =
      node === null ? null : { uuid: str(obj(node, what), 'uuid', what), title: optStr(obj(node, what), 'title') ?? '' };
  const nums: Array<keyof LabelRowMetadata> = ['framesPerSecond', 'duration', 'width', 'height', 'priority'];
  for (const k of nums) if (get(o, k) !== undefined) (m as unknown as Json)[k] = optNum(o, k);
  for (const k of ['taskUuid', 'fileType', 'createdAt', 'lastEditedAt'] as const) if (get(o, k) !== undefined) m[k] = optStr(o, k);
  const cm = get(o, 'clientMetadata');
  if (cm !== undefined) m.clientMetadata = typeof cm === 'object' && cm !== null ? (cm as Json) : null;
  const images = get(o, 'imagesData');
  if (Array.isArray(images)) {
    m.imagesData = images.map((i) => {
      const io = obj(i, 'images_data item');
      return {
        index: optNum(io, 'index') ?? 0,
        title: optStr(io, 'title') ?? '',
        fileType: optStr(io, 'fileType') ?? '',
        height: optNum(io, 'height') ?? 0,
        width: optNum(io, 'width') ?? 0,
        imageHash: optStr(io, 'imageHash') ?? '',
      };
    });
  } else if (images === null) {
    m.imagesData = null;
  }
  return m;
}

// ------------------------------------------------------------------------------------------------
// Label rows (§7.2, §7.3, v1)
// ------------------------------------------------------------------------------------------------

/** v1 `labelrow` GET payload (uid = label hashes). */
export function labelRowGetPayload(init: LabelRowInitArgs = {}): Json {
  return {
    get_signed_url: init.includeSignedUrl ?? false,
    multi_request: true,
    include_object_feature_hashes: init.includeObjectFeatureHashes ?? null,
    include_classification_feature_hashes: init.includeClassificationFeatureHashes ?? null,
    include_reviews: init.includeReviews ?? false,
    include_export_history: false,
    include_archived: false,
  };
}

/** v1 `labelrow` PUT payload (uid = data hashes): creates rows whose label hash is null. */
export function labelRowCreatePayload(init: LabelRowInitArgs = {}, branchName = 'main'): Json {
  return { multi_request: true, get_signed_url: init.includeSignedUrl ?? false, branch_name: branchName };
}

/** v1 `labelrow` POST payload (uid = label hashes, `labels[i]` ↔ `uid[i]`). */
export function labelRowSavePayload(labels: LabelRowJson[], validateBeforeSaving = false): Json {
  return { multi_request: true, labels, validate_before_saving: validateBeforeSaving };
}

/** Label-row GET/PUT arguments back from a payload (emulator). */
export function labelRowGetPayloadFromWire(payload: unknown): LabelRowInitArgs & { branchName: string } {
  const o = obj(payload ?? {}, 'labelrow payload');
  const hashes = (k: string): string[] | null =>
    Array.isArray(o[k]) ? (o[k] as unknown[]).filter((x): x is string => typeof x === 'string') : null;
  return {
    includeSignedUrl: o['get_signed_url'] === true,
    includeObjectFeatureHashes: hashes('include_object_feature_hashes'),
    includeClassificationFeatureHashes: hashes('include_classification_feature_hashes'),
    includeReviews: o['include_reviews'] === true,
    branchName: typeof o['branch_name'] === 'string' ? o['branch_name'] : 'main',
  };
}

/** Minimal structural check of a label-row dict returned by the API. */
export function labelRowFromWire(v: unknown): LabelRowJson {
  const o = obj(v, 'label row');
  if (typeof o['data_hash'] !== 'string') throw bad('label row', '"data_hash" is missing');
  for (const k of ['data_units', 'object_answers', 'classification_answers', 'object_actions']) {
    if (typeof o[k] !== 'object' || o[k] === null) throw bad('label row', `"${k}" is missing`);
  }
  return o as LabelRowJson;
}

// ------------------------------------------------------------------------------------------------
// v1 envelope (§3)
// ------------------------------------------------------------------------------------------------

export type V1QueryMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface V1Request {
  query_type: string;
  query_method: V1QueryMethod;
  values: { uid: unknown; payload: unknown };
}

/** The v1 request envelope (key order as the SDK writes it). */
export function v1RequestEnvelope(queryType: string, queryMethod: V1QueryMethod, uid: unknown, payload: unknown): V1Request {
  return { query_type: queryType, query_method: queryMethod, values: { uid: uid ?? null, payload: payload ?? null } };
}

/** Parses a v1 request envelope (emulator). */
export function v1RequestFromWire(body: unknown): V1Request {
  const o = obj(body, 'v1 request');
  const values = obj(o['values'] ?? {}, 'v1 request values');
  const method = o['query_method'];
  if (typeof o['query_type'] !== 'string' || (method !== 'GET' && method !== 'POST' && method !== 'PUT' && method !== 'DELETE')) {
    throw bad('v1 request', 'query_type/query_method missing');
  }
  return { query_type: o['query_type'], query_method: method, values: { uid: values['uid'] ?? null, payload: values['payload'] ?? null } };
}

/** v1 error codes and the HTTP status the server pairs them with. */
export const V1_ERROR_STATUS: Record<string, number> = {
  AUTHENTICATION_ERROR: 401,
  AUTHORISATION_ERROR: 403,
  SSH_KEY_NOT_FOUND_ERROR: 400,
  RESOURCE_NOT_FOUND_ERROR: 404,
  METHOD_NOT_ALLOWED_ERROR: 405,
  INVALID_ARGUMENTS_ERROR: 400,
  OPERATION_NOT_ALLOWED: 400,
  WRONG_PROJECT_TYPE_ERROR: 400,
  CORRUPTED_LABEL_ERROR: 400,
  UNKNOWN_ERROR: 500,
};

/** `{"status": 200, "response": …}`. */
export function v1Success(response: unknown): { status: 200; response: unknown } {
  return { status: 200, response };
}

/** `{"status": N, "response": [CODE], "payload": …}` plus the HTTP status to send it with. */
export function v1Failure(
  code: string,
  payload?: unknown,
): { httpStatus: number; body: { status: number; response: [string]; payload?: unknown } } {
  const status = V1_ERROR_STATUS[code] ?? 400;
  return { httpStatus: status, body: { status, response: [code], ...(payload !== undefined && { payload }) } };
}

// ------------------------------------------------------------------------------------------------
// Storage items (§8)
// ------------------------------------------------------------------------------------------------

/** StorageItem DTO: every required-but-nullable key present, `clientMetadata` a JSON string. */
export function storageItemToWire(s: StorageItem, extras: { owner?: string } = {}): Json {
  return {
    uuid: s.uuid,
    parent: s.parent,
    itemType: s.itemType,
    name: s.name,
    description: s.description,
    clientMetadata: s.clientMetadata || '{}',
    owner: extras.owner ?? 'owner@example.com',
    createdAt: s.createdAt,
    lastEditedAt: s.lastEditedAt,
    isTombstone: false,
    isPlaceholder: false,
    backedDataUnitsCount: s.backedDataUnitsCount,
    storageLocation: s.storageLocation,
    integrationHash: null,
    url: s.url,
    signedUrl: s.signedUrl,
    fileSize: s.fileSize,
    mimeType: s.mimeType,
    duration: s.duration,
    fps: s.fps,
    height: s.height,
    width: s.width,
    dicomInstanceUid: null,
    dicomStudyUid: null,
    dicomSeriesUid: null,
    frameCount: s.frameCount,
    audioSampleRate: null,
    audioBitDepth: null,
    audioCodec: null,
    audioNumChannels: null,
  };
}

export function storageItemFromWire(v: unknown): StorageItem {
  const o = obj(v, 'storage item');
  const what = 'storage item';
  const cm = get(o, 'clientMetadata');
  return {
    uuid: str(o, 'uuid', what),
    parent: optStr(o, 'parent') ?? '',
    itemType: str(o, 'itemType', what) as StorageItemType,
    name: optStr(o, 'name') ?? '',
    description: optStr(o, 'description') ?? '',
    clientMetadata: typeof cm === 'string' ? cm : cm == null ? '{}' : JSON.stringify(cm),
    createdAt: optStr(o, 'createdAt') ?? '',
    lastEditedAt: optStr(o, 'lastEditedAt') ?? '',
    backedDataUnitsCount: optNum(o, 'backedDataUnitsCount') ?? 0,
    storageLocation: optStr(o, 'storageLocation') ?? 'encord',
    url: optStr(o, 'url'),
    signedUrl: optStr(o, 'signedUrl'),
    fileSize: optNum(o, 'fileSize'),
    mimeType: optStr(o, 'mimeType'),
    duration: optNum(o, 'duration'),
    fps: optNum(o, 'fps'),
    height: optNum(o, 'height'),
    width: optNum(o, 'width'),
    frameCount: optNum(o, 'frameCount'),
  };
}

/** `POST storage/items/get-bulk` body. */
export function storageGetBulkToWire(uuids: string[], signUrls: boolean): { itemUuids: string[]; signUrls: boolean } {
  return { itemUuids: uuids, signUrls };
}

export function storageGetBulkFromWire(body: unknown): { itemUuids: string[]; signUrls: boolean } {
  const o = obj(body, 'get-bulk request');
  const ids = get(o, 'itemUuids');
  if (!Array.isArray(ids) || !ids.every((x) => typeof x === 'string')) throw bad('get-bulk request', '"itemUuids" is not a string array');
  return { itemUuids: ids, signUrls: get(o, 'signUrls') === true };
}

/** `PATCH storage/items/patch-bulk` body (protocol reference §8.2): `{itemPatches: {uuid: {clientMetadata: {…}}}}`. */
export function storagePatchBulkToWire(patches: Array<{ itemUuid: string; clientMetadata: Record<string, unknown> }>): {
  itemPatches: Record<string, { clientMetadata: Record<string, unknown> }>;
} {
  return { itemPatches: Object.fromEntries(patches.map((p) => [p.itemUuid, { clientMetadata: p.clientMetadata }])) };
}

export function storagePatchBulkFromWire(body: unknown): Array<{ itemUuid: string; clientMetadata: Record<string, unknown> }> {
  const o = obj(body, 'patch-bulk request');
  const patches = get(o, 'itemPatches');
  if (typeof patches !== 'object' || patches === null || Array.isArray(patches))
    throw bad('patch-bulk request', '"itemPatches" is not an object');
  return Object.entries(patches as Record<string, unknown>).map(([itemUuid, p]) => {
    const cm = typeof p === 'object' && p !== null ? (p as Record<string, unknown>)['clientMetadata'] : undefined;
    if (typeof cm !== 'object' || cm === null || Array.isArray(cm))
      throw bad('patch-bulk request', `"itemPatches.${itemUuid}.clientMetadata" is not an object`);
    return { itemUuid, clientMetadata: cm as Record<string, unknown> };
  });
}

/** v2 error body (`{"message": …}`), what the SDK reads into its exception text. */
export function v2ErrorBody(message: string): { message: string } {
  return { message };
}
