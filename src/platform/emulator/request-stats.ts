/** Request counters of the emulator, per endpoint, served at `GET /_emulator/stats`. */

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

const bump = (m: Record<string, number>, k: string): void => {
  m[k] = (m[k] ?? 0) + 1;
};

/** Mutable counters. */
export class RequestStats {
  private readonly data: EmulatorStats = { requests: {}, faults: {}, rejected: {}, media: 0, total: 0 };

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
