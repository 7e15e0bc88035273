/**
 * Encord's read filters on label-row content (`LabelRowV2.initialise_labels` → v1 labelrow GET
 * `include_object_feature_hashes`, `include_classification_feature_hashes`, `include_reviews`),
 * applied server-side as Encord does: a feature-hash list (null = everything) keeps only the
 * object / classification instances of those features, on every frame and in the answer maps
 * (`object_answers`, `object_actions`, `classification_answers`); review data (the deprecated
 * per-frame `reviews`) is sent only with includeReviews. Saving a filtered row replaces the whole
 * row, so it deletes what was filtered out, as on Encord. `spaces` are not filtered (local
 * projects have none). Pure: the stored row is never modified.
 */
import type { LabelRowInitArgs, LabelRowJson } from '../../shared/types.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The row as Encord returns it under these initialise_labels arguments (Encord's defaults when omitted: everything, no reviews). */
export function applyLabelRowInit(row: LabelRowJson, init: LabelRowInitArgs = {}): LabelRowJson {
  const objects = init.includeObjectFeatureHashes != null ? new Set(init.includeObjectFeatureHashes) : null;
  const classifications = init.includeClassificationFeatureHashes != null ? new Set(init.includeClassificationFeatureHashes) : null;
  const reviews = init.includeReviews === true;
  if (objects === null && classifications === null && reviews) return row;
  /** The feature of every object / classification instance seen on a frame. */
  const objectFeature = new Map<string, unknown>();
  const classificationFeature = new Map<string, unknown>();
  const keep = (set: Set<string> | null, feature: unknown) => set === null || (typeof feature === 'string' && set.has(feature));
  const withoutReviews = (x: Json): Json => {
    if (reviews || !('reviews' in x)) return x;
    const { reviews: _dropped, ...rest } = x;
    return rest;
  };

  /** A frame's instances of one kind (`objects` / `classifications`), remembering each instance's feature. */
  const filterInstances = (list: unknown, hashKey: string, set: Set<string> | null, seen: Map<string, unknown>): unknown => {
    if (!Array.isArray(list)) return list;
    return list
      .filter((x: unknown) => {
        if (!isObject(x)) return true;
        if (typeof x[hashKey] === 'string') seen.set(x[hashKey], x['featureHash']);
        return keep(set, x['featureHash']);
      })
      .map((x: unknown) => (isObject(x) ? withoutReviews(x) : x));
  };
  const filterFrame = (frame: Json): Json => {
    const out: Json = { ...frame };
    if ('objects' in frame) out['objects'] = filterInstances(frame['objects'], 'objectHash', objects, objectFeature);
    if ('classifications' in frame)
      out['classifications'] = filterInstances(frame['classifications'], 'classificationHash', classifications, classificationFeature);
    return out;
  };
  const isFrame = (labels: Json) => Array.isArray(labels['objects']) || Array.isArray(labels['classifications']);

  const units: Json = {};
  for (const [key, du] of Object.entries(isObject(row.data_units) ? row.data_units : {})) {
    if (!isObject(du) || !isObject(du['labels'])) {
      units[key] = du;
      continue;
    }
    const labels = du['labels'];
    // Images and image-group units hold one frame; videos a frame per key.
    const filtered = isFrame(labels)
      ? filterFrame(labels)
      : Object.fromEntries(Object.entries(labels).map(([frame, l]) => [frame, isObject(l) ? filterFrame(l) : l]));
    units[key] = { ...du, labels: filtered };
  }

  // Answer maps: an instance's feature is its own `featureHash` (range-based objects and every
  // classification answer carry one), else the one seen on its frames; unknown means not included.
  const filterAnswers = (answers: unknown, hashKey: string, set: Set<string> | null, seen: Map<string, unknown>): unknown => {
    if (!isObject(answers)) return answers;
    const out: Json = {};
    for (const [hash, a] of Object.entries(answers)) {
      if (!isObject(a)) {
        out[hash] = a;
        continue;
      }
      const id = typeof a[hashKey] === 'string' ? a[hashKey] : hash;
      const feature = a['featureHash'] ?? seen.get(id);
      if (keep(set, feature)) out[hash] = withoutReviews(a);
    }
    return out;
  };
  return {
    ...row,
    data_units: units as LabelRowJson['data_units'],
    object_answers: filterAnswers(row.object_answers, 'objectHash', objects, objectFeature) as LabelRowJson['object_answers'],
    object_actions: filterAnswers(row.object_actions, 'objectHash', objects, objectFeature) as LabelRowJson['object_actions'],
    classification_answers: filterAnswers(
      row.classification_answers,
      'classificationHash',
      classifications,
      classificationFeature,
    ) as LabelRowJson['classification_answers'],
  };
}
