/**
 * Fault injection for the emulator: `429:0.1,500:0.05,503:0.05,reset:0.02,lost:0.02,latency:50ms`.
 * Each API request rolls once against the cumulative probabilities (so the rates add up), before
 * it is handled. Statuses and `reset` are injected before handling, so they never have side
 * effects; `lost` is the one that does: the request is applied, then the connection is reset
 * instead of answering (a response lost on the way back), which a client can only tell from a
 * reset before handling by looking at the platform. A seed makes the sequence reproducible.
 */
import { TaskAgentError } from '../../shared/errors.js';

/** One injected outcome: an HTTP status, a dropped connection (before or after handling), or nothing. */
export type Fault = { kind: 'status'; status: number } | { kind: 'reset' } | { kind: 'lost' } | null;

export interface FaultSpec {
  /** `[outcome, probability]` in spec order. */
  rates: Array<[number | 'reset' | 'lost', number]>;
  /** Added latency per request, ms. */
  latencyMs: number;
}

/**
 * Parses a fault spec. Statuses must be 4xx/5xx; probabilities in [0, 1] and summing to ≤ 1.
 * @throws TaskAgentError TA_CFG_INVALID
 */
export function parseFaultSpec(spec: string): FaultSpec {
  const out: FaultSpec = { rates: [], latencyMs: 0 };
  const invalid = (why: string) =>
    new TaskAgentError('TA_CFG_INVALID', `--faults "${spec}": ${why}`, {
      hint: 'e.g. --faults 429:0.1,500:0.05,reset:0.02,lost:0.02,latency:50ms',
    });
  for (const part of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [name = '', value = ''] = part.split(':');
    if (name === 'latency') {
      const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(value);
      if (!m) throw invalid(`bad latency "${value}"`);
      out.latencyMs = Number(m[1]) * (m[2] === 's' ? 1000 : 1);
      continue;
    }
    const p = Number(value);
    if (!Number.isFinite(p) || p < 0 || p > 1) throw invalid(`bad probability "${value}"`);
    if (name === 'reset' || name === 'lost') out.rates.push([name, p]);
    else if (/^[45]\d\d$/.test(name)) out.rates.push([Number(name), p]);
    else throw invalid(`unknown fault "${name}"`);
  }
  if (out.rates.reduce((s, [, p]) => s + p, 0) > 1 + 1e-9) throw invalid('probabilities add up to more than 1');
  return out;
}

/** mulberry32: a tiny seeded PRNG in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Rolls faults for requests. */
export class FaultInjector {
  readonly spec: FaultSpec;
  private readonly random: () => number;

  constructor(spec: FaultSpec, seed?: number) {
    this.spec = spec;
    this.random = seed === undefined ? Math.random : seededRandom(seed);
  }

  /** The fault for the next request (or null). */
  roll(): Fault {
    if (this.spec.rates.length === 0) return null;
    let r = this.random();
    for (const [what, p] of this.spec.rates) {
      if (r < p) return typeof what === 'number' ? { kind: 'status', status: what } : { kind: what };
      r -= p;
    }
    return null;
  }
}
