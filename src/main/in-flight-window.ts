/**
 * Bounds the chunks in flight to the workers (main thread): `acquire()` waits for a free slot,
 * `release()` frees one, `drain()` waits until none is in flight. A counter and a list of
 * waiters, rather than Promise.race over the pending chunks, which adds a reaction to every
 * pending promise on each wait.
 */
export class InFlightWindow {
  #running = 0;
  #waiters: Array<() => void> = [];

  constructor(readonly size: number) {}

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
