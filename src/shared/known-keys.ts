/**
 * Option objects are checked for keys nobody reads: a misspelt option (`taskBatchSise`) is an
 * error naming the key and the closest known one, never silently ignored.
 */
import { TaskAgentError } from './errors.js';

/** Throws TA_CFG_INVALID when `value` has a key outside `known` (undefined values included: the key was still meant). */
export function rejectUnknownKeys(value: object, known: readonly string[], where: string): void {
  const unknown = Object.keys(value).filter((k) => !known.includes(k));
  if (unknown.length === 0) return;
  const near = unknown.map((k) => [k, closestName(k, known)] as const);
  const lines = near.map(([k, n]) => (n === undefined ? `"${k}"` : `"${k}" (did you mean "${n}"?)`));
  const suggestions = Object.fromEntries(near.filter(([, n]) => n !== undefined));
  throw new TaskAgentError('TA_CFG_INVALID', `unknown ${unknown.length === 1 ? 'option' : 'options'} in ${where}: ${lines.join(', ')}`, {
    details: { unknown, suggestions },
    hint: `known options: ${known.join(', ')}`,
  });
}

/**
 * The known name `name` most likely meant: the same letters once case, `-` and `_` are ignored
 * (`task-batch-size`, `TaskBatchSize`), else the nearest by edit distance within a third of its
 * length, rounded up (at least 2 edits); undefined when none is that close.
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  const plain = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
  const target = plain(name);
  const same = known.find((k) => plain(k) === target);
  if (same !== undefined) return same;
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.ceil(target.length / 3)) + 1;
  for (const k of known) {
    const d = editDistance(target, plain(k));
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours cost 1. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
    }
  }
  return rows[a.length][b.length];
}
