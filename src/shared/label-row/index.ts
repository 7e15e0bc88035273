// Placeholder until the full label-row model lands (branch `labels`): keeps the runtime's contract.
import type { LabelRowJson, OntologyStructure } from '../types.js';

export class LabelRow {
  #json: LabelRowJson;
  readonly ontology: OntologyStructure;
  isDirty = false;
  constructor(json: LabelRowJson, ontology: OntologyStructure) {
    this.#json = structuredClone(json);
    this.ontology = ontology;
  }
  get dataHash(): string { return this.#json.data_hash; }
  get labelHash(): string | null { return this.#json.label_hash; }
  get dataTitle(): string { return String(this.#json.data_title); }
  get dataType(): string { return this.#json.data_type; }
  toJSON(): LabelRowJson { return structuredClone(this.#json); }
}
