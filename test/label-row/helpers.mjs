// Shared fixture loading for the label-row tests.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const fixturesDir = join(here, '..', 'fixtures');

export function loadJson(rel) {
  return JSON.parse(readFileSync(join(fixturesDir, rel), 'utf8'));
}

export function labelRowFixtureNames() {
  return readdirSync(join(fixturesDir, 'label-rows'))
    .filter((f) => f.endsWith('.json'))
    .sort();
}

export const ontology = () => loadJson('ontologies/label-rows.json');
export const fixture = (name) => loadJson(`label-rows/${name}.json`);

/** assert.throws matcher for a TaskAgentError code (and optional message fragments). */
export function code(c, ...fragments) {
  return (e) => {
    if (e?.code !== c) throw new Error(`expected ${c}, got ${e?.code}: ${e?.message}`);
    for (const f of fragments) if (!e.message.includes(f)) throw new Error(`message lacks "${f}": ${e.message}`);
    return true;
  };
}
