/**
 * When `serve` drains which stage: one drain at a time (they share the worker pool), in the order
 * asked. Asking for a stage that is already waiting coalesces into that request; asking for the
 * stage being drained queues exactly one more drain after it (its tasks may have arrived after the
 * drain listed the stage), however many notifications arrive meanwhile.
 */
export type DrainTrigger = 'start' | 'webhook' | 'poll';

export interface DrainRequest<K> {
  key: K;
  trigger: DrainTrigger;
  /** When the first request still waiting was made (ms). */
  requestedAt: number;
}

export class DrainScheduler<K> {
  readonly #pending = new Map<string, DrainRequest<K>>();
  #current: string | undefined;
  #loop: Promise<void> | undefined;
  #stopped = false;
  #idle: Array<() => void> = [];

  constructor(
    private readonly id: (key: K) => string,
    private readonly drain: (request: DrainRequest<K>) => Promise<void>,
  ) {}

  /** 'queued' when this request adds a drain, 'coalesced' when one for the stage was already waiting. */
  request(key: K, trigger: DrainTrigger): 'queued' | 'coalesced' | 'stopped' {
    if (this.#stopped) return 'stopped';
    const id = this.id(key);
    if (this.#pending.has(id)) return 'coalesced';
    this.#pending.set(id, { key, trigger, requestedAt: Date.now() });
    this.#loop ??= this.#run();
    return 'queued';
  }

  /** The stage draining now, if any. */
  get current(): string | undefined {
    return this.#current;
  }

  get pending(): number {
    return this.#pending.size;
  }

  /** Resolves once nothing is draining or waiting. */
  idle(): Promise<void> {
    if (!this.#loop) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Starts no further drain (waiting ones are dropped) and resolves when the current one ends. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#pending.clear();
    await this.#loop;
  }

  async #run(): Promise<void> {
    try {
      while (!this.#stopped) {
        const next = this.#pending.entries().next();
        if (next.done) break;
        const [id, request] = next.value;
        this.#pending.delete(id);
        this.#current = id;
        try {
          await this.drain(request);
        } finally {
          this.#current = undefined;
        }
      }
    } finally {
      this.#loop = undefined;
      for (const resolve of this.#idle.splice(0)) resolve();
    }
  }
}
