import { zodIssueLines } from '../project-schema.js';
import * as z from 'zod';
import { TaskAgentError } from '../errors.js';
import type { AnswerValue } from './answers.js';
import { lowerSnakeCase } from './name-match.js';
import type { OntologyAttribute, OntologyClassification, OntologyObject, OntologyOption } from './ontology.js';

/**
 * The TypeScript counterpart of encord-agents' `OntologyDataModel` (core/ontology.py): turn
 * classifications (or objects) into a JSON Schema for structured LLM output, validate the LLM's
 * JSON with the matching zod schema, and convert it into drafts ready for `LabelRow.add*`.
 * Field names and shapes follow the Python model so prompts written for it keep working:
 * attributes are keyed by lower_snake(name); text → `{feature_node_hash, value}`; checklist →
 * one boolean per option value; radio → `{feature_node_hash, choice}` where `choice` is an option
 * label, or (when options nest attributes) an object discriminated by the option's feature hash.
 */

/** A classification ready for `labelRow.addClassification({ ...draft, frames })`. */
export interface ClassificationDraft {
  featureHash: string;
  name: string;
  /** The top-level attribute's answer (option feature hash(es), text or number). */
  answer: AnswerValue | undefined;
  /** Every answer (top-level and nested) keyed by attribute feature hash. */
  attributes: Record<string, AnswerValue>;
}

/** An object choice ready for `labelRow.addObject({ ...draft, frame, boundingBox })`. */
export interface ObjectDraft {
  featureHash: string;
  name: string;
  /** Answers keyed by attribute feature hash. */
  attributes: Record<string, AnswerValue>;
}

/** What `parse` returns: a list of classification drafts, or one object draft. */
export type OntologyDataModelResult<T> = T extends OntologyObject ? ObjectDraft : ClassificationDraft[];

const LEGAL_OBJECT_SHAPES = new Set(['bounding_box', 'bitmask', 'polygon', 'rotatable_bounding_box']);
const HASH_DESCRIPTION = 'UUID for discrimination. Must be included in json as is.';
const KEEP = new Set(['_', ' ']);

/** Python `safe_str`: keep alphanumerics, "_" and " ", trimmed. */
export function safeStr(s: string): string {
  return [...s]
    .filter((c) => /[\p{L}\p{N}]/u.test(c) || KEEP.has(c))
    .join('')
    .trim();
}

/** Python `safe_key`: safe_str with spaces → "_". */
export function safeKey(s: string): string {
  return safeStr(s).replace(/ /g, '_');
}

/** The JSON field name of an attribute (Python `lower_snake_case(safe_str(title))`). */
export function attributeFieldName(attr: OntologyAttribute): string {
  return lowerSnakeCase(safeStr(attr.name));
}

type Shape = Record<string, z.ZodType>;
type Data = Record<string, unknown>;

function mismatch(message: string, details?: Record<string, unknown>): never {
  throw new TaskAgentError('TA_ONTOLOGY_MISMATCH', message, details ? { details } : {});
}

function hashField(hash: string): z.ZodType {
  return z.literal(hash).describe(HASH_DESCRIPTION);
}

function fieldsFor(attrs: readonly OntologyAttribute[], where: string): Shape {
  const shape: Shape = {};
  for (const attr of attrs) {
    const key = attributeFieldName(attr);
    if (key in shape || key === 'feature_node_hash')
      mismatch(`Two attributes of ${where} map to the JSON field "${key}"; rename one in the ontology.`);
    shape[key] = attributeSchema(attr);
  }
  return shape;
}

function unionOf(models: z.ZodObject[], discriminator: string): z.ZodType {
  if (models.length === 1) return models[0];
  return z.discriminatedUnion(discriminator, models as [z.ZodObject, z.ZodObject, ...z.ZodObject[]]);
}

