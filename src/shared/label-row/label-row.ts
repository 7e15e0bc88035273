import { TaskAgentError } from '../errors.js';
import type { LabelRowJson, OntologyStructure } from '../types.js';
import {
  attributeDict,
  answerToWire,
  decodeAttributeDict,
  resolveAnswers,
  staleNestedHashes,
  type AnswerInput,
  type AnswerValue,
  type AttributeAnswer,
  type DynamicAnswer,
  type ResolvedAnswer,
} from './answers.js';
import {
  coordinatesFromInput,
  coordinatesFromWire,
  coordinatesToWire,
  GEOMETRY_KEYS,
  type GeometryInput,
  type ObjectCoordinates,
} from './geometry.js';
import { newLabelHash } from './hash.js';
import { lowerSnakeCase } from './name-match.js';
import { Ontology, type AttributeOwner, type OntologyClassification, type OntologyObject } from './ontology.js';
import { framesToRanges, normaliseRanges, rangesContain, subtractRanges, unionRanges, type FrameRange } from './ranges.js';
import { formatLabelTimestamp } from './timestamp.js';

type Json = Record<string, unknown>;

/** One frame of an object instance. */
export interface ObjectFrame {
  frame: number;
  coordinates: ObjectCoordinates;
  confidence: number;
  manualAnnotation: boolean;
  createdAt: string | null;
  createdBy: string | null;
  lastEditedAt: string | null;
  lastEditedBy: string | null;
}

/** A snapshot of an object instance (a track across frames). Mutate through LabelRow methods. */
export interface ObjectInstance {
  objectHash: string;
  featureHash: string;
  name: string;
  shape: string;
  color: string;
  /** The ontology object, or undefined when the row uses a feature the ontology lacks. */
  ontologyObject: OntologyObject | undefined;
  /** Frames where the object has coordinates, ascending. Empty for audio/text objects. */
  frames: ObjectFrame[];
  /** Audio (ms) / text (chars) ranges of non-geometric objects. */
  ranges: FrameRange[];
  /** Static answers (nested radio answers included as separate entries). */
  answers: AttributeAnswer[];
  /** Dynamic (per-frame) answers from `object_actions`. */
  dynamicAnswers: DynamicAnswer[];
}

/** One frame of a classification instance. */
export interface ClassificationFrame {
  frame: number;
  confidence: number;
  manualAnnotation: boolean;
  createdAt: string | null;
  createdBy: string | null;
}

/** A snapshot of a classification instance. */
export interface ClassificationInstance {
  classificationHash: string;
  featureHash: string;
  /** Name of the classification's top-level attribute. */
  name: string;
  ontologyClassification: OntologyClassification | undefined;
  /** Frames the classification is on, ascending. */
  frames: number[];
  frameInfo: ClassificationFrame[];
  answers: AttributeAnswer[];
  /** The top-level attribute's answer (radio: option label; checklist: labels; text; number). */
  answer: string | number | string[] | undefined;
}

/** Filter for `objects()` / `classifications()`; all given fields must match. */
export interface LabelQuery {
  /** Only instances present on this frame. */
  frame?: number;
  /** Ontology name (case-insensitive; exact case preferred). Unknown names throw TA_ONTOLOGY_MISMATCH. */
  name?: string;
  featureHash?: string;
}

/** Frames to put a label on: one frame, a list, or an inclusive range. */
export type FrameSelector = number | readonly number[] | { start: number; end: number };

/** Input of `addObject`: the ontology object, its frames, one shape's coordinates and optional answers. */
export interface AddObjectInput extends GeometryInput {
  /** Ontology object name (or use `featureHash`). */
  name?: string;
  featureHash?: string;
  /** Frame(s) to place the object on; default frame 0. */
  frame?: number;
  frames?: FrameSelector;
  /** Model confidence, default 1. */
  confidence?: number;
  /** Default true (as in the SDK). */
  manualAnnotation?: boolean;
  createdBy?: string | null;
  /** Answers by attribute name or hash. Dynamic attributes are set on all the object's frames. */
  attributes?: AnswerInput;
  /** Use a given hash instead of a generated one. */
  objectHash?: string;
}

/** Input of `addClassification`. */
export interface AddClassificationInput {
  name?: string;
  featureHash?: string;
  frame?: number;
  /** Default frame 0. */
  frames?: FrameSelector;
  /** Answer of the top-level attribute. */
  answer?: AnswerValue;
  /** Further (nested) answers by attribute name or hash. */
  attributes?: AnswerInput;
  confidence?: number;
  manualAnnotation?: boolean;
  createdBy?: string | null;
  classificationHash?: string;
}

/** Options of `setAnswer(s)`. */
export interface SetAnswerOptions {
  /** Dynamic attributes: the frames the answer holds on (default: all the object's frames). */
  frames?: FrameSelector;
  manualAnnotation?: boolean;
}

const FRAME_LAYOUT = new Set(['video', 'dicom', 'nifti', 'pdf', 'scene', 'dicom_study']);
const SINGLE_LAYOUT = new Set(['image', 'img_group', 'group']);
const NO_LAYOUT = new Set(['audio', 'plain_text']);

function invalid(path: string, what: string): never {
  throw new TaskAgentError('TA_LABEL_ROW_INVALID', `Label row ${path}: ${what}.`, { details: { path } });
}

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);

interface Slot {
  frame: number;
  dataUnit: Json;
  labels: Json;
}

