/**
 * Request counters of the emulator, per endpoint, served at `GET /_emulator/stats`, and a log of
 * every request's arrival and end (`GET /_emulator/requests`), from which a benchmark computes a
 * run's critical path (the requests that had to follow one another) on the server's own clock.
 */

export interface EmulatorStats {
  /** Handled API requests (after fault injection), by endpoint key such as `POST v2 …/actions` or `v1 labelrow GET`. */
  requests: Record<string, number>;
  /** Injected faults by kind (`429`, `500`, `reset`, …). */
  faults: Record<string, number>;
  /** Requests rejected by signature checks, by status. */
  rejected: Record<string, number>;
  /** Media downloads served. */
  media: number;
  /** Total API requests that reached the emulator, faults and rejections included. */
  total: number;
}

/** One request as the emulator saw it: times are epoch milliseconds (fractional), on this machine's clock. */
export interface RequestLogEntry {
  /** The endpoint key of `requests` (`GET v2 …/tasks`, `v1 labelrow GET`, …), `media`, `fault 429`, `rejected 401`, …. */
  endpoint: string;
  /** When the request arrived (before any injected latency). */
  start: number;
  /** When its response was finished (or its connection closed). */
  end: number;
  status: number;
  /** What a handled request was about (data hashes of v1 label-row calls, task uuids of actions): lets a test check the order of a task's requests. */
  items?: string[];
}

/** Entries the log keeps (the oldest are dropped past it, counted in `dropped`): a long-lived emulator stays bounded. */
export const REQUEST_LOG_LIMIT = 100_000;

/** Epoch ms with sub-millisecond resolution, comparable across processes of one machine. */
export const epochMs = (): number => performance.timeOrigin + performance.now();

const bump = (m: Record<string, number>, k: string): void => {
  m[k] = (m[k] ?? 0) + 1;
};

/** Mutable counters. */
export class RequestStats {
  private readonly data: EmulatorStats = { requests: {}, faults: {}, rejected: {}, media: 0, total: 0 };
  #log: RequestLogEntry[] = [];
  #dropped = 0;

  /** Logs a finished request. */
  logged(entry: RequestLogEntry): void {
    if (this.#log.length >= REQUEST_LOG_LIMIT) {
      this.#log.splice(0, this.#log.length - REQUEST_LOG_LIMIT + 1);
      this.#dropped++;
    }
    this.#log.push(entry);
  }

  /** The request log, in the order requests finished. */
  log(): { requests: RequestLogEntry[]; dropped: number } {
    return { requests: [...this.#log], dropped: this.#dropped };
  }

  arrived(): void {
    this.data.total++;
  }

  handled(endpoint: string): void {
    bump(this.data.requests, endpoint);
  }

  fault(kind: string): void {
    bump(this.data.faults, kind);
  }

  rejected(status: number): void {
    bump(this.data.rejected, String(status));
  }

  mediaServed(): void {
    this.data.media++;
  }

  snapshot(): EmulatorStats {
    return structuredClone(this.data);
  }
}
