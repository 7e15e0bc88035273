/**
 * The v1 `/public` RPC calls EncordPlatform makes (protocol reference §3, §7): `labelrowmetadata`
 * GET (with every filter the SDK's `list_label_rows_v2` sends, label-row-filters.ts), `labelrow`
 * GET / PUT (create) / POST (save). Envelopes and payloads come from wire.ts.
 */
import {
  labelRowGetPayloadFromWire,
  labelRowMetadataPayloadFromWire,
  labelRowMetadataToWire,
  v1RequestFromWire,
  v1Success,
} from '../encord/wire.js';
import type { LabelRowJson } from '../../shared/types.js';
import type { LabelSave } from '../platform.js';
import { ApiError, type RouteResult } from './api-error.js';
import { isRelativeMedia, signMedia, type ApiContext } from './api-context.js';
import { hasFilters, labelRowFiltersFromPayload, matchesLabelRowFilters } from './label-row-filters.js';
import { labelHolders } from '../../shared/label-row/label-row.js';

const strings = (v: unknown): string[] | null => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : null);

/** Handles one v1 envelope (already authenticated). `resourceId` is the ResourceID header. */
export function handleV1(ctx: ApiContext, resourceId: string | undefined, body: unknown): RouteResult {
  let env;
  try {
    env = v1RequestFromWire(body);
  } catch (e) {
    throw new ApiError(400, e instanceof Error ? e.message : 'malformed v1 request');
  }
  if (resourceId !== ctx.project.info.projectHash) throw new ApiError(404, 'project not found');
  const endpoint = `v1 ${env.query_type} ${env.query_method}`;
  const { uid, payload } = env.values;
  const ok = (response: unknown, items?: string[]): RouteResult => ({
    endpoint,
    status: 200,
    body: v1Success(response),
    ...(items && { items }),
  });

  if (env.query_type === 'labelrowmetadata' && env.query_method === 'GET') {
    const args = labelRowMetadataPayloadFromWire(payload);
    let hashes = args.dataHashes;
    if (hashes === null && args.labelHashes !== null) {
      hashes = args.labelHashes.map((h) => ctx.project.labelRowByHash(h)?.data_hash).filter((h): h is string => typeof h === 'string');
    }
    if (hashes === null) hashes = ctx.project.dataHashes();
    const filters = labelRowFiltersFromPayload(payload);
    if (!hasFilters(filters)) return ok(ctx.project.listLabelRowMetadata(hashes, args.include).map(labelRowMetadataToWire), hashes);
    // Filters look at the workflow node, so list with it and drop it again when it was not asked for.
    const stages = new Map(ctx.project.info.workflow.stages.map((s) => [s.uuid, s]));
    const rows = ctx.project
      .listLabelRowMetadata(hashes, { ...args.include, includeWorkflowGraphNode: true })
      .filter((m) =>
        matchesLabelRowFilters(filters, m, stages, filters.labelStatuses !== null && ctx.project.assigneeOf(m.dataHash) !== null),
      )
      .map((m) => {
        if (args.include.includeWorkflowGraphNode !== false) return m;
        const { workflowGraphNode: _drop, ...rest } = m;
        return rest;
      });
    return ok(rows.map(labelRowMetadataToWire), hashes);
  }
  if (env.query_type === 'labelrow' && env.query_method === 'GET') {
    const labelHashes = strings(uid);
    if (!labelHashes) throw new ApiError(400, 'uid must be a list of label hashes');
    // The content filters of initialise_labels (feature hashes, reviews) apply, as on Encord.
    const { branchName: _branch, ...init } = labelRowGetPayloadFromWire(payload);
    const sign = init.includeSignedUrl === true;
    const rows = labelHashes.map((h) => ctx.project.labelRowByHash(h, init));
    if (rows.some((r) => r === null)) throw new ApiError(404, 'label row not found');
    return ok(
      rows.map((r) => (sign ? signLinks(ctx, r as LabelRowJson) : r)),
      rows.map((r) => (r as LabelRowJson).data_hash),
    );
  }
  if (env.query_type === 'labelrow' && env.query_method === 'PUT') {
    const dataHashes = strings(uid);
    if (!dataHashes) throw new ApiError(400, 'uid must be a list of data hashes');
    const sign = labelRowGetPayloadFromWire(payload).includeSignedUrl === true;
    const made = ctx.project.getLabelRows(dataHashes);
    if (made.size !== new Set(dataHashes).size) throw new ApiError(404, 'data unit not found');
    return ok(
      [...made.values()].map((r) => (sign ? signLinks(ctx, r) : r)),
      [...made.values()].map((r) => r.data_hash),
    );
  }
  if (env.query_type === 'labelrow' && env.query_method === 'POST') {
    const labelHashes = strings(uid);
    const labels = (payload as { labels?: unknown } | null)?.labels;
    if (!labelHashes || !Array.isArray(labels) || labels.length !== labelHashes.length)
      throw new ApiError(400, 'uid and payload.labels must be lists of the same length');
    const saves: LabelSave[] = labels.map((l, i) => {
      const row = l as LabelRowJson;
      if (typeof row !== 'object' || row === null || typeof row.data_hash !== 'string')
        throw new ApiError(400, 'each label row needs a data_hash', 'CORRUPTED_LABEL_ERROR');
      const stored = ctx.project.labelRowByHash(labelHashes[i]);
      if (!stored || stored.data_hash !== row.data_hash) throw new ApiError(404, 'label row not found');
      checkFeatures(ctx, row, i);
      return { dataHash: row.data_hash, labelHash: labelHashes[i], labelRow: row };
    });
    ctx.project.saveLabelRows(saves);
    return ok(
      true,
      saves.map((x) => x.dataHash),
    );
  }
  throw new ApiError(405, `${env.query_type} ${env.query_method} is not supported by the emulator`, 'METHOD_NOT_ALLOWED_ERROR');
}

