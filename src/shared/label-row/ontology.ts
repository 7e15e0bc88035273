import { TaskAgentError } from '../errors.js';
import type { OntologyStructure } from '../types.js';
import { matchByNameOrHash, type MatchCandidate } from './name-match.js';

/** Attribute kinds of Encord ontologies (§4.3). */
export type AttributeType = 'radio' | 'checklist' | 'text' | 'numeric';

/** Object shapes of Encord ontologies (§4.3). */
export type ObjectShape =
  | 'bounding_box'
  | 'rotatable_bounding_box'
  | 'polygon'
  | 'polyline'
  | 'point'
  | 'bitmask'
  | 'skeleton'
  | 'audio'
  | 'text'
  | 'cuboid'
  | 'cuboid_2d'
  | 'segmentation';

/** An option of a radio or checklist attribute. Radio options may nest attributes. */
export interface OntologyOption {
  id: string;
  label: string;
  value: string;
  featureNodeHash: string;
  archived: boolean;
  /** Nested attributes (radio options only). */
  attributes: OntologyAttribute[];
}

/** An attribute of an object or classification (possibly nested under a radio option). */
export interface OntologyAttribute {
  id: string;
  name: string;
  type: AttributeType;
  featureNodeHash: string;
  required: boolean;
  /** Dynamic attributes change per frame (video); their answers live in `object_actions`. */
  dynamic: boolean;
  archived: boolean;
  options: OntologyOption[];
}

/** An ontology object (a geometric or range label class). */
export interface OntologyObject {
  kind: 'object';
  id: string;
  name: string;
  color: string;
  shape: ObjectShape;
  featureNodeHash: string;
  required: boolean;
  archived: boolean;
  attributes: OntologyAttribute[];
}

/** An ontology classification; its name is that of its single top-level attribute. */
export interface OntologyClassification {
  kind: 'classification';
  id: string;
  featureNodeHash: string;
  /** Name of the top-level attribute (what the editor shows). */
  name: string;
  level: string | undefined;
  attributes: OntologyAttribute[];
}

/** A skeleton template point (from `skeleton_templates`). */
export interface SkeletonTemplatePoint {
  x: number;
  y: number;
  name: string;
  color?: string;
  value?: string;
  featureHash?: string;
}

/** A skeleton template, looked up by the skeleton object's name. */
export interface SkeletonTemplate {
  name: string;
  featureNodeHash: string | undefined;
  points: SkeletonTemplatePoint[];
  edges: unknown;
}

/** Objects and classifications both own attributes. */
export type AttributeOwner = OntologyObject | OntologyClassification;

/** Where an attribute sits: its owner and, for nested attributes, the radio option above it. */
export interface AttributeLocation {
  owner: AttributeOwner;
  attribute: OntologyAttribute;
  /** The radio option the attribute is nested under (undefined for top-level attributes). */
  parentOption: OntologyOption | undefined;
  /** The radio attribute owning `parentOption`. */
  parentAttribute: OntologyAttribute | undefined;
}

type Json = Record<string, unknown>;
const str = (v: unknown, d = ''): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : d);
const bool = (v: unknown): boolean => v === true;
const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v.filter((x) => typeof x === 'object' && x !== null) as Json[]) : []);

function parseAttribute(a: Json): OntologyAttribute {
  return {
    id: str(a['id']),
    name: str(a['name']),
    type: str(a['type'], 'text') as AttributeType,
    featureNodeHash: str(a['featureNodeHash']),
    required: bool(a['required']),
    dynamic: bool(a['dynamic']),
    archived: bool(a['archived']),
    options: arr(a['options']).map(parseOption),
  };
}

function parseOption(o: Json): OntologyOption {
  return {
    id: str(o['id']),
    label: str(o['label']),
    value: str(o['value']),
    featureNodeHash: str(o['featureNodeHash']),
    archived: bool(o['archived']),
    attributes: arr(o['options']).map(parseAttribute),
  };
}

/**
 * Typed, indexed view of an ontology structure (Encord `editor` JSON). Looks features up by
 * feature node hash or by name (case-insensitive, exact case preferred) and throws
 * `TA_ONTOLOGY_MISMATCH` listing the valid choices when nothing matches.
 *
 * @example
 * ```ts
 * const ontology = new Ontology(project.ontology);
 * const car = ontology.object('car');              // by name, any case
 * const colour = ontology.attribute(car, 'Colour');
 * const red = ontology.option(colour, 'red');
 * ```
 */
