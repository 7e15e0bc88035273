/**
 * Remembers the `seq` (rowid) of tasks a page listed, so proceeding them updates by rowid instead
 * of looking the UUID up in its index first (about a third of a proceed's cost). Entries leave
 * when their task is proceeded; tasks that stay or fail are dropped oldest first past `limit`, so
 * the cache is bounded whatever the number of tasks. A miss only costs the UUID lookup.
 */
export class TaskSeqCache {
  readonly #seqs = new Map<string, number>();

  constructor(readonly limit = 50_000) {}

  remember(uuid: string, seq: number): void {
    this.#seqs.set(uuid, seq);
  }

  /** Evicts the oldest entries past the limit (call once per page, not per row). */
  trim(): void {
    let excess = this.#seqs.size - this.limit;
    if (excess <= 0) return;
    for (const uuid of this.#seqs.keys()) {
      this.#seqs.delete(uuid);
      if (--excess === 0) break;
    }
  }

  /** The task's seq if it was listed, forgetting it (a task is proceeded once per listing). */
  take(uuid: string): number | undefined {
    const seq = this.#seqs.get(uuid);
    if (seq !== undefined) this.#seqs.delete(uuid);
    return seq;
  }

  get size(): number {
    return this.#seqs.size;
  }
}
