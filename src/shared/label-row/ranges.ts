/**
 * Inclusive frame ranges (`[[start, end], …]`) as used by dynamic answers. Kept as interval
 * arithmetic so that a range over a long video never expands into a frame list.
 */

/** An inclusive `[start, end]` frame range. */
export type FrameRange = [number, number];

/** Sort and merge overlapping or adjacent ranges. */
export function normaliseRanges(ranges: readonly (readonly number[])[]): FrameRange[] {
  const sorted = ranges.map((r) => [r[0], r[1] ?? r[0]] as FrameRange).sort((a, b) => a[0] - b[0]);
  const out: FrameRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

/** Sorted distinct frames → minimal ranges. */
export function framesToRanges(frames: Iterable<number>): FrameRange[] {
  return normaliseRanges([...frames].map((f) => [f, f]));
}

/** Union of two range lists. */
export function unionRanges(a: readonly FrameRange[], b: readonly FrameRange[]): FrameRange[] {
  return normaliseRanges([...a, ...b]);
}

/** `a` minus `b`. */
export function subtractRanges(a: readonly FrameRange[], b: readonly FrameRange[]): FrameRange[] {
  let cur = normaliseRanges(a);
  for (const [s, e] of normaliseRanges(b)) {
    const next: FrameRange[] = [];
    for (const [cs, ce] of cur) {
      if (ce < s || cs > e) next.push([cs, ce]);
      else {
        if (cs < s) next.push([cs, s - 1]);
        if (ce > e) next.push([e + 1, ce]);
      }
    }
    cur = next;
  }
  return cur;
}

/** Whether `frame` lies in any range. */
export function rangesContain(ranges: readonly (readonly number[])[], frame: number): boolean {
  return ranges.some((r) => frame >= r[0] && frame <= (r[1] ?? r[0]));
}
