import { TaskAgentError } from '../errors.js';
import { lowerSnakeCase } from './name-match.js';
import { jsonText } from './json-text.js';
import type { AttributeLocation, AttributeOwner, AttributeType, Ontology, OntologyAttribute, OntologyOption } from './ontology.js';
import type { FrameRange } from './ranges.js';

/**
 * An answer as agents give it: radio → option label/value/feature hash; checklist → a list of
 * those; text → string; numeric → number.
 */
export type AnswerValue = string | number | readonly string[];

/** Answers keyed by attribute name or feature hash (nested attributes included). */
export type AnswerInput = Readonly<Record<string, AnswerValue>>;

/** A decoded static answer. */
export interface AttributeAnswer {
  /** Attribute name. */
  attribute: string;
  /** Attribute feature hash. */
  featureHash: string;
  type: AttributeType | 'unknown';
  /** Radio: the option label; checklist: option labels; text: string; numeric: number. */
  value: string | number | string[];
  /** Radio/checklist: feature hashes of the chosen options. */
  optionHashes: string[];
  manualAnnotation: boolean;
}

/** A decoded dynamic (per-frame) answer of a video object. */
export interface DynamicAnswer extends AttributeAnswer {
  /** Inclusive frame ranges where the answer holds. */
  ranges: FrameRange[];
  trackHash: string | undefined;
  shouldPropagate: boolean;
}

/** An answer matched to the ontology. */
export interface ResolvedAnswer {
  location: AttributeLocation;
  /** text/numeric value, or the chosen options (one for radio). */
  value: string | number | OntologyOption[];
}

type Json = Record<string, unknown>;

/**
 * Match answers to the owner's attributes. Nested attributes that share a name (e.g. "count" under
 * several radio options) are disambiguated by the option chosen in the same input.
 */
export function resolveAnswers(ontology: Ontology, owner: AttributeOwner, input: AnswerInput): ResolvedAnswer[] {
  const out: ResolvedAnswer[] = [];
  const deferred: Array<[string, AnswerValue, AttributeLocation[]]> = [];
  for (const [ref, value] of Object.entries(input)) {
    const matches = ontology.matchAttributes(owner, ref);
    if (matches.length === 0) {
      const valid = ontology
        .attributeLocations(owner)
        .map((l) => `${l.attribute.name} (${l.attribute.type}, ${l.attribute.featureNodeHash})`);
      throw new TaskAgentError(
        'TA_ONTOLOGY_MISMATCH',
        `"${owner.name}" has no attribute "${ref}". Valid: ${valid.length ? valid.join(', ') : '(none)'}.`,
        { details: { ref, valid } },
      );
    }
    if (matches.length === 1) out.push(resolveValue(ontology, matches[0], value));
    else deferred.push([ref, value, matches]);
  }
  const chosen = new Set(out.flatMap((a) => (Array.isArray(a.value) ? a.value.map((o) => o.featureNodeHash) : [])));
  for (const [ref, value, matches] of deferred) {
    const under = matches.filter((m) => m.parentOption && chosen.has(m.parentOption.featureNodeHash));
    if (under.length !== 1) {
      throw new TaskAgentError(
        'TA_ONTOLOGY_MISMATCH',
        `"${ref}" matches several attributes of "${owner.name}": ${matches.map((m) => `${m.attribute.name} (${m.attribute.featureNodeHash}${m.parentOption ? ` under option "${m.parentOption.label}"` : ''})`).join(', ')}. Use the feature hash.`,
        { details: { ref } },
      );
    }
    out.push(resolveValue(ontology, under[0], value));
  }
  // Ontology order (parents before nested attributes), whatever order the input had.
  const order = ontology.attributeLocations(owner);
  return out.sort((a, b) => order.indexOf(a.location) - order.indexOf(b.location));
}

