/**
 * Remembers the `seq` (rowid) of tasks a page listed, so proceeding them updates by rowid instead
 * of looking the UUID up in its index first (about a third of a proceed's cost). A fixed table of
 * seqs indexed by a hash of the UUID: no per-task objects, nothing for the GC to promote (a Map
 * of UUIDs kept every listed UUID string alive into the old generation, growing the heap with the
 * task count), and a fixed size. Two UUIDs may share a slot; the later wins and the earlier is a
 * miss. A seq is only ever used together with its UUID (the UPDATE checks both), so a miss or a
 * wrong slot costs the lookup by UUID, never a wrong move.
 */
export class TaskSeqCache {
  readonly #seqs: Float64Array;
  readonly #mask: number;

  /** 2^16 slots (512 KiB): few collisions among the few thousand tasks between listing and proceeding. */
  constructor(slotsLog2 = 16) {
    this.#seqs = new Float64Array(1 << slotsLog2);
    this.#mask = (1 << slotsLog2) - 1;
  }

  remember(uuid: string, seq: number): void {
    this.#seqs[fnv1a(uuid) & this.#mask] = seq;
  }

  /** The seq remembered in this UUID's slot (possibly another task's), or undefined. */
  seqOf(uuid: string): number | undefined {
    const seq = this.#seqs[fnv1a(uuid) & this.#mask];
    return seq === 0 ? undefined : seq;
  }
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
