/**
 * The built-in dependencies, mirroring the Python runner's `dep_*` functions. Each returns a
 * declaration; the worker thread provides the value (src/worker/builtin-deps.ts).
 */
import type { LabelRow } from '../shared/label-row/index.js';
import type { LabelRowMetadata, StorageItem } from '../shared/types.js';
import { builtinDep, type Dep } from './define.js';

/**
 * The task's label row, initialised with the stage's `labelRowInit` arguments. The runner fetches
 * the label rows of a whole batch in bundled calls before the agents run.
 *
 * @example
 * runner.stage('pre-label', { deps: { labelRow: deps.labelRow() } }, async ({ labelRow }) => {
 *   labelRow.addClassification({ name: 'Scene brightness', answer: 'Bright' });
 *   return { pathway: 'labelled', labelRow };
 * });
 */
export function labelRow(): Dep<LabelRow> {
  return builtinDep<LabelRow>('labelRow', ['labelRowMetadata', 'labelRow']);
}

/** The task's label-row metadata (data type, frames, fps, priority, workflow node, client metadata…). */
export function labelRowMetadata(): Dep<LabelRowMetadata> {
  return builtinDep<LabelRowMetadata>('labelRowMetadata', ['labelRowMetadata']);
}

/**
 * The storage item backing the task's data unit (with a signed URL on Encord). Fetched for the
 * whole batch in one bulk call.
 */
export function storageItem(): Dep<StorageItem> {
  return builtinDep<StorageItem>('storageItem', ['labelRowMetadata', 'storageItem']);
}
