/** One cli-progress bar per stage (done/total, tasks/s); silent when not on a TTY or with --quiet/--json. */
import cliProgress from 'cli-progress';

export interface Progress {
  stage(stageUuid: string, title: string): void;
  addTotal(stageUuid: string, n: number): void;
  tick(stageUuid: string): void;
  stop(): void;
}

export function createProgress(enabled: boolean): Progress {
  if (!enabled) return { stage() {}, addTotal() {}, tick() {}, stop() {} };
  const multi = new cliProgress.MultiBar({
    format: ' {stage} |{bar}| {value}/{total} tasks | {rate} tasks/s',
    hideCursor: true, clearOnComplete: false, stopOnComplete: false, fps: 5,
  }, cliProgress.Presets.shades_classic);
  const bars = new Map<string, { bar: cliProgress.SingleBar; total: number; done: number; start: number; title: string }>();
  const update = (b: { bar: cliProgress.SingleBar; done: number; start: number; title: string; total: number }) => {
    const secs = (performance.now() - b.start) / 1000;
    b.bar.setTotal(b.total);
    b.bar.update(b.done, { stage: b.title.padEnd(16).slice(0, 16), rate: secs > 0 ? Math.round(b.done / secs) : 0 });
  };
  return {
    stage(uuid, title) {
      if (bars.has(uuid)) return;
      const bar = multi.create(0, 0, { stage: title.padEnd(16).slice(0, 16), rate: 0 });
      bars.set(uuid, { bar, total: 0, done: 0, start: performance.now(), title });
    },
    addTotal(uuid, n) {
      const b = bars.get(uuid);
      if (b) { b.total += n; update(b); }
    },
    tick(uuid) {
      const b = bars.get(uuid);
      if (b) { b.done++; if (b.done % 64 === 0 || b.done === b.total) update(b); }
    },
    stop() {
      for (const b of bars.values()) update(b);
      multi.stop();
    },
  };
}

/**
 * A view of `base` for one project of several: stages keyed by project too (twin projects share
 * stage UUIDs), bars titled with the project.
 */
export function projectProgress(base: Progress, key: string, title: string): Progress {
  return {
    stage: (uuid, stageTitle) => base.stage(`${key}:${uuid}`, `${title}/${stageTitle}`),
    addTotal: (uuid, n) => base.addTotal(`${key}:${uuid}`, n),
    tick: (uuid) => base.tick(`${key}:${uuid}`),
    stop: () => undefined,
  };
}