export class Ontology {
  /** The structure it was built from (unchanged). */
  readonly structure: OntologyStructure;
  readonly objects: readonly OntologyObject[];
  readonly classifications: readonly OntologyClassification[];
  readonly #byHash = new Map<string, OntologyObject | OntologyClassification | OntologyAttribute | OntologyOption>();
  readonly #attrLocations = new Map<string, AttributeLocation>();
  readonly #attrsByOwner = new Map<AttributeOwner, AttributeLocation[]>();

  constructor(structure: OntologyStructure) {
    if (typeof structure !== 'object' || structure === null) {
      throw new TaskAgentError('TA_ONTOLOGY_MISMATCH', 'The ontology structure is not an object.');
    }
    this.structure = structure;
    this.objects = arr(structure.objects).map((o) => ({
      kind: 'object' as const,
      id: str(o['id']),
      name: str(o['name']),
      color: str(o['color'], '#000000'),
      shape: str(o['shape']) as ObjectShape,
      featureNodeHash: str(o['featureNodeHash']),
      required: bool(o['required']),
      archived: bool(o['archived']),
      attributes: arr(o['attributes']).map(parseAttribute),
    }));
    this.classifications = arr(structure.classifications).map((c) => {
      const attributes = arr(c['attributes']).map(parseAttribute);
      return {
        kind: 'classification' as const,
        id: str(c['id']),
        featureNodeHash: str(c['featureNodeHash']),
        name: attributes[0]?.name ?? '',
        level: typeof c['level'] === 'string' ? c['level'] : undefined,
        attributes,
      };
    });
    for (const owner of [...this.objects, ...this.classifications]) {
      this.#byHash.set(owner.featureNodeHash, owner);
      const locs: AttributeLocation[] = [];
      const walk = (attrs: OntologyAttribute[], parentOption?: OntologyOption, parentAttribute?: OntologyAttribute): void => {
        for (const attribute of attrs) {
          const loc = { owner, attribute, parentOption, parentAttribute };
          locs.push(loc);
          this.#attrLocations.set(attribute.featureNodeHash, loc);
          this.#byHash.set(attribute.featureNodeHash, attribute);
          for (const opt of attribute.options) {
            this.#byHash.set(opt.featureNodeHash, opt);
            walk(opt.attributes, opt, attribute);
          }
        }
      };
      walk(owner.attributes);
      this.#attrsByOwner.set(owner, locs);
    }
  }

  /** Any feature (object, classification, attribute, option) by its feature node hash. */
  byHash(featureNodeHash: string): OntologyObject | OntologyClassification | OntologyAttribute | OntologyOption | undefined {
    return this.#byHash.get(featureNodeHash);
  }

  /** The object named `ref` (or with feature hash `ref`), or undefined. */
  findObject(ref: string): OntologyObject | undefined {
    const r = matchByNameOrHash(
      this.objects.map((o) => ({ item: o, hash: o.featureNodeHash, names: [o.name] })),
      ref,
    );
    return r.kind === 'one' ? r.item : undefined;
  }

  /** The object named `ref` (or with feature hash `ref`); throws TA_ONTOLOGY_MISMATCH otherwise. */
  object(ref: string): OntologyObject {
    return pick(
      this.objects.map((o) => ({ item: o, hash: o.featureNodeHash, names: [o.name] })),
      ref,
      'object',
      (o) => `${o.name} (${o.shape}, ${o.featureNodeHash})`,
    );
  }