interface IndexedObject {
  featureHash: string;
  frames: Array<{ frame: number; fo: Json }>;
}

/**
 * An Encord label row with typed, ontology-aware accessors. It keeps the original JSON and edits it
 * in place, so `toJSON()` of an untouched row deep-equals the input (unknown keys, string vs int
 * `data_sequence`, null vs absent all survive). Pure: no I/O, usable in main and worker threads.
 *
 * @example
 * ```ts
 * const lr = await deps.labelRow();
 * const car = lr.addObject({ name: 'Car', frames: { start: 0, end: 9 }, boundingBox: { x: 0.1, y: 0.2, w: 0.3, h: 0.4 },
 *   confidence: 0.8, attributes: { Colour: 'red' } });
 * lr.setAnswer(car.objectHash, 'Occluded', 'yes', { frames: [3, 4] }); // dynamic attribute
 * lr.addClassification({ name: 'Weather', frames: [0], answer: 'Sunny' });
 * for (const o of lr.objects({ frame: 0, name: 'car' })) console.log(o.frames[0]?.coordinates);
 * return { pathway: 'done', labelRow: lr };
 * ```
 */
export class LabelRow {
  readonly #json: LabelRowJson;
  readonly #ontology: Ontology;
  readonly #layout: 'frames' | 'single' | 'none';
  #dirty = false;
  #index: Map<string, IndexedObject> | undefined;

  constructor(json: LabelRowJson, ontology: OntologyStructure | Ontology) {
    checkLabelRowJson(json);
    this.#json = structuredClone(json);
    this.#ontology = ontology instanceof Ontology ? ontology : new Ontology(ontology);
    this.#layout = detectLayout(this.#json);
  }

