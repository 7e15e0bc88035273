/**
 * The save boundary: what an agent hands back as a label row (whatever its `toJSON()` made) is
 * checked before anything is written, so junk is never saved and its task never moves. Checked:
 * plain JSON data only (no functions, NaN, cycles, class instances), the keys the Encord SDK's
 * parser requires (protocol reference §7.2), the structure the LabelRow API reads
 * (checkLabelRowJson), and that the row is the task's own (its data hash).
 */
import { TaskAgentError } from '../errors.js';
import type { LabelRowJson } from '../types.js';
import { checkLabelRowJson, labelHolders } from './label-row.js';

type Json = Record<string, unknown>;

function invalid(path: string, what: string): never {
  throw new TaskAgentError('TA_LABEL_ROW_INVALID', `Label row ${path || '(root)'}: ${what}.`, { details: { path } });
}

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const key = (path: string, k: string): string => (path ? `${path}.${k}` : k);

/** Throws at the first value JSON cannot carry faithfully. */
function checkJsonValue(v: unknown, path: string, ancestors: Set<object>): void {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(v)) invalid(path, `${v} is not a JSON number`);
      return;
    case 'object': {
      if (v === null) return;
      if (ancestors.has(v)) invalid(path, 'refers back to itself (a cycle)');
      const proto = Object.getPrototypeOf(v) as unknown;
      if (!Array.isArray(v) && proto !== Object.prototype && proto !== null)
        invalid(path, `expected plain JSON data, got a ${v.constructor?.name ?? 'class instance'}`);
      ancestors.add(v);
      if (Array.isArray(v)) v.forEach((x, i) => checkJsonValue(x, `${path}[${i}]`, ancestors));
      // undefined properties are dropped by JSON, as they would be on the wire.
      else for (const [k, x] of Object.entries(v)) if (x !== undefined) checkJsonValue(x, key(path, k), ancestors);
      ancestors.delete(v);
      return;
    }
    default:
      invalid(path, `a ${typeof v} is not JSON`);
  }
}

const TOP_LEVEL = [
  'label_hash',
  'branch_name',
  'created_at',
  'last_edited_at',
  'dataset_hash',
  'dataset_title',
  'data_title',
  'data_hash',
  'data_type',
  'label_status',
];
const DATA_UNIT = ['data_hash', 'data_title', 'data_type', 'data_sequence'];

/** The keys the SDK's parser reads without a default (a row without them cannot be loaded back). */
function checkSdkKeys(row: LabelRowJson): void {
  for (const k of TOP_LEVEL) if (!(k in row)) invalid(k, 'missing');
  for (const [h, du] of Object.entries(row.data_units))
    for (const k of DATA_UNIT) if (!(k in du)) invalid(`data_units.${h}.${k}`, 'missing');
  for (const [at, holder] of labelHolders(row)) {
    for (const [list, required] of [
      ['objects', ['objectHash', 'featureHash', 'shape', 'createdAt']],
      ['classifications', ['classificationHash', 'featureHash', 'createdAt']],
    ] as const) {
      const items = holder[list];
      if (!Array.isArray(items)) continue;
      items.forEach((it, i) => {
        for (const k of required) if (!isObj(it) || !(k in it)) invalid(`${at}.${list}[${i}].${k}`, 'missing');
      });
    }
  }
  // checkLabelRowJson made every entry of these maps an object.
  for (const [h, a] of Object.entries(row.classification_answers as Record<string, Json>)) {
    for (const k of ['classificationHash', 'featureHash', 'spaces']) if (!(k in a)) invalid(`classification_answers.${h}.${k}`, 'missing');
  }
  for (const [h, a] of Object.entries(row.object_answers as Record<string, Json>))
    if (!('objectHash' in a)) invalid(`object_answers.${h}.objectHash`, 'missing');
  for (const [h, a] of Object.entries(row.object_actions as Record<string, Json>))
    if (!('objectHash' in a)) invalid(`object_actions.${h}.objectHash`, 'missing');
}

/**
 * Checks a label row at the save boundary and returns it typed.
 * @param own the task's data hash and, when known, its label row's hash: a row of another data
 *   unit, or one that would overwrite another label row, is refused
 * @throws TaskAgentError TA_LABEL_ROW_INVALID, `details.path` = the first bad field
 */
export function validateLabelRowJson(value: unknown, own: { dataHash?: string; labelHash?: string | null } = {}): LabelRowJson {
  checkJsonValue(value, '', new Set());
  checkLabelRowJson(value);
  checkSdkKeys(value);
  if (own.dataHash !== undefined && value.data_hash !== own.dataHash) {
    invalid('data_hash', `is ${JSON.stringify(value.data_hash)}, but the task's data unit is ${own.dataHash}`);
  }
  if (typeof own.labelHash === 'string' && value.label_hash !== null && value.label_hash !== own.labelHash) {
    invalid('label_hash', `is ${JSON.stringify(value.label_hash)}, but the task's label row is ${own.labelHash}`);
  }
  return value;
}
