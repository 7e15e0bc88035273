/** A JSON value read where a string belongs, as text: objects as JSON (not "[object Object]"), null and undefined as "". */
export function jsonText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v) ?? '';
}
