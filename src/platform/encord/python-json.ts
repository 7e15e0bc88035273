/**
 * JSON text exactly as Python's `json.dumps` writes it with default settings: `", "` and `": "`
 * separators and `ensure_ascii=True`. The Encord SDK signs the bytes it sends, and the wire
 * captures and signing test vectors in the protocol reference are in this form, so producing
 * it byte for byte lets the client reproduce them (and lets the emulator answer like the SDK expects).
 */

function pyString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    // Python escapes everything outside ' '..'~' (including DEL) as \uXXXX, UTF-16 units, lower-case hex.
    else if (c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += s[i];
  }
  return `${out}"`;
}

function pyNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  // Python float repr writes exponents with at least two digits (1e-07); JS writes 1e-7.
  return String(n).replace(/e([+-])(\d)$/, 'e$10$2');
}

/**
 * Serializes like Python `json.dumps(value)`. `undefined` members are skipped (as JSON.stringify
 * does), `toJSON` is honoured. Integers and floats are not distinguished (JS has one number type).
 */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return pyString(value);
    case 'number':
      return pyNumber(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'object': {
      const withJson = value as { toJSON?: () => unknown };
      if (typeof withJson.toJSON === 'function') return pythonJsonDumps(withJson.toJSON());
      if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : pythonJsonDumps(v))).join(', ')}]`;
      const parts: string[] = [];
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (v === undefined || typeof v === 'function') continue;
        parts.push(`${pyString(k)}: ${pythonJsonDumps(v)}`);
      }
      return `{${parts.join(', ')}}`;
    }
    default:
      return 'null';
  }
}