function resolveValue(ontology: Ontology, location: AttributeLocation, value: AnswerValue): ResolvedAnswer {
  const attr = location.attribute;
  const wrong = (expected: string): never => {
    throw new TaskAgentError(
      'TA_ONTOLOGY_MISMATCH',
      `Attribute "${attr.name}" is ${attr.type}; expected ${expected}, got ${JSON.stringify(value)}.${attr.options.length ? ` Options: ${attr.options.map((o) => o.label).join(', ')}.` : ''}`,
      { details: { attribute: attr.featureNodeHash, type: attr.type } },
    );
  };
  switch (attr.type) {
    case 'text':
      return typeof value === 'string' ? { location, value } : wrong('a string');
    case 'numeric':
      return typeof value === 'number' && Number.isFinite(value) ? { location, value } : wrong('a finite number');
    case 'radio': {
      const ref: unknown = typeof value === 'string' ? value : Array.isArray(value) && value.length === 1 ? value[0] : undefined;
      return typeof ref === 'string' ? { location, value: [ontology.option(attr, ref)] } : wrong('one option');
    }
    case 'checklist': {
      const refs: unknown[] = typeof value === 'string' ? [value] : Array.isArray(value) ? value : wrong('a list of options');
      const opts = refs.map((r) => (typeof r === 'string' ? ontology.option(attr, r) : wrong('a list of options')));
      return { location, value: [...new Map(opts.map((o) => [o.featureNodeHash, o])).values()] };
    }
    default:
      return wrong('a known attribute type');
  }
}

/** The `answers` wire value of a resolved answer. */
export function answerToWire(a: ResolvedAnswer): unknown {
  if (Array.isArray(a.value)) return a.value.map((o) => ({ name: o.label, value: o.value, featureHash: o.featureNodeHash }));
  return a.value;
}

/** An AttributeDict (§7.4 "Answers") for a resolved answer. */
export function attributeDict(a: ResolvedAnswer, manualAnnotation: boolean): Json {
  const attr = a.location.attribute;
  return {
    name: attr.name,
    value: lowerSnakeCase(attr.name),
    featureHash: attr.featureNodeHash,
    manualAnnotation,
    answers: answerToWire(a),
  };
}

/** Decode a wire AttributeDict (or dynamic action) into an AttributeAnswer. */
export function decodeAttributeDict(d: Json, ontology: Ontology): AttributeAnswer {
  const fh = typeof d['featureHash'] === 'string' ? d['featureHash'] : '';
  const loc = ontology.locateAttribute(fh);
  const raw = d['answers'];
  let type: AttributeType | 'unknown' = loc?.attribute.type ?? 'unknown';
  let value: string | number | string[];
  let optionHashes: string[] = [];
  if (Array.isArray(raw)) {
    const opts = raw.filter((o): o is Json => typeof o === 'object' && o !== null);
    optionHashes = opts.map((o) => jsonText(o['featureHash']));
    const labels = opts.map((o) => {
      const known = loc?.attribute.options.find((x) => x.featureNodeHash === o['featureHash']);
      return known?.label ?? jsonText(o['name'] ?? o['value']);
    });
    if (type === 'unknown') type = labels.length === 1 ? 'radio' : 'checklist';
    value = type === 'radio' ? (labels[0] ?? '') : labels;
  } else if (typeof raw === 'number') {
    value = raw;
    if (type === 'unknown') type = 'numeric';
  } else {
    value = jsonText(raw);
    if (type === 'unknown') type = 'text';
  }
  return {
    attribute: loc?.attribute.name ?? jsonText(d['name']),
    featureHash: fh,
    type,
    value,
    optionHashes,
    manualAnnotation: d['manualAnnotation'] !== false,
  };
}

/** Feature hashes of every attribute nested (at any depth) under the options of `attr` other than `keep`. */
export function staleNestedHashes(attr: OntologyAttribute, keep: readonly OntologyOption[]): Set<string> {
  const keepSet = new Set(keep.map((o) => o.featureNodeHash));
  const out = new Set<string>();
  const walk = (attrs: OntologyAttribute[]): void => {
    for (const a of attrs) {
      out.add(a.featureNodeHash);
      for (const o of a.options) walk(o.attributes);
    }
  };
  for (const o of attr.options) if (!keepSet.has(o.featureNodeHash)) walk(o.attributes);
  return out;
}
