/**
 * Name / hash resolution shared by the ontology helpers: a reference matches a feature hash
 * exactly, or a name case-insensitively, preferring an exact-case match so that "Car" and "car"
 * can coexist in one ontology.
 */

/** A candidate in a lookup: the hash plus every name it answers to (name, label, value…). */
export interface MatchCandidate<T> {
  item: T;
  hash: string;
  names: readonly string[];
}

/** Result of a lookup: the match, nothing, or several equally good matches. */
export type MatchResult<T> = { kind: 'one'; item: T } | { kind: 'none' } | { kind: 'ambiguous'; items: T[] };

/** Resolve `ref` against candidates: hash > exact name > case-insensitive name. */
export function matchByNameOrHash<T>(candidates: readonly MatchCandidate<T>[], ref: string): MatchResult<T> {
  const byHash = unique(candidates.filter((c) => c.hash === ref));
  if (byHash.length === 1) return { kind: 'one', item: byHash[0].item };
  const exact = unique(candidates.filter((c) => c.names.includes(ref)));
  if (exact.length === 1) return { kind: 'one', item: exact[0].item };
  if (exact.length > 1) return { kind: 'ambiguous', items: exact.map((c) => c.item) };
  const lower = ref.toLowerCase();
  const loose = unique(candidates.filter((c) => c.names.some((n) => n.toLowerCase() === lower)));
  if (loose.length === 1) return { kind: 'one', item: loose[0].item };
  if (loose.length > 1) return { kind: 'ambiguous', items: loose.map((c) => c.item) };
  return { kind: 'none' };
}

function unique<T>(cs: MatchCandidate<T>[]): MatchCandidate<T>[] {
  const seen = new Set<T>();
  return cs.filter((c) => (seen.has(c.item) ? false : (seen.add(c.item), true)));
}

/** Encord's `_lower_snake_case`: lower-case, whitespace runs → "_". */
export function lowerSnakeCase(s: string): string {
  return s.toLowerCase().trim().split(/\s+/).filter(Boolean).join('_');
}
