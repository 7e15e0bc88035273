/**
 * Checks a stage's dependency declarations before any task runs: names that refer to nothing
 * (TA_DEP_MISSING), cycles (TA_DEP_CYCLE), reserved names (TA_DEP_RESERVED_NAME); and collects
 * the built-ins the stage uses (what they need prefetched is their providers' business: worker/deps).
 */
import { TaskAgentError } from '../shared/errors.js';
import { isDep, type AnyDep } from './define.js';

export const RESERVED_DEP_NAMES = ['task', 'project', 'stage', 'signal'] as const;

/** Follows a `needs` entry: a dep object, or the name of a dep declared on the stage. */
export function lookupNeed(need: AnyDep | string, stageDeps: Record<string, AnyDep>, owner: string, stage: string): AnyDep {
  if (typeof need !== 'string') return need;
  const found = stageDeps[need];
  if (!found) {
    throw new TaskAgentError(
      'TA_DEP_MISSING',
      `stage "${stage}": ${owner} needs "${need}" but the stage declares no dependency of that name`,
      {
        hint: `declare it in the stage's deps (declared: ${Object.keys(stageDeps).join(', ') || 'none'})`,
      },
    );
  }
  return found;
}

/** What a stage's dependency tree uses: its built-ins, nested ones too, each once. */
export interface StageDepsInfo {
  builtins: AnyDep[];
}

export function checkStageDeps(stage: string, stageDeps: Record<string, unknown>): StageDepsInfo {
  const builtins: AnyDep[] = [];
  const deps: Record<string, AnyDep> = {};
  for (const [name, d] of Object.entries(stageDeps)) {
    if ((RESERVED_DEP_NAMES as readonly string[]).includes(name)) {
      throw new TaskAgentError(
        'TA_DEP_RESERVED_NAME',
        `stage "${stage}": "${name}" is provided by the runtime and cannot be a dependency name`,
        { hint: 'rename the dependency' },
      );
    }
    if (!isDep(d)) {
      throw new TaskAgentError('TA_DEP_MISSING', `stage "${stage}": deps.${name} is not a dependency`, {
        hint: 'use deps.labelRow(), defineDep({...}), …',
      });
    }
    deps[name] = d;
  }
  const names = new Map<AnyDep, string>(Object.entries(deps).map(([k, v]) => [v, k]));
  const done = new Set<AnyDep>();
  // The path holds dep objects, not labels: two unnamed custom deps nested in each other share a label and are no cycle.
  const visit = (dep: AnyDep, path: AnyDep[]): void => {
    const label = names.get(dep) ?? dep.label;
    if (path.includes(dep)) {
      const chain = [...path, dep].map((d) => names.get(d) ?? d.label);
      throw new TaskAgentError('TA_DEP_CYCLE', `stage "${stage}": dependency cycle ${chain.join(' → ')}`, { hint: 'break the cycle' });
    }
    if (done.has(dep)) return;
    if (dep.builtin) builtins.push(dep);
    for (const n of Object.values(dep.needs)) visit(lookupNeed(n, deps, label, stage), [...path, dep]);
    done.add(dep);
  };
  for (const d of Object.values(deps)) visit(d, []);
  return { builtins };
}
