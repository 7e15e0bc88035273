/**
 * Re-batches a platform's stream of task pages into batches of the run's --task-batch-size. The
 * platform sizes its pages (on Encord the server does), so a page larger than a batch feeds
 * several batches and small pages are joined: no part of a page is ever dropped. Pages are fetched
 * ahead, one request at a time, until the buffer holds two batches, so the next batch is ready
 * when it is asked for and memory stays bounded (two batches plus one page). A cap
 * (maxTasksPerStage) ends the batches after that many tasks, skipping none, and fetches nothing
 * past it. A page request that fails is reported only once the tasks already listed are handed out.
 */
import type { TaskRecord } from '../shared/types.js';

export class TaskBatches {
  readonly #pages: AsyncIterator<TaskRecord[]>;
  readonly #size: number;
  readonly #cap: number;
  #buffer: TaskRecord[] = [];
  #head = 0;
  #fetch: Promise<void> | null = null;
  #ended = false;
  #error: { error: unknown } | null = null;
  #listed = 0;
  #taken = 0;

  constructor(pages: AsyncIterable<TaskRecord[]>, size: number, cap = Infinity) {
    this.#pages = pages[Symbol.asyncIterator]();
    this.#size = Math.max(1, size);
    this.#cap = cap;
  }

  /** Tasks the platform has listed so far. */
  get listed(): number {
    return this.#listed;
  }

  /** Tasks handed out in batches. */
  get taken(): number {
    return this.#taken;
  }

  /** Tasks listed and not handed out (yet). */
  get buffered(): number {
    return this.#buffer.length - this.#head;
  }

  /** True once the cap is reached: what is still buffered was listed past it. */
  get capped(): boolean {
    return this.#taken >= this.#cap;
  }

  /**
   * The next batch (1..size tasks), or null when the stream or the cap is done.
   * @throws the page request's error, once every task listed before it has been handed out
   */
  async next(): Promise<TaskRecord[] | null> {
    const want = Math.min(this.#size, this.#cap - this.#taken);
    if (want <= 0) return null;
    while (this.buffered < want && !this.#ended) await this.#pull();
    if (this.buffered === 0) {
      if (this.#error) throw this.#error.error;
      return null;
    }
    const n = Math.min(want, this.buffered);
    const batch = this.#buffer.slice(this.#head, this.#head + n);
    this.#head += n;
    this.#taken += n;
    this.#prefetch();
    return batch;
  }

  /** Stops the stream (waits for a page in flight, which still counts as listed); fetches nothing more. */
  async close(): Promise<void> {
    this.#ended = true;
    if (this.#fetch) await this.#fetch;
    await this.#pages.return?.().catch(() => undefined);
  }

  /** One page request at a time; its failure is kept for next(), never left unhandled. */
  #pull(): Promise<void> {
    this.#fetch ??= this.#pages.next().then(
      (r) => {
        this.#fetch = null;
        if (r.done) this.#ended = true;
        else this.#append(r.value);
      },
      (error: unknown) => {
        this.#fetch = null;
        this.#error = { error };
        this.#ended = true;
      },
    );
    return this.#fetch;
  }

  #append(page: TaskRecord[]): void {
    this.#listed += page.length;
    this.#buffer = this.#head === this.#buffer.length ? page : this.#buffer.slice(this.#head).concat(page);
    this.#head = 0;
  }

  /** Fetches ahead while the buffer holds less than two batches (and less than the cap still allows). */
  #prefetch(): void {
    const target = Math.min(2 * this.#size, this.#cap - this.#taken);
    if (this.buffered < target && !this.#ended && !this.#fetch) void this.#pull().then(() => this.#prefetch());
  }
}