function attributeSchema(attr: OntologyAttribute): z.ZodType {
  switch (attr.type) {
    case 'text':
      return z
        .object({
          feature_node_hash: hashField(attr.featureNodeHash),
          value: z.string().min(0).max(1000).describe(`Please describe the image as accurate as possible focusing on '${attr.name}'`),
        })
        .describe('A text attribute with carefully crafted text to describe the property.');
    case 'numeric':
      return z
        .object({ feature_node_hash: hashField(attr.featureNodeHash), value: z.number().describe(`The numeric value of '${attr.name}'`) })
        .describe('A numeric attribute.');
    case 'checklist': {
      const shape: Shape = { feature_node_hash: hashField(attr.featureNodeHash) };
      for (const o of attr.options) shape[safeKey(o.value)] = z.boolean().describe(`Is '${o.label}' applicable or not?`);
      return z
        .object(shape)
        .describe('A collection of boolean values indicating which concepts are applicable according to the image content.');
    }
    case 'radio': {
      if (attr.options.length === 0) mismatch(`Radio attribute "${attr.name}" has no options.`);
      const flat = attr.options.every((o) => o.attributes.length === 0);
      const choice = flat
        ? z.enum(attr.options.map((o) => o.label) as [string, ...string[]])
        : unionOf(
            attr.options.map((o) =>
              z.object(
                o.attributes.length
                  ? { feature_node_hash: hashField(o.featureNodeHash), ...fieldsFor(o.attributes, `option "${o.label}"`) }
                  : {
                      feature_node_hash: hashField(o.featureNodeHash),
                      title: z.literal(safeStr(o.label)).optional().describe('Constant value - should be included as-is.'),
                    },
              ),
            ),
            'feature_node_hash',
          );
      return z
        .object({
          feature_node_hash: hashField(attr.featureNodeHash),
          choice: choice.describe('Choose exactly one answer from the given options.'),
        })
        .describe('A mutually exclusive radio attribute to choose exactly one option that best matches to the give visual input.');
    }
    default:
      return mismatch(`Attribute "${attr.name}" has unsupported type "${String(attr.type)}".`);
  }
}

/** Walk validated data alongside the ontology and collect answers keyed by attribute hash. */
function collect(attr: OntologyAttribute, data: Data, out: Record<string, AnswerValue>): void {
  switch (attr.type) {
    case 'text':
    case 'numeric':
      out[attr.featureNodeHash] = data['value'] as string | number;
      return;
    case 'checklist':
      out[attr.featureNodeHash] = attr.options.filter((o) => data[safeKey(o.value)] === true).map((o) => o.featureNodeHash);
      return;
    case 'radio': {
      const choice = data['choice'];
      let option: OntologyOption | undefined;
      if (typeof choice === 'string') option = attr.options.find((o) => o.label === choice);
      else if (typeof choice === 'object' && choice !== null)
        option = attr.options.find((o) => o.featureNodeHash === (choice as Data)['feature_node_hash']);
      if (!option) return;
      out[attr.featureNodeHash] = option.featureNodeHash;
      if (typeof choice === 'object' && choice !== null) collectAll(option.attributes, choice as Data, out);
      return;
    }
  }
}

function collectAll(attrs: readonly OntologyAttribute[], data: Data, out: Record<string, AnswerValue>): void {
  for (const attr of attrs) {
    const v = data[attributeFieldName(attr)];
    if (typeof v === 'object' && v !== null) collect(attr, v as Data, out);
  }
}

/**
 * Ontology → JSON Schema / zod schema → label drafts, for structured LLM output.
 *
 * @example
 * ```ts
 * const ontology = new Ontology(project.ontology);
 * const model = new OntologyDataModel(ontology.classifications);
 * const reply = await llm.chat({ response_format: { type: 'json_schema', schema: model.jsonSchema }, … });
 * for (const draft of model.parse(reply.content)) lr.addClassification({ ...draft, frames: [0] });
 *
 * const objects = new OntologyDataModel(ontology.objects.filter((o) => o.shape === 'bounding_box'));
 * const choice = objects.parse('{"choice": "Car"}');   // → ObjectDraft
 * lr.addObject({ ...choice, frame: 0, boundingBox: box });
 * ```
 */
export class OntologyDataModel<T extends OntologyClassification | OntologyObject = OntologyClassification | OntologyObject> {
  /** The ontology items the model was built from. */
  readonly items: readonly T[];
  /** "classification" (parse → ClassificationDraft[]) or "object" (parse → ObjectDraft). */
  readonly kind: 'classification' | 'object';
  /** The zod schema validating the LLM's JSON. */
  readonly zodSchema: z.ZodType;

