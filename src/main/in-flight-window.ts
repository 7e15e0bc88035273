/**
 * Bounds the chunks in flight to the workers (main thread): `acquire()` waits for a free slot,
 * `release()` frees one, `drain()` waits until none is in flight. A counter and a list of
 * waiters, rather than Promise.race over the pending chunks, which adds a reaction to every
 * pending promise on each wait. The size may follow something that changes (a queue's workers
 * coming and going): it is read at each acquire.
 */
export class InFlightWindow {
  #running = 0;
  #waiters: Array<() => void> = [];

  readonly #size: () => number;

  constructor(size: number | (() => number)) {
    this.#size = typeof size === 'number' ? () => size : size;
  }

  get size(): number {
    return this.#size();
  }

  get running(): number {
    return this.#running;
  }

  async acquire(): Promise<void> {
    while (this.#running >= this.size) await this.#changed();
    this.#running++;
  }

  release(): void {
    this.#running--;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  async drain(): Promise<void> {
    while (this.#running > 0) await this.#changed();
  }

  #changed(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}
