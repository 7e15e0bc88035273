/**
 * A run-level allowance of request retries (a retry budget, as gRPC and Finagle have), shared by
 * every request a run's platform handles send. Each retry of a transient fault (429, 5xx, a reset)
 * spends one token; each request the platform answers earns back `refill` tokens, never above
 * `capacity`. So scattered faults are retried for as long as the run lasts, and retries can add at
 * most about `refill` × the answered requests (plus the reserve) to the traffic; a platform that
 * stops answering drains the reserve, after which failing requests fail at their first fault and
 * the run moves on instead of backing off for minutes on every batch.
 */
export class RetryBudget {
  readonly capacity: number;
  readonly refill: number;
  #tokens: number;
  #spent = 0;
  #denied = 0;

  /** `capacity` retries in reserve (≥ 0); `refill` tokens earned per answered request. */
  constructor(capacity: number, refill = 0.5) {
    this.capacity = capacity;
    this.refill = refill;
    this.#tokens = capacity;
  }

  /** Takes one retry if the budget has one. */
  take(): boolean {
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      this.#spent++;
      return true;
    }
    this.#denied++;
    return false;
  }

  /** The platform answered a request (success or a definitive error). */
  answered(): void {
    if (this.#tokens < this.capacity) this.#tokens = Math.min(this.capacity, this.#tokens + this.refill);
  }

  /** Retries taken so far. */
  get spent(): number {
    return this.#spent;
  }

  /** Retries refused because the budget was empty. */
  get denied(): number {
    return this.#denied;
  }
}