  constructor(root: T | readonly T[]) {
    const items: T[] = Array.isArray(root) ? [...(root as readonly T[])] : [root as T];
    if (items.length === 0) mismatch('No ontology objects or classifications given to build a data model from.');
    const kinds = new Set(items.map((i) => i.kind));
    if (kinds.size > 1) mismatch('You cannot mix classifications and objects in the same model.');
    this.items = items;
    this.kind = items[0].kind;
    if (this.kind === 'object') {
      const objects = items as unknown as OntologyObject[];
      const illegal = objects.filter((o) => !LEGAL_OBJECT_SHAPES.has(o.shape));
      if (illegal.length) {
        mismatch(
          `Illegal shapes in provided ontology objects: ${illegal.map((o) => `${o.name} (${o.shape})`).join(', ')}; allowed: ${[...LEGAL_OBJECT_SHAPES].join(', ')}.`,
        );
      }
      const flat = objects.filter((o) => o.attributes.length === 0);
      // Every object is selectable as {feature_node_hash, …attributes}; flat ones also by name.
      const models = objects.map((o) =>
        z.object({ feature_node_hash: hashField(o.featureNodeHash), ...fieldsFor(o.attributes, `object "${o.name}"`) }),
      );
      const byHash = unionOf(models, 'feature_node_hash');
      const byName = flat.length ? z.enum(flat.map((o) => o.name) as [string, ...string[]]) : undefined;
      const choice = byName && flat.length === objects.length ? byName : byName ? z.union([byName, byHash]) : byHash;
      this.zodSchema = z.object({ choice: choice.describe('Choose exactly one answer from the given options.') });
    } else {
      const shape: Shape = {};
      for (const c of items as unknown as OntologyClassification[]) {
        for (const [k, v] of Object.entries(fieldsFor(c.attributes, `classification "${c.name}"`))) {
          if (k in shape) mismatch(`Two classifications map to the JSON field "${k}"; rename one in the ontology.`);
          shape[k] = v;
        }
      }
      this.zodSchema = z.object(shape);
    }
  }

  /** JSON Schema (draft 2020-12) of the expected LLM output. */
  get jsonSchema(): Record<string, unknown> {
    return z.toJSONSchema(this.zodSchema);
  }

  /** `jsonSchema` as a string, for prompts. */
  get jsonSchemaString(): string {
    return JSON.stringify(this.jsonSchema);
  }

  /**
   * Validate the LLM's answer (JSON text or parsed value) and convert it to drafts.
   * Throws TA_ONTOLOGY_MISMATCH with the validation issues when it does not fit the schema.
   */
  parse(answer: unknown): OntologyDataModelResult<T> {
    let value: unknown = answer;
    if (typeof answer === 'string') {
      try {
        value = JSON.parse(answer);
      } catch (e) {
        mismatch(`The answer is not valid JSON: ${(e as Error).message}`);
      }
    }
    const r = this.zodSchema.safeParse(value);
    if (!r.success) {
      const issues = zodIssueLines(r.error);
      mismatch(`The answer does not match the ontology schema: ${issues.join('; ')}`, { issues });
    }
    const data = r.data as Data;
    if (this.kind === 'object') {
      const objects = this.items as unknown as OntologyObject[];
      const choice = data['choice'];
      const obj =
        typeof choice === 'string'
          ? objects.find((o) => o.name === choice)
          : objects.find((o) => o.featureNodeHash === (choice as Data)['feature_node_hash']);
      if (!obj) return mismatch(`No object matches ${JSON.stringify(choice)}.`);
      const attributes: Record<string, AnswerValue> = {};
      if (typeof choice === 'object' && choice !== null) collectAll(obj.attributes, choice as Data, attributes);
      return { featureHash: obj.featureNodeHash, name: obj.name, attributes } as OntologyDataModelResult<T>;
    }
    const drafts: ClassificationDraft[] = [];
    for (const c of this.items as unknown as OntologyClassification[]) {
      const attributes: Record<string, AnswerValue> = {};
      collectAll(c.attributes, data, attributes);
      const top = c.attributes[0];
      drafts.push({ featureHash: c.featureNodeHash, name: c.name, answer: top ? attributes[top.featureNodeHash] : undefined, attributes });
    }
    return drafts as OntologyDataModelResult<T>;
  }

  /** Alias of `parse` for a JSON string (Python `validate_json`). */
  validateJson(answer: string): OntologyDataModelResult<T> {
    return this.parse(answer);
  }
}