  /** The classification whose top-level attribute is named `ref` (or with feature hash `ref`), or undefined. */
  findClassification(ref: string): OntologyClassification | undefined {
    const r = matchByNameOrHash(this.#classificationCandidates(), ref);
    return r.kind === 'one' ? r.item : undefined;
  }

  /** The classification named `ref` (its top-level attribute name) or with feature hash `ref`; throws otherwise. */
  classification(ref: string): OntologyClassification {
    return pick(this.#classificationCandidates(), ref, 'classification', (c) => `${c.name} (${c.featureNodeHash})`);
  }

  #classificationCandidates(): MatchCandidate<OntologyClassification>[] {
    // The top-level attribute hash also identifies the classification (it is what frame labels show).
    return this.classifications.flatMap((c) => [
      { item: c, hash: c.featureNodeHash, names: [c.name] },
      ...(c.attributes[0] ? [{ item: c, hash: c.attributes[0].featureNodeHash, names: [] as string[] }] : []),
    ]);
  }

  /** Every attribute of an object/classification, nested ones included, with where it sits. */
  attributeLocations(owner: AttributeOwner): readonly AttributeLocation[] {
    return this.#attrsByOwner.get(owner) ?? [];
  }

  /** Where the attribute with this feature hash sits, or undefined. */
  locateAttribute(featureNodeHash: string): AttributeLocation | undefined {
    return this.#attrLocations.get(featureNodeHash);
  }

  /** All attributes of `owner` (nested included) matching `ref` by hash or name. */
  matchAttributes(owner: AttributeOwner, ref: string): AttributeLocation[] {
    const locs = this.attributeLocations(owner);
    const r = matchByNameOrHash(
      locs.map((l) => ({ item: l, hash: l.attribute.featureNodeHash, names: [l.attribute.name] })),
      ref,
    );
    return r.kind === 'one' ? [r.item] : r.kind === 'ambiguous' ? r.items : [];
  }

  /** The attribute `ref` of `owner` (nested attributes included); throws TA_ONTOLOGY_MISMATCH when unknown or ambiguous. */
  attribute(owner: AttributeOwner, ref: string): OntologyAttribute {
    const locs = this.attributeLocations(owner);
    return pick(
      locs.map((l) => ({ item: l.attribute, hash: l.attribute.featureNodeHash, names: [l.attribute.name] })),
      ref,
      `attribute of "${owner.name}"`,
      (a) => `${a.name} (${a.type}, ${a.featureNodeHash})`,
    );
  }

  /** The option `ref` (label, value or feature hash) of a radio/checklist attribute; throws TA_ONTOLOGY_MISMATCH otherwise. */
  option(attribute: OntologyAttribute, ref: string): OntologyOption {
    if (attribute.type !== 'radio' && attribute.type !== 'checklist') {
      throw new TaskAgentError(
        'TA_ONTOLOGY_MISMATCH',
        `Attribute "${attribute.name}" is a ${attribute.type} attribute and has no options.`,
        { details: { attribute: attribute.featureNodeHash } },
      );
    }
    return pick(
      attribute.options.map((o) => ({ item: o, hash: o.featureNodeHash, names: [o.label, o.value] })),
      ref,
      `option of "${attribute.name}"`,
      (o) => o.label,
    );
  }

  /** The skeleton template used by a skeleton object (matched by name), if any. */
  skeletonTemplate(objectName: string): SkeletonTemplate | undefined {
    for (const entry of this.structure.skeleton_templates ?? []) {
      const t = (entry as Json)?.['template'] as Json | undefined;
      if (!t || typeof t !== 'object' || str(t['name']).toLowerCase() !== objectName.toLowerCase()) continue;
      const pts = (t['skeleton'] ?? {}) as Record<string, Json>;
      const points = Object.keys(pts)
        .sort((a, b) => Number(a) - Number(b))
        .map((k) => {
          const p = pts[k];
          return {
            x: Number(p['x'] ?? 0),
            y: Number(p['y'] ?? 0),
            name: str(p['name']),
            ...(typeof p['color'] === 'string' && { color: p['color'] }),
            ...(typeof p['value'] === 'string' && { value: p['value'] }),
            ...(typeof p['featureHash'] === 'string' && { featureHash: p['featureHash'] }),
          };
        });
      return {
        name: str(t['name']),
        featureNodeHash: typeof t['feature_node_hash'] === 'string' ? t['feature_node_hash'] : undefined,
        points,
        edges: t['skeletonEdges'],
      };
    }
    return undefined;
  }
}

function pick<T>(cands: MatchCandidate<T>[], ref: string, what: string, describe: (t: T) => string): T {
  const r = matchByNameOrHash(cands, ref);
  if (r.kind === 'one') return r.item;
  const valid = [...new Set(cands.map((c) => c.item))].map(describe);
  if (r.kind === 'ambiguous') {
    throw new TaskAgentError(
      'TA_ONTOLOGY_MISMATCH',
      `"${ref}" matches several ${what}s: ${r.items.map(describe).join(', ')}. Use the feature hash.`,
      { details: { ref, matches: r.items.map(describe) } },
    );
  }
  throw new TaskAgentError('TA_ONTOLOGY_MISMATCH', `Unknown ${what} "${ref}". Valid: ${valid.length ? valid.join(', ') : '(none)'}.`, {
    details: { ref, valid },
  });
}
