/**
 * Progress on a TTY (main thread): one line per stage, ticking per task (workers report finished
 * tasks every 100 ms, see worker/worker-events.ts), with tasks/s, frames/s for stages that decode
 * media, failures so far and an ETA; a stage that has not started reads "waiting", not a full
 * 0/0 bar; with --refresh-every a line gives the pass number and the next poll. Agent output
 * (`log`) is printed above the lines, never inside them. Silent (all no-ops) when disabled.
 */
import { createRequire } from 'node:module';
import type CliProgress from 'cli-progress';

export interface Progress {
  stage(stageUuid: string, title: string): void;
  addTotal(stageUuid: string, n: number): void;
  /** `n` tasks of the stage finished (`failed` of them failed), `frames` frames decoded for them. */
  tick(stageUuid: string, counts?: { n?: number; failed?: number; frames?: number }): void;
  /** A task that had finished failed later (its commit). */
  failure(stageUuid: string): void;
  /** A pass began; `nextPollAt` (epoch ms) when the one after it is due (--refresh-every). */
  pass(n: number, nextPollAt?: number): void;
  /** A line of agent output, printed above the progress lines. */
  log(text: string): void;
  stop(): void;
}

export interface StageProgress {
  title: string;
  total: number;
  done: number;
  failed: number;
  frames: number;
  /** When the first task of the stage was handed out (performance.now()), or undefined. */
  startedAt: number | undefined;
}

const BAR_WIDTH = 16;

function rate(n: number, secs: number): string {
  const r = n / secs;
  return r >= 100 ? String(Math.round(r)) : r >= 10 ? r.toFixed(1) : r.toFixed(2);
}

function duration(secs: number): string {
  if (secs < 60) return `${Math.ceil(secs)}s`;
  if (secs < 3600) return `${Math.floor(secs / 60)}m${String(Math.ceil(secs % 60)).padStart(2, '0')}s`;
  return `${Math.floor(secs / 3600)}h${String(Math.floor((secs % 3600) / 60)).padStart(2, '0')}m`;
}

/** One stage's progress line (pure: tested directly, and under a pseudo-terminal through the CLI). */
export function formatStageLine(s: StageProgress, now: number): string {
  const name = s.title.padEnd(16).slice(0, 16);
  if (s.startedAt === undefined || s.total === 0) return ` ${name} waiting`;
  const done = Math.min(s.done, s.total);
  const filled = Math.round((done / s.total) * BAR_WIDTH);
  const parts = [`${done}/${s.total} tasks`];
  const secs = (now - s.startedAt) / 1000;
  if (done > 0 && secs > 0) {
    parts.push(`${rate(done, secs)} tasks/s`);
    if (s.frames > 0) parts.push(`${rate(s.frames, secs)} frames/s`);
  }
  if (s.failed > 0) parts.push(`${s.failed} failed`);
  if (done < s.total && done > 0 && secs > 0) parts.push(`ETA ${duration(((s.total - done) * secs) / done)}`);
  else if (done === s.total) parts.push(`in ${duration(secs)}`);
  return ` ${name} |${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}| ${parts.join(' · ')}`;
}

/** The pass line of --refresh-every runs. */
export function formatPassLine(pass: number, nextPollAt: number | undefined, nowMs: number): string {
  if (nextPollAt === undefined) return ` pass ${pass}`;
  const at = new Date(nextPollAt).toTimeString().slice(0, 8);
  const wait = Math.max(0, (nextPollAt - nowMs) / 1000);
  return ` pass ${pass} · next poll at ${at}${wait > 0 ? ` (in ${duration(wait)})` : ''}`;
}

/** No display: agent output the workers captured (stdout carries JSON) goes to stderr as it comes. */
const NOOP: Progress = {
  stage() {},
  addTotal() {},
  tick() {},
  failure() {},
  pass() {},
  log: (text) => void process.stderr.write(text),
  stop() {},
};

export function createProgress(enabled: boolean, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!enabled) return NOOP;
  // Loaded when lines are drawn: ~20 ms of start-up that a --json, --quiet or piped run does not need.
  const cliProgress = createRequire(import.meta.url)('cli-progress') as typeof CliProgress;
  const multi = new cliProgress.MultiBar({
    format: (_o: unknown, _p: unknown, payload: { line: () => string }) => payload.line(),
    hideCursor: true,
    clearOnComplete: false,
    stopOnComplete: false,
    fps: 5,
    stream,
    forceRedraw: true,
  });
  const stages = new Map<string, { state: StageProgress; bar: CliProgress.SingleBar }>();
  let passBar: CliProgress.SingleBar | undefined;
  let passState = { pass: 0, nextPollAt: undefined as number | undefined };
  const at = (uuid: string) => stages.get(uuid);
  return {
    stage(uuid, title) {
      if (stages.has(uuid)) return;
      const state: StageProgress = { title, total: 0, done: 0, failed: 0, frames: 0, startedAt: undefined };
      const bar = multi.create(1, 0, { line: () => formatStageLine(state, performance.now()) });
      stages.set(uuid, { state, bar });
    },
    addTotal(uuid, n) {
      const s = at(uuid)?.state;
      if (!s) return;
      s.total += n;
      s.startedAt ??= performance.now();
    },
    tick(uuid, { n = 1, failed = 0, frames = 0 } = {}) {
      const s = at(uuid)?.state;
      if (!s) return;
      s.done += n;
      s.failed += failed;
      s.frames += frames;
    },
    failure(uuid) {
      const s = at(uuid)?.state;
      if (s) s.failed++;
    },
    pass(n, nextPollAt) {
      passState = { pass: n, nextPollAt };
      passBar ??= multi.create(1, 0, { line: () => formatPassLine(passState.pass, passState.nextPollAt, Date.now()) });
    },
    log(text) {
      multi.log(text.endsWith('\n') ? text : `${text}\n`);
    },
    stop() {
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
    tick: (uuid, counts) => base.tick(`${key}:${uuid}`, counts),
    failure: (uuid) => base.failure(`${key}:${uuid}`),
    pass: (n, nextPollAt) => base.pass(n, nextPollAt),
    log: (text) => base.log(text),
    stop: () => undefined,
  };
}
