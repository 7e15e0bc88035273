/**
 * A small Prometheus registry for `serve`'s GET /metrics: counters and gauges with labels,
 * rendered in the text exposition format (version 0.0.4), and a sliding one-minute rate.
 * Label sets are bounded by the deployment (projects × stages × outcomes / codes / operations).
 */
type Labels = Record<string, string>;

interface Series {
  labels: Labels;
  value: number;
}

class Family {
  readonly series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge',
  ) {}

  #at(labels: Labels): Series {
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
    let s = this.series.get(key);
    if (!s) {
      s = { labels, value: 0 };
      this.series.set(key, s);
    }
    return s;
  }

  inc(labels: Labels = {}, n = 1): void {
    this.#at(labels).value += n;
  }

  set(labels: Labels, value: number): void {
    this.#at(labels).value = value;
  }
}

/** A counter: `inc`, or `set` to a monotonic total read elsewhere (API calls). */
export type Counter = Pick<Family, 'inc' | 'set'>;
export type Gauge = Pick<Family, 'set'>;

const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export class Metrics {
  readonly #families: Family[] = [];

  counter(name: string, help: string): Counter {
    const f = new Family(name, help, 'counter');
    this.#families.push(f);
    return f;
  }

  gauge(name: string, help: string): Gauge {
    const f = new Family(name, help, 'gauge');
    this.#families.push(f);
    return f;
  }

  render(): string {
    const out: string[] = [];
    for (const f of this.#families) {
      out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
      for (const s of f.series.values()) {
        const labels = Object.entries(s.labels)
          .map(([k, v]) => `${k}="${escape(v)}"`)
          .join(',');
        out.push(`${f.name}${labels ? `{${labels}}` : ''} ${Number.isFinite(s.value) ? Math.round(s.value * 1e6) / 1e6 : 0}`);
      }
    }
    return `${out.join('\n')}\n`;
  }
}

/** Events per second over the last `seconds` (one bucket per second). */
export class RateWindow {
  readonly #buckets: Float64Array;
  #second = 0;

  constructor(
    private readonly seconds = 60,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.#buckets = new Float64Array(seconds);
    this.#second = Math.floor(now() / 1000);
  }

  #advance(): void {
    const s = Math.floor(this.now() / 1000);
    for (let t = this.#second + 1; t <= s && t <= this.#second + this.seconds; t++) this.#buckets[t % this.seconds] = 0;
    this.#second = Math.max(this.#second, s);
  }

  add(n = 1): void {
    this.#advance();
    this.#buckets[this.#second % this.seconds] += n;
  }

  perSecond(): number {
    this.#advance();
    let sum = 0;
    for (const b of this.#buckets) sum += b;
    return Math.round((sum / this.seconds) * 1000) / 1000;
  }
}
