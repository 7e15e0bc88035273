/**
 * The filters of a v1 `labelrowmetadata` GET (`Project.list_label_rows_v2`, protocol reference
 * §7.1) that the emulator applies after listing: `data_title_eq/like`,
 * `workflow_graph_node_title_eq/like`, `edited_before/after`, `label_statuses`,
 * `shadow_data_state`. (`data_hashes`/`label_hashes` select the rows before listing.)
 *
 * Choices where the SDK does not pin the server down: `*_like` is SQL LIKE as in PostgreSQL
 * (`%`, `_`, `\` escapes, case-sensitive); a naive `edited_*` time is UTC (the SDK's default) and
 * a row never edited does not match an `edited_*` filter; `label_statuses` (AnnotationTaskStatus,
 * which the SDK refuses to read on workflow projects) is derived from the task's stage: DONE →
 * COMPLETED, REVIEW / CONSENSUS_REVIEW → IN_REVIEW, assigned → ASSIGNED, else QUEUED; there is no
 * shadow data, so `SHADOW_DATA` matches nothing.
 */
import type { LabelRowMetadata, WorkflowStage } from '../../shared/types.js';
import { ApiError } from './api-error.js';

export interface LabelRowFilters {
  dataTitleEq: string | null;
  dataTitleLike: RegExp | null;
  stageTitleEq: string | null;
  stageTitleLike: RegExp | null;
  editedBefore: number | null;
  editedAfter: number | null;
  labelStatuses: Set<string> | null;
  shadowOnly: boolean;
}

/** SQL LIKE (PostgreSQL: case-sensitive, `\` escapes) as an anchored RegExp. */
export function sqlLike(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i]);
    else if (c === '%') re += '[\\s\\S]*';
    else if (c === '_') re += '[\\s\\S]';
    else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`, 'u');
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Milliseconds of a timestamp; a naive ISO time is UTC. NaN when unparseable. */
export function parseTime(s: string): number {
  const naiveIso = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s);
  return Date.parse(naiveIso ? `${s.replace(' ', 'T')}Z` : s);
}

/** The filters of a `labelrowmetadata` payload (snake_case, nulls = not filtered). */
export function labelRowFiltersFromPayload(payload: unknown): LabelRowFilters {
  const o = (typeof payload === 'object' && payload !== null ? payload : {}) as Record<string, unknown>;
  const str = (k: string): string | null => {
    const v = o[k];
    if (v === null || v === undefined) return null;
    if (typeof v !== 'string') throw new ApiError(400, `${k} must be a string`);
    return v;
  };
  const time = (k: string): number | null => {
    const v = str(k);
    if (v === null) return null;
    const t = parseTime(v);
    if (Number.isNaN(t)) throw new ApiError(400, `${k} is not a date`, 'INVALID_DATE_FORMAT_ERROR');
    return t;
  };
  const statuses = o['label_statuses'];
  if (statuses != null && (!Array.isArray(statuses) || !statuses.every((s) => typeof s === 'string')))
    throw new ApiError(400, 'label_statuses must be a list of strings');
  const like = (k: string): RegExp | null => {
    const v = str(k);
    return v === null ? null : sqlLike(v);
  };
  return {
    dataTitleEq: str('data_title_eq'),
    dataTitleLike: like('data_title_like'),
    stageTitleEq: str('workflow_graph_node_title_eq'),
    stageTitleLike: like('workflow_graph_node_title_like'),
    editedBefore: time('edited_before'),
    editedAfter: time('edited_after'),
    labelStatuses: statuses == null ? null : new Set(statuses),
    shadowOnly: o['shadow_data_state'] === 'SHADOW_DATA',
  };
}

/** True when any filter is set (the rows then need their workflow node to be checked). */
export function hasFilters(f: LabelRowFilters): boolean {
  return (
    f.dataTitleEq !== null ||
    f.dataTitleLike !== null ||
    f.stageTitleEq !== null ||
    f.stageTitleLike !== null ||
    f.editedBefore !== null ||
    f.editedAfter !== null ||
    f.labelStatuses !== null ||
    f.shadowOnly
  );
}

/**
 * Whether a metadata row (listed WITH its workflow node) passes. `assigned` tells whether the
 * row's task has an assignee.
 */
export function matchesLabelRowFilters(
  f: LabelRowFilters,
  m: LabelRowMetadata,
  stages: ReadonlyMap<string, WorkflowStage>,
  assigned: boolean,
): boolean {
  if (f.shadowOnly) return false;
  if (f.dataTitleEq !== null && m.dataTitle !== f.dataTitleEq) return false;
  if (f.dataTitleLike !== null && !f.dataTitleLike.test(m.dataTitle)) return false;
  const stageTitle = m.workflowGraphNode?.title ?? null;
  if (f.stageTitleEq !== null && stageTitle !== f.stageTitleEq) return false;
  if (f.stageTitleLike !== null && (stageTitle === null || !f.stageTitleLike.test(stageTitle))) return false;
  if (f.editedBefore !== null || f.editedAfter !== null) {
    const t = m.lastEditedAt ? parseTime(m.lastEditedAt) : NaN;
    if (Number.isNaN(t)) return false;
    if (f.editedBefore !== null && !(t < f.editedBefore)) return false;
    if (f.editedAfter !== null && !(t > f.editedAfter)) return false;
  }
  if (f.labelStatuses !== null) {
    const type = m.workflowGraphNode ? stages.get(m.workflowGraphNode.uuid)?.stageType : undefined;
    const status =
      type === 'DONE' ? 'COMPLETED' : type === 'REVIEW' || type === 'CONSENSUS_REVIEW' ? 'IN_REVIEW' : assigned ? 'ASSIGNED' : 'QUEUED';
    if (!f.labelStatuses.has(status)) return false;
  }
  return true;
}
