import { TaskAgentError } from '../errors.js';

/**
 * Bitmask RLE as Encord stores it (§7.4): the mask is flattened row-major, run lengths alternate
 * starting with a zero-run, and the counts are written with COCO's compressed-RLE string scheme
 * (counts after the second are deltas to the count two before; 5-bit little-endian groups, 0x20 =
 * more groups follow, 0x10 on the last group = negative; each group + 48 is one character).
 */

/** Run lengths of a row-major mask, starting with a (possibly empty) run of zeros. */
export function maskToRuns(mask: Uint8Array): number[] {
  const runs: number[] = [];
  let last = 0;
  let run = 0;
  for (let i = 0; i < mask.length; i++) {
    const v = mask[i] ? 1 : 0;
    if (v === last) run++;
    else {
      runs.push(run);
      run = 1;
      last = v;
    }
  }
  runs.push(run);
  return runs;
}

/** COCO compressed-RLE string of a list of run lengths. */
export function runsToString(runs: readonly number[]): string {
  let out = '';
  for (let i = 0; i < runs.length; i++) {
    // Arbitrary-size arithmetic instead of `>>`: deltas can exceed 32 bits only in theory, but
    // Math.floor keeps the sign-extension semantics of the C code without overflow surprises.
    let x = runs[i] - (i > 2 ? runs[i - 2] : 0);
    let more = true;
    while (more) {
      let c = ((x % 32) + 32) % 32;
      x = Math.floor(x / 32);
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      out += String.fromCharCode(c + 48);
    }
  }
  return out;
}

/** Run lengths from a COCO compressed-RLE string; throws TA_LABEL_ROW_INVALID on bad characters. */
export function stringToRuns(s: string): number[] {
  const runs: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= s.length) throw new TaskAgentError('TA_LABEL_ROW_INVALID', `Truncated RLE string at character ${p}.`);
      const c = s.charCodeAt(p) - 48;
      if (c < 0 || c > 63) throw new TaskAgentError('TA_LABEL_ROW_INVALID', `Invalid RLE character ${JSON.stringify(s[p])} at ${p}.`);
      x += (c & 0x1f) * 2 ** (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && c & 0x10) x -= 2 ** (5 * k);
    }
    if (runs.length > 2) x += runs[runs.length - 2];
    runs.push(x);
  }
  return runs;
}

/**
 * Encode a row-major binary mask (any non-zero byte = set) as Encord's bitmask `rleString`.
 *
 * @example
 * ```ts
 * const mask = new Uint8Array(12); mask[5] = mask[6] = 1; // 4 wide, 3 high, row 1 cols 1–2
 * encodeRle(mask, 4, 3); // "525"
 * ```
 */
export function encodeRle(mask: Uint8Array, width: number, height: number): string {
  checkSize(width, height);
  if (mask.length !== width * height) {
    throw new TaskAgentError(
      'TA_LABEL_ROW_INVALID',
      `Bitmask has ${mask.length} pixels but ${width}×${height} = ${width * height} were expected.`,
    );
  }
  return runsToString(maskToRuns(mask));
}

/**
 * Decode an Encord bitmask `rleString` into a row-major mask of 0/1 bytes (width × height).
 * Throws TA_LABEL_ROW_INVALID when the runs do not add up to width × height.
 *
 * @example
 * ```ts
 * const mask = decodeRle('525', 4, 3); // mask[5] === 1 && mask[6] === 1
 * ```
 */
export function decodeRle(rle: string, width: number, height: number): Uint8Array {
  checkSize(width, height);
  const runs = stringToRuns(rle);
  const total = width * height;
  const mask = new Uint8Array(total);
  let pos = 0;
  for (let i = 0; i < runs.length; i++) {
    const n = runs[i];
    if (n < 0 || pos + n > total) {
      throw new TaskAgentError('TA_LABEL_ROW_INVALID', `RLE runs exceed the ${width}×${height} mask (run ${i} = ${n} at pixel ${pos}).`);
    }
    if (i % 2 === 1) mask.fill(1, pos, pos + n);
    pos += n;
  }
  if (pos !== total) {
    throw new TaskAgentError('TA_LABEL_ROW_INVALID', `RLE runs cover ${pos} pixels but the mask is ${width}×${height} = ${total}.`);
  }
  return mask;
}

function checkSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new TaskAgentError('TA_LABEL_ROW_INVALID', `Invalid bitmask size ${width}×${height}.`);
  }
}