  /** Encord label-row JSON ready to save (a copy). */
  toJSON(): LabelRowJson {
    return structuredClone(this.#json);
  }

  get dataHash(): string {
    return this.#json.data_hash;
  }
  get labelHash(): string | null {
    return this.#json.label_hash;
  }
  get dataTitle(): string {
    return typeof this.#json['data_title'] === 'string' ? this.#json['data_title'] : '';
  }
  /** Lower-case label-row data type ("image", "video", "img_group"…). */
  get dataType(): string {
    return this.#json.data_type;
  }
  /** True once anything was added, removed or changed. */
  get isDirty(): boolean {
    return this.#dirty;
  }
  /** The ontology the row is checked against. */
  get ontology(): Ontology {
    return this.#ontology;
  }

  /** Frame numbers that exist for image-like rows (one per image); for videos the frames that carry labels. */
  get frames(): number[] {
    return [...new Set(this.#slots().map((s) => s.frame))].sort((a, b) => a - b);
  }

  // ---------------------------------------------------------------- reading

  /**
   * Object instances, optionally filtered by frame, ontology name or feature hash.
   *
   * @example
   * ```ts
   * const boxes = lr.objects({ frame: 3, name: 'Car' });
   * ```
   */
  objects(query: LabelQuery = {}): ObjectInstance[] {
    const fh = this.#queryFeatureHash(query, 'object');
    const out: ObjectInstance[] = [];
    for (const [hash, idx] of this.#objectIndex()) {
      if (fh !== undefined && idx.featureHash !== fh) continue;
      if (query.frame !== undefined && !idx.frames.some((f) => f.frame === query.frame)) continue;
      out.push(this.#snapshotObject(hash, idx));
    }
    return out;
  }

  /** One object instance by hash, or undefined. */
  objectInstance(objectHash: string): ObjectInstance | undefined {
    const idx = this.#objectIndex().get(objectHash);
    return idx ? this.#snapshotObject(objectHash, idx) : undefined;
  }

  /** Classification instances, optionally filtered by frame, name (top-level attribute) or feature hash. */
  classifications(query: LabelQuery = {}): ClassificationInstance[] {
    const fh = this.#queryFeatureHash(query, 'classification');
    const out: ClassificationInstance[] = [];
    for (const inst of this.#classificationIndex().values()) {
      if (fh !== undefined && inst.featureHash !== fh) continue;
      if (query.frame !== undefined && !inst.frames.includes(query.frame)) continue;
      out.push(inst);
    }
    return out;
  }

  /** One classification instance by hash, or undefined. */
  classificationInstance(classificationHash: string): ClassificationInstance | undefined {
    return this.#classificationIndex().get(classificationHash);
  }

  /**
   * The answer of one attribute of an object or classification; for dynamic attributes pass the frame.
   * Returns undefined when unanswered. Unknown attributes throw TA_ONTOLOGY_MISMATCH.
   */
  getAnswer(hash: string, attribute: string, opts: { frame?: number } = {}): string | number | string[] | undefined {
    const { owner } = this.#owner(hash);
    const attr = this.#ontology.attribute(owner, attribute);
    if (attr.dynamic) {
      const actions = this.#actions(hash, false);
      const hit = actions?.find(
        (a) => a['featureHash'] === attr.featureNodeHash && (opts.frame === undefined || rangesContain(rangeOf(a), opts.frame)),
      );
      return hit ? decodeAttributeDict(hit, this.#ontology).value : undefined;
    }
    const dict = this.#answerList(hash, false)?.find((d) => d['featureHash'] === attr.featureNodeHash);
    return dict ? decodeAttributeDict(dict, this.#ontology).value : undefined;
  }

  // ---------------------------------------------------------------- objects

  /**
   * Add an object instance. The geometry key must match the ontology shape; names, attributes and
   * options are checked against the ontology (TA_ONTOLOGY_MISMATCH lists the valid ones).
   *
   * @example
   * ```ts
   * lr.addObject({ name: 'Person', frame: 0, polygon: [{ x: 0.1, y: 0.1 }, { x: 0.5, y: 0.1 }, { x: 0.3, y: 0.6 }] });
   * ```
   */
  addObject(input: AddObjectInput): ObjectInstance {
    const obj = this.#ontology.object(refOf(input, 'object'));
    const frames = this.#frameList(input);
    if (frames.length === 0) invalid('addObject', 'no frames given');
    const objectHash = input.objectHash ?? newLabelHash();
    if (this.#objectIndex().has(objectHash) || objectHash in this.#json.object_answers)
      invalid(`object_answers.${objectHash}`, 'an object with this hash already exists');
    // Validate everything before touching the JSON so a failed add leaves the row unchanged.
    const coords = frames.map((f) => this.#coordinates(obj, input, f));
    const answers = input.attributes ? resolveAnswers(this.#ontology, obj, input.attributes) : [];
    const now = formatLabelTimestamp();
    frames.forEach((frame, i) => {
      const slot = this.#slot(frame, true)!;
      (slot.labels['objects'] as Json[]).push(this.#frameObject(obj, objectHash, coords[i], input, now));
    });
    this.#json.object_answers[objectHash] = { objectHash, classifications: [] };
    this.#touch();
    this.#applyAnswers(objectHash, obj, answers, { frames, manualAnnotation: input.manualAnnotation ?? true });
    return this.objectInstance(objectHash)!;
  }

  /**
   * Set (or replace) an object's coordinates on one frame, e.g. to extend a video track.
   *
   * @example
   * ```ts
   * lr.setObjectCoordinates(hash, 5, { boundingBox: { x: 0.2, y: 0.2, w: 0.3, h: 0.4 } }, { confidence: 0.7 });
   * ```
   */
  setObjectCoordinates(
    objectHash: string,
    frame: number,
    geometry: GeometryInput,
    opts: { confidence?: number; manualAnnotation?: boolean; createdBy?: string | null } = {},
  ): ObjectInstance {
    const idx = this.#objectIndex().get(objectHash) ?? invalid(`objects.${objectHash}`, 'no such object instance');
    const obj = this.#ontology.object(idx.featureHash);
    const coords = this.#coordinates(obj, geometry, frame);
    const existing = idx.frames.find((f) => f.frame === frame);
    const now = formatLabelTimestamp();
    if (existing) {
      for (const k of GEOMETRY_KEYS[obj.shape] ?? []) delete existing.fo[k];
      Object.assign(existing.fo, coordinatesToWire(coords), { lastEditedAt: now });
      if (opts.confidence !== undefined) existing.fo['confidence'] = opts.confidence;
      if (opts.manualAnnotation !== undefined) existing.fo['manualAnnotation'] = opts.manualAnnotation;
    } else {
      const slot = this.#slot(frame, true)!;
      (slot.labels['objects'] as Json[]).push(this.#frameObject(obj, objectHash, coords, opts, now));
    }
    this.#touch();
    return this.objectInstance(objectHash)!;
  }

  /** Remove an object instance from every frame, with its answers. Returns false if it did not exist. */
  removeObject(objectHash: string): boolean {
    const had = this.#objectIndex().has(objectHash) || objectHash in this.#json.object_answers;
    if (!had) return false;
    this.#removeObjectFrames(objectHash, () => true);
    delete this.#json.object_answers[objectHash];
    delete this.#json.object_actions[objectHash];
    this.#touch();
    return true;
  }

  /** Remove an object from some frames; removing its last frame removes the object. */
  removeObjectFrames(objectHash: string, frames: FrameSelector): ObjectInstance | undefined {
    const drop = new Set(selectFrames(frames));
    this.#removeObjectFrames(objectHash, (f) => drop.has(f));
    this.#touch();
    const left = this.#objectIndex().get(objectHash);
    if (!left || left.frames.length === 0) {
      this.removeObject(objectHash);
      return undefined;
    }
    return this.objectInstance(objectHash);
  }

  // ---------------------------------------------------------------- classifications

  /**
   * Add a classification instance on some frames (default frame 0). A classification may appear
   * only once per frame, as in Encord.
   *
   * @example
   * ```ts
   * lr.addClassification({ name: 'Weather', frames: { start: 0, end: 2 }, answer: 'Sunny' });
   * lr.addClassification({ name: 'Tags', answer: ['indoor', 'night'] }); // checklist
   * ```
   */
  addClassification(input: AddClassificationInput): ClassificationInstance {
    const cls = this.#ontology.classification(refOf(input, 'classification'));
    const top = cls.attributes[0] ?? invalid(`classification ${cls.featureNodeHash}`, 'the ontology classification has no attribute');
    const frames = this.#frameList(input);
    if (frames.length === 0) invalid('addClassification', 'no frames given');
    const taken = this.classifications({ featureHash: cls.featureNodeHash }).filter((c) => c.frames.some((f) => frames.includes(f)));
    if (taken.length) {
      invalid(
        'classifications',
        `"${top.name}" is already on frame(s) ${taken.flatMap((c) => c.frames.filter((f) => frames.includes(f))).join(', ')} (instance ${taken[0].classificationHash}); a classification can be on a frame once`,
      );
    }
    const answerInput: Record<string, AnswerValue> = { ...(input.attributes ?? {}) };
    if (input.answer !== undefined) answerInput[top.featureNodeHash] = input.answer;
    const answers = resolveAnswers(this.#ontology, cls, answerInput);
    if (!answers.some((a) => a.location.attribute === top)) {
      throw new TaskAgentError(
        'TA_ONTOLOGY_MISMATCH',
        `Classification "${top.name}" needs an answer (\`answer\`)${top.options.length ? `; options: ${top.options.map((o) => o.label).join(', ')}` : ''}.`,
      );
    }
    const hash = input.classificationHash ?? newLabelHash();
    if (hash in this.#json.classification_answers)
      invalid(`classification_answers.${hash}`, 'a classification with this hash already exists');
    for (const f of frames) this.#slot(f, false, true);
    const now = formatLabelTimestamp();
    for (const frame of frames) {
      const slot = this.#slot(frame, true)!;
      (slot.labels['classifications'] as Json[]).push({
        name: top.name,
        value: lowerSnakeCase(top.name),
        featureHash: cls.featureNodeHash,
        classificationHash: hash,
        createdAt: now,
        createdBy: input.createdBy ?? null,
        confidence: input.confidence ?? 1,
        manualAnnotation: input.manualAnnotation ?? true,
        lastEditedAt: now,
        lastEditedBy: input.createdBy ?? null,
      });
    }
    this.#json.classification_answers[hash] = {
      classificationHash: hash,
      featureHash: cls.featureNodeHash,
      classifications: [],
      spaces: {},
    };
    this.#touch();
    this.#applyAnswers(hash, cls, answers, { frames, manualAnnotation: input.manualAnnotation ?? true });
    return this.classificationInstance(hash)!;
  }

  /** Remove a classification instance from every frame, with its answers. Returns false if absent. */
  removeClassification(classificationHash: string): boolean {
    let found = classificationHash in this.#json.classification_answers;
    for (const slot of this.#slots()) {
      const list = slot.labels['classifications'];
      if (!Array.isArray(list)) continue;
      const keep = list.filter((c) => !(isObj(c) && c['classificationHash'] === classificationHash));
      if (keep.length !== list.length) {
        found = true;
        slot.labels['classifications'] = keep;
        this.#dropEmptyFrame(slot);
      }
    }
    delete this.#json.classification_answers[classificationHash];
    if (found) this.#touch();
    return found;
  }

  // ---------------------------------------------------------------- answers

  /**
   * Set one answer on an object or classification. Static attributes go to the answer maps;
   * dynamic ones to `object_actions` for `opts.frames` (default: all the object's frames).
   *
   * @example
   * ```ts
   * lr.setAnswer(objectHash, 'Colour', 'red');
   * lr.setAnswer(objectHash, 'Note', 'partly hidden', { frames: [4, 5] });
   * ```
   */
  setAnswer(hash: string, attribute: string, value: AnswerValue, opts: SetAnswerOptions = {}): void {
    this.setAnswers(hash, { [attribute]: value }, opts);
  }

  /** Set several answers at once (nested attributes resolved through the chosen options). */
  setAnswers(hash: string, answers: AnswerInput, opts: SetAnswerOptions = {}): void {
    const { owner, frames } = this.#owner(hash);
    const resolved = resolveAnswers(this.#ontology, owner, answers);
    const target = opts.frames !== undefined ? selectFrames(opts.frames) : frames;
    this.#applyAnswers(hash, owner, resolved, { frames: target, manualAnnotation: opts.manualAnnotation ?? true });
  }

  /** Remove an answer (for dynamic attributes only on `opts.frames` when given). */
  clearAnswer(hash: string, attribute: string, opts: { frames?: FrameSelector } = {}): void {
    const { owner } = this.#owner(hash);
    const attr = this.#ontology.attribute(owner, attribute);
    if (attr.dynamic) {
      const actions = this.#actions(hash, false);
      if (!actions) return;
      const cut = opts.frames === undefined ? undefined : framesToRanges(selectFrames(opts.frames));
      this.#setActions(
        hash,
        actions.flatMap((a) => {
          if (a['featureHash'] !== attr.featureNodeHash) return [a];
          if (!cut) return [];
          const range = subtractRanges(rangeOf(a), cut);
          return range.length ? [{ ...a, range }] : [];
        }),
      );
    } else {
      const list = this.#answerList(hash, false);
      if (!list) return;
      const drop = staleNestedHashes(attr, []);
      drop.add(attr.featureNodeHash);
      this.#setAnswerList(
        hash,
        list.filter((d) => !drop.has(String(d['featureHash']))),
      );
    }
    this.#touch();
  }

  // ---------------------------------------------------------------- internals

  #touch(): void {
    this.#dirty = true;
    this.#index = undefined;
  }

  #slots(): Slot[] {
    return slotsOf(this.#json, this.#layout);
  }

  /** The labels holder of a frame; `create` makes it (and its lists) exist. `check` only validates the frame. */
  #slot(frame: number, create: boolean, check = false): Slot | undefined {
    if (!Number.isInteger(frame) || frame < 0) invalid(`frame ${frame}`, 'frames are integers ≥ 0');
    if (this.#layout === 'none') invalid(`frame ${frame}`, `${this.dataType} label rows have no frame labels`);
    const dus = Object.values(this.#json.data_units);
    if (this.#layout === 'single') {
      const du = dus.find((d) => seqOf(d) === frame);
      if (!du)
        invalid(
          `frame ${frame}`,
          `no such image; valid frames: ${dus
            .map(seqOf)
            .sort((a, b) => a - b)
            .join(', ')}`,
        );
      if (check) return undefined;
      if (!isObj(du['labels'])) du['labels'] = {};
      const labels = du['labels'] as Json;
      if (create) ensureLists(labels);
      return { frame, dataUnit: du, labels };
    }
    const du = dus[0] ?? invalid('data_units', 'the label row has no data unit');
    if (check) return undefined;
    if (!isObj(du['labels'])) du['labels'] = {};
    const all = du['labels'] as Json;
    let labels = all[String(frame)];
    if (!isObj(labels)) {
      if (!create) return undefined;
      labels = all[String(frame)] = { objects: [], classifications: [] };
    }
    if (create) ensureLists(labels as Json);
    return { frame, dataUnit: du, labels: labels as Json };
  }

  /** Videos drop frames that no longer hold anything (the SDK writes only labelled frames). */
  #dropEmptyFrame(slot: Slot): void {
    if (this.#layout !== 'frames') return;
    const l = slot.labels;
    const keys = Object.keys(l);
    const empty = keys.every(
      (k) => (k === 'objects' || k === 'classifications') && Array.isArray(l[k]) && (l[k] as unknown[]).length === 0,
    );
    if (!empty) return;
    const all = slot.dataUnit['labels'] as Json;
    if (all[String(slot.frame)] === l) delete all[String(slot.frame)];
  }

  #frameList(input: { frame?: number; frames?: FrameSelector }): number[] {
    const frames = input.frames !== undefined ? selectFrames(input.frames) : [input.frame ?? 0];
    for (const f of frames) this.#slot(f, false, true);
    return frames;
  }

  #coordinates(obj: OntologyObject, geometry: GeometryInput, frame: number): ObjectCoordinates {
    const slot = this.#slot(frame, false, true) ?? this.#duForFrame(frame);
    const du = slot?.dataUnit;
    const num = (v: unknown): number | undefined => (typeof v === 'number' && v > 0 ? v : undefined);
    return coordinatesFromInput(geometry, {
      shape: obj.shape,
      objectName: obj.name,
      width: num(du?.['width']),
      height: num(du?.['height']),
      skeletonTemplate: obj.shape === 'skeleton' ? this.#ontology.skeletonTemplate(obj.name)?.points : undefined,
    });
  }

  #duForFrame(frame: number): Slot | undefined {
    const dus = Object.values(this.#json.data_units);
    const du = this.#layout === 'single' ? dus.find((d) => seqOf(d) === frame) : dus[0];
    return du ? { frame, dataUnit: du, labels: {} } : undefined;
  }

  #frameObject(
    obj: OntologyObject,
    objectHash: string,
    coords: ObjectCoordinates,
    input: { confidence?: number; manualAnnotation?: boolean; createdBy?: string | null },
    now: string,
  ): Json {
    const confidence = input.confidence ?? 1;
    if (!Number.isFinite(confidence) || confidence < 0 || confidence > 1)
      invalid(`object ${obj.name}`, `confidence must be in [0, 1], got ${confidence}`);
    return {
      name: obj.name,
      color: obj.color,
      shape: obj.shape,
      value: lowerSnakeCase(obj.name),
      featureHash: obj.featureNodeHash,
      objectHash,
      createdAt: now,
      createdBy: input.createdBy ?? null,
      lastEditedAt: now,
      lastEditedBy: input.createdBy ?? null,
      confidence,
      manualAnnotation: input.manualAnnotation ?? true,
      ...coordinatesToWire(coords),
    };
  }

  #removeObjectFrames(objectHash: string, drop: (frame: number) => boolean): void {
    for (const slot of this.#slots()) {
      if (!drop(slot.frame)) continue;
      const list = slot.labels['objects'];
      if (!Array.isArray(list)) continue;
      const keep = list.filter((o) => !(isObj(o) && o['objectHash'] === objectHash));
      if (keep.length !== list.length) {
        slot.labels['objects'] = keep;
        this.#dropEmptyFrame(slot);
      }
    }
  }

  #objectIndex(): Map<string, IndexedObject> {
    if (this.#index) return this.#index;
    const idx = new Map<string, IndexedObject>();
    for (const slot of this.#slots()) {
      for (const fo of (slot.labels['objects'] as Json[] | undefined) ?? []) {
        const hash = fo['objectHash'] as string;
        let e = idx.get(hash);
        if (!e) idx.set(hash, (e = { featureHash: fo['featureHash'] as string, frames: [] }));
        e.frames.push({ frame: slot.frame, fo });
      }
    }
    // Audio/text objects exist only in object_answers (with a featureHash and ranges).
    for (const [hash, oa] of Object.entries(this.#json.object_answers)) {
      if (!idx.has(hash) && isObj(oa) && typeof oa['featureHash'] === 'string')
        idx.set(hash, { featureHash: oa['featureHash'], frames: [] });
    }
    for (const e of idx.values()) e.frames.sort((a, b) => a.frame - b.frame);
    return (this.#index = idx);
  }

  #snapshotObject(hash: string, idx: IndexedObject): ObjectInstance {
    const ont = this.#ontology.byHash(idx.featureHash);
    const ontologyObject = ont && 'kind' in ont && ont.kind === 'object' ? ont : undefined;
    const first = idx.frames[0]?.fo;
    const oa = this.#json.object_answers[hash];
    const meta: Json = first ?? (isObj(oa) ? oa : {});
    const actions = this.#actions(hash, false) ?? [];
    return {
      objectHash: hash,
      featureHash: idx.featureHash,
      name: typeof meta['name'] === 'string' ? meta['name'] : (ontologyObject?.name ?? ''),
      shape: typeof meta['shape'] === 'string' ? meta['shape'] : (ontologyObject?.shape ?? ''),
      color: typeof meta['color'] === 'string' ? meta['color'] : (ontologyObject?.color ?? ''),
      ontologyObject,
      frames: idx.frames.map(({ frame, fo }) => ({
        frame,
        coordinates: coordinatesFromWire(fo, `frame ${frame} object ${hash}`),
        confidence: typeof fo['confidence'] === 'number' ? fo['confidence'] : 1,
        manualAnnotation: fo['manualAnnotation'] !== false,
        createdAt: strOrNull(fo['createdAt']),
        createdBy: strOrNull(fo['createdBy']),
        lastEditedAt: strOrNull(fo['lastEditedAt']),
        lastEditedBy: strOrNull(fo['lastEditedBy']),
      })),
      ranges:
        isObj(oa) && Array.isArray(oa['range']) ? normaliseRanges((oa['range'] as unknown[]).filter(Array.isArray) as number[][]) : [],
      answers: (this.#answerList(hash, false) ?? []).map((d) => decodeAttributeDict(d, this.#ontology)),
      dynamicAnswers: actions.map((a) => ({
        ...decodeAttributeDict(a, this.#ontology),
        ranges: rangeOf(a),
        trackHash: typeof a['trackHash'] === 'string' ? a['trackHash'] : undefined,
        shouldPropagate: a['shouldPropagate'] === true,
      })),
    };
  }

  #classificationIndex(): Map<string, ClassificationInstance> {
    const byHash = new Map<string, { featureHash: string; name: string; frames: ClassificationFrame[] }>();
    for (const slot of this.#slots()) {
      for (const c of (slot.labels['classifications'] as Json[] | undefined) ?? []) {
        const hash = c['classificationHash'] as string;
        // A frame classification without answers is dropped by the SDK parser (§7.2); mirror that.
        if (!(hash in this.#json.classification_answers)) continue;
        let e = byHash.get(hash);
        if (!e)
          byHash.set(
            hash,
            (e = { featureHash: c['featureHash'] as string, name: typeof c['name'] === 'string' ? c['name'] : '', frames: [] }),
          );
        e.frames.push({
          frame: slot.frame,
          confidence: typeof c['confidence'] === 'number' ? c['confidence'] : 1,
          manualAnnotation: c['manualAnnotation'] !== false,
          createdAt: strOrNull(c['createdAt']),
          createdBy: strOrNull(c['createdBy']),
        });
      }
    }
    // Global / non-geometric classifications live only in classification_answers.
    for (const [hash, ca] of Object.entries(this.#json.classification_answers)) {
      if (!byHash.has(hash) && isObj(ca) && typeof ca['featureHash'] === 'string')
        byHash.set(hash, { featureHash: ca['featureHash'], name: '', frames: [] });
    }
    const out = new Map<string, ClassificationInstance>();
    for (const [hash, e] of byHash) {
      const ont = this.#ontology.byHash(e.featureHash);
      const cls = ont && 'kind' in ont && ont.kind === 'classification' ? ont : undefined;
      const answers = (this.#answerList(hash, false) ?? []).map((d) => decodeAttributeDict(d, this.#ontology));
      const topHash = cls?.attributes[0]?.featureNodeHash;
      const top = topHash ? answers.find((a) => a.featureHash === topHash) : answers[0];
      e.frames.sort((a, b) => a.frame - b.frame);
      out.set(hash, {
        classificationHash: hash,
        featureHash: e.featureHash,
        name: cls?.name ?? e.name,
        ontologyClassification: cls,
        frames: e.frames.map((f) => f.frame),
        frameInfo: e.frames,
        answers,
        answer: top?.value,
      });
    }
    return out;
  }

  #queryFeatureHash(query: LabelQuery, kind: 'object' | 'classification'): string | undefined {
    if (query.name !== undefined) {
      const f = kind === 'object' ? this.#ontology.object(query.name) : this.#ontology.classification(query.name);
      if (query.featureHash !== undefined && query.featureHash !== f.featureNodeHash) return '\u0000'; // contradictory filter: nothing matches
      return f.featureNodeHash;
    }
    return query.featureHash;
  }

  /** The ontology owner (object or classification) of an instance hash, with its frames. */
  #owner(hash: string): { owner: AttributeOwner; kind: 'object' | 'classification'; frames: number[] } {
    const oi = this.#objectIndex().get(hash);
    if (oi) return { owner: this.#ontology.object(oi.featureHash), kind: 'object', frames: oi.frames.map((f) => f.frame) };
    const ci = this.#classificationIndex().get(hash);
    if (ci) return { owner: this.#ontology.classification(ci.featureHash), kind: 'classification', frames: ci.frames };
    return invalid(`instance ${hash}`, 'no object or classification with this hash');
  }

  #answerList(hash: string, create: boolean): Json[] | undefined {
    const map = hash in this.#json.classification_answers ? this.#json.classification_answers : this.#json.object_answers;
    let entry = map[hash];
    if (!isObj(entry)) {
      if (!create) return undefined;
      entry = map[hash] = { objectHash: hash, classifications: [] };
    }
    const list = (entry as Json)['classifications'];
    return Array.isArray(list) ? (list as Json[]) : undefined;
  }

  #setAnswerList(hash: string, list: Json[]): void {
    const map = hash in this.#json.classification_answers ? this.#json.classification_answers : this.#json.object_answers;
    const entry = map[hash];
    if (isObj(entry)) entry['classifications'] = list;
    else map[hash] = { objectHash: hash, classifications: list };
  }

  #actions(hash: string, create: boolean): Json[] | undefined {
    let entry = this.#json.object_actions[hash];
    if (!isObj(entry)) {
      if (!create) return undefined;
      entry = this.#json.object_actions[hash] = { objectHash: hash, actions: [] };
    }
    const list = (entry as Json)['actions'];
    return Array.isArray(list) ? (list as Json[]) : undefined;
  }

  #setActions(hash: string, actions: Json[]): void {
    if (actions.length === 0) {
      delete this.#json.object_actions[hash];
      return;
    }
    const entry = this.#json.object_actions[hash];
    if (isObj(entry)) entry['actions'] = actions;
    else this.#json.object_actions[hash] = { objectHash: hash, actions };
  }

  #applyAnswers(
    hash: string,
    owner: AttributeOwner,
    answers: ResolvedAnswer[],
    opts: { frames: number[]; manualAnnotation: boolean },
  ): void {
    if (answers.length === 0) return;
    const statics = answers.filter((a) => !a.location.attribute.dynamic);
    const dynamics = answers.filter((a) => a.location.attribute.dynamic);
    if (dynamics.length && owner.kind !== 'object') invalid(`instance ${hash}`, 'dynamic answers exist only on objects');
    if (statics.length) {
      let list = [...(this.#answerList(hash, true) ?? [])];
      for (const a of statics) {
        const attr = a.location.attribute;
        // Changing a radio answer drops answers nested under the options no longer chosen.
        const stale = attr.type === 'radio' && Array.isArray(a.value) ? staleNestedHashes(attr, a.value) : new Set<string>();
        const dict = attributeDict(a, opts.manualAnnotation);
        const at = list.findIndex((d) => d['featureHash'] === attr.featureNodeHash);
        if (at >= 0) list[at] = { ...list[at], ...dict };
        else list.push(dict);
        list = list.filter((d) => !stale.has(String(d['featureHash'])));
      }
      this.#setAnswerList(hash, list);
    }
    if (dynamics.length) {
      const range = framesToRanges(opts.frames);
      let actions = [...(this.#actions(hash, false) ?? [])];
      for (const a of dynamics) {
        const attr = a.location.attribute;
        const wire = answerToWire(a);
        const same = JSON.stringify(wire);
        // One action per distinct value; frames move from other values to this one.
        actions = actions.flatMap((x) => {
          if (x['featureHash'] !== attr.featureNodeHash || JSON.stringify(x['answers']) === same) return [x];
          const rest = subtractRanges(rangeOf(x), range);
          return rest.length ? [{ ...x, range: rest }] : [];
        });
        const match = actions.findIndex((x) => x['featureHash'] === attr.featureNodeHash && JSON.stringify(x['answers']) === same);
        if (match >= 0) actions[match] = { ...actions[match], range: unionRanges(rangeOf(actions[match]), range) };
        else {
          actions.push({
            ...attributeDict(a, opts.manualAnnotation),
            dynamic: true,
            range,
            shouldPropagate: false,
            trackHash: newLabelHash(),
          });
        }
      }
      this.#setActions(hash, actions);
    }
    this.#touch();
  }
}

function refOf(input: { name?: string; featureHash?: string }, what: string): string {
  const ref = input.featureHash ?? input.name;
  if (typeof ref !== 'string' || ref === '') {
    throw new TaskAgentError('TA_ONTOLOGY_MISMATCH', `Give the ${what}'s \`name\` or \`featureHash\`.`);
  }
  return ref;
}

type Layout = 'frames' | 'single' | 'none';

/** How a row's data units hold their labels: per frame (videos), one holder per unit (images), none (audio, text). */
function detectLayout(json: LabelRowJson): Layout {
  const t = json.data_type.toLowerCase();
  if (FRAME_LAYOUT.has(t)) return 'frames';
  if (SINGLE_LAYOUT.has(t)) return 'single';
  if (NO_LAYOUT.has(t)) return 'none';
  // Unknown type: infer from the first data unit's labels.
  const du = Object.values(json.data_units)[0];
  const labels = du?.['labels'];
  if (isObj(labels) && (Array.isArray(labels['objects']) || Array.isArray(labels['classifications']))) return 'single';
  return isObj(labels) && Object.keys(labels).length > 0 ? 'frames' : 'none';
}

function slotsOf(json: LabelRowJson, layout: Layout): Slot[] {
  const out: Slot[] = [];
  if (layout === 'none') return out;
  for (const du of Object.values(json.data_units)) {
    const labels = du['labels'];
    if (!isObj(labels)) continue;
    if (layout === 'single') out.push({ frame: seqOf(du), dataUnit: du, labels });
    else for (const [k, v] of Object.entries(labels)) if (isObj(v)) out.push({ frame: Number(k), dataUnit: du, labels: v });
  }
  return out;
}

/**
 * Every labels holder (`{objects, classifications}`) of a row with its JSON path: one per data unit
 * for images, one per labelled frame for videos (`data_units.<hash>.labels[.<frame>]`).
 */
export function labelHolders(row: LabelRowJson, layout: Layout = detectLayout(row)): Array<[string, Json]> {
  const out: Array<[string, Json]> = [];
  if (layout === 'none') return out;
  for (const [duHash, du] of Object.entries(row.data_units)) {
    const labels = du['labels'];
    if (!isObj(labels)) continue;
    if (layout === 'single') out.push([`data_units.${duHash}.labels`, labels]);
    else for (const [k, v] of Object.entries(labels)) if (isObj(v)) out.push([`data_units.${duHash}.labels.${k}`, v]);
  }
  return out;
}

/**
 * Checks that `json` has the label-row structure the LabelRow API (and Encord's parser) reads:
 * the top-level maps, frame keys, object and classification entries, every object's geometry.
 * @throws TaskAgentError TA_LABEL_ROW_INVALID with `details.path` of the first bad field
 */
export function checkLabelRowJson(json: unknown): asserts json is LabelRowJson {
  if (!isObj(json)) invalid('', 'expected an object');
  for (const k of ['data_hash', 'data_type'] as const) if (typeof json[k] !== 'string') invalid(k, 'expected a string');
  if (!('label_hash' in json)) invalid('label_hash', 'missing');
  for (const k of ['data_units', 'object_answers', 'classification_answers', 'object_actions'] as const) {
    if (!isObj(json[k])) invalid(k, 'expected an object');
  }
  const row = json as LabelRowJson;
  const layout = detectLayout(row);
  for (const [duHash, du] of Object.entries(row.data_units)) {
    if (!isObj(du)) invalid(`data_units.${duHash}`, 'expected an object');
    if (du['labels'] !== undefined && !isObj(du['labels'])) invalid(`data_units.${duHash}.labels`, 'expected an object');
    if (layout === 'frames') {
      for (const k of Object.keys(du['labels'] ?? {})) {
        if (!/^\d+$/.test(k)) invalid(`data_units.${duHash}.labels.${k}`, 'frame keys must be frame numbers');
      }
    }
  }
  for (const [base, holder] of labelHolders(row, layout)) {
    const objs = holder['objects'] ?? [];
    const clss = holder['classifications'] ?? [];
    if (!Array.isArray(objs)) invalid(`${base}.objects`, 'expected a list');
    if (!Array.isArray(clss)) invalid(`${base}.classifications`, 'expected a list');
    objs.forEach((fo, i) => {
      const p = `${base}.objects[${i}]`;
      if (!isObj(fo)) invalid(p, 'expected an object');
      for (const k of ['objectHash', 'featureHash', 'shape']) if (typeof fo[k] !== 'string') invalid(`${p}.${k}`, 'expected a string');
      coordinatesFromWire(fo, p);
    });
    clss.forEach((c, i) => {
      const p = `${base}.classifications[${i}]`;
      if (!isObj(c)) invalid(p, 'expected an object');
      for (const k of ['classificationHash', 'featureHash']) if (typeof c[k] !== 'string') invalid(`${p}.${k}`, 'expected a string');
    });
  }
  for (const [k, v] of Object.entries(row.object_answers)) {
    if (!isObj(v) || !Array.isArray(v['classifications'])) invalid(`object_answers.${k}.classifications`, 'expected a list');
  }
  for (const [k, v] of Object.entries(row.classification_answers)) {
    if (!isObj(v) || !Array.isArray(v['classifications'])) invalid(`classification_answers.${k}.classifications`, 'expected a list');
  }
  for (const [k, v] of Object.entries(row.object_actions)) {
    if (!isObj(v) || !Array.isArray(v['actions'])) invalid(`object_actions.${k}.actions`, 'expected a list');
  }
}

function seqOf(du: Json): number {
  const n = Number(du['data_sequence'] ?? 0);
  return Number.isFinite(n) ? n : 0;
}

function ensureLists(labels: Json): void {
  if (!Array.isArray(labels['objects'])) labels['objects'] = [];
  if (!Array.isArray(labels['classifications'])) labels['classifications'] = [];
}

function rangeOf(action: Json): FrameRange[] {
  const r = action['range'];
  return Array.isArray(r) ? normaliseRanges(r.filter((x): x is number[] => Array.isArray(x) && typeof x[0] === 'number')) : [];
}

/** Expand a frame selector to sorted distinct frames. */
export function selectFrames(sel: FrameSelector): number[] {
  let frames: number[];
  if (typeof sel === 'number') frames = [sel];
  else if (Array.isArray(sel)) frames = [...(sel as readonly number[])];
  else {
    const { start, end } = sel as { start: number; end: number };
    if (!Number.isInteger(start) || !Number.isInteger(end) || end < start) invalid('frames', `invalid range ${start}..${end}`);
    frames = Array.from({ length: end - start + 1 }, (_, i) => start + i);
  }
  return [...new Set(frames)].sort((a, b) => a - b);
}