/**
 * Labels must use the project ontology's features, as on Encord: one row that does not fails the
 * whole request (400 FEATURE_DOES_NOT_EXIST_ERROR), which is what bundle splitting is for.
 */
function checkFeatures(ctx: ApiContext, row: LabelRowJson, index: number): void {
  const { objects, classifications } = ctx.project.info.ontology;
  const known = {
    objects: new Set(objects.map((o) => o.featureNodeHash)),
    classifications: new Set(classifications.map((c) => c.featureNodeHash)),
  };
  let holders: Array<[string, Record<string, unknown>]>;
  try {
    holders = labelHolders(row);
  } catch {
    throw new ApiError(400, `labels[${index}] is not a label row`, 'CORRUPTED_LABEL_ERROR');
  }
  for (const [path, holder] of holders) {
    for (const list of ['objects', 'classifications'] as const) {
      const items = holder[list];
      if (!Array.isArray(items)) continue;
      items.forEach((it: unknown, j) => {
        const fh = (it as { featureHash?: unknown } | null)?.featureHash;
        if (typeof fh !== 'string' || !known[list].has(fh)) {
          throw new ApiError(
            400,
            `labels[${index}].${path}.${list}[${j}]: feature ${JSON.stringify(fh)} is not in the project's ontology`,
            'FEATURE_DOES_NOT_EXIST_ERROR',
          );
        }
      });
    }
  }
}

/** Data-unit links as signed URLs (`get_signed_url`). */
function signLinks(ctx: ApiContext, row: LabelRowJson): LabelRowJson {
  const units = row.data_units ?? {};
  const signed: Record<string, Record<string, unknown>> = {};
  for (const [k, u] of Object.entries(units)) {
    signed[k] = isRelativeMedia(u['data_link']) ? { ...u, data_link: signMedia(ctx, ctx.project, u['data_link']) } : u;
  }
  return { ...row, data_units: signed };
}
