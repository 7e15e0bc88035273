/**
 * Buffers the decisions of finished tasks and writes them back in bundles: label saves, then
 * priorities, then proceeds (per stage), flushed when a bundle is full or after `intervalMs`.
 * When the save (or priority) bundle fills first, only saves and priorities are written; their
 * proceeds wait for a full proceed bundle, so a batch of 300 saving tasks costs 3 save calls and
 * one action post (not three). Twin-project writes (deps.twinLabelRow's save / proceed) are
 * bundled the same way (to the twin platform's limits) and land first, per twin project. A task whose twin write, save or priority
 * failed is not moved. Proceeds are written one bundle at a time, in order, each after every
 * save and priority of its tasks has landed; save (and priority) bundles that fill up are written
 * side by side, up to MAX_EXTRAS_IN_FLIGHT at once (over a slow link, one save at a time was the
 * run's tail: a batch of 300 saving tasks is three saves). A bundle the platform rejects as a whole (a 4xx such as 413 or 400: one bad row
 * among 100) is split in halves and each half re-sent, down to the one entry at fault, so only
 * that task fails and the others are written in the same run.
 * Invariant: every added result ends in exactly one callback (moved, stayed, skipped or failed).
 */
import { serializeError, TaskAgentError, type SerializedError } from '../shared/errors.js';
import type { BundleLimits, Platform } from '../platform/platform.js';
import { isRejectedRequest } from '../platform/rejected-request.js';
import type { WritableResult } from './task-result.js';

/** Told how each result ended (the TaskResultSink's observer): it was written, or its write failed. */
export interface CommitListener {
  moved(r: WritableResult): void;
  stayed(r: WritableResult): void;
  skipped(r: WritableResult): void;
  failed(r: WritableResult, error: SerializedError): void;
  /** Twin writes landed for this result (counts). */
  twins?(r: WritableResult, counts: { saved: number; moved: number; skipped: number }): void;
}

/** Bundle sizes (the platform's, see Platform.bundleLimits) and the longest a decision waits. */
export interface CommitLimits extends BundleLimits {
  intervalMs: number;
}

/** Bundles of saves and priorities written at the same time, at most (proceeds are never concurrent). */
export const MAX_EXTRAS_IN_FLIGHT = 4;

/** A decision waits at most this long for its bundle to fill. */
export const COMMIT_INTERVAL_MS = 500;

/** The platform's bundle limits with the default flush interval. */
export function commitLimitsOf(platform: Platform): CommitLimits {
  return { ...platform.bundleLimits, intervalMs: COMMIT_INTERVAL_MS };
}

function chunks<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/** Twin project reference → the main thread's handle on it. */
export type TwinPlatforms = (twinProject: string) => Platform;

/** Writes before the proceed: the result's twin writes, label save and priority. */
function hasExtras({ outcome: o }: WritableResult): boolean {
  return (
    o.labelRow !== undefined ||
    o.priority !== undefined ||
    (o.twinWrites !== undefined && o.twinWrites.saves.length + o.twinWrites.proceeds.length > 0)
  );
}

/** Groups items by a key, keeping first-seen order. */
function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = out.get(k);
    if (list) list.push(it);
    else out.set(k, [it]);
  }
  return out;
}

/** A buffered result; `extrasWritten` once its twin writes, label save and priority are on the platform. */
interface Pending {
  entry: WritableResult;
  extrasWritten: boolean;
  failed: boolean;
}

/** Where the results that write go (from the TaskResultSink only): the CommitBuffer, or DryRunCommits. */
export interface Commits {
  add(r: WritableResult): void;
  /** Resolves when everything added so far is written (or recorded). */
  flush(): Promise<void>;
}

export class CommitBuffer implements Commits {
  #pending: Pending[] = [];
  #saves = 0;
  #priorities = 0;
  #proceeds = 0;
  #twinProceeds = 0;
  #chain: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  /** Full save/priority bundles being written (see #flushExtras), each settling when done. */
  readonly #extrasInFlight = new Set<Promise<void>>();
  /** Started extras writes wait here for a slot when MAX_EXTRAS_IN_FLIGHT are being written. */
  #extrasWaiting: Array<() => void> = [];
  #extrasRunning = 0;

  constructor(
    private readonly platform: Platform,
    private readonly listener: CommitListener,
    private readonly limits: CommitLimits = commitLimitsOf(platform),
    private readonly twinPlatforms?: TwinPlatforms,
  ) {}

  add(r: WritableResult): void {
    const extras = hasExtras(r);
    const o = r.outcome;
    if (!o.pathway && !extras) {
      this.listener.stayed(r);
      return;
    }
    this.#pending.push({ entry: r, extrasWritten: !extras, failed: false });
    if (o.labelRow !== undefined) this.#saves++;
    if (o.twinWrites) {
      this.#saves += o.twinWrites.saves.length;
      this.#twinProceeds += o.twinWrites.proceeds.length;
    }
    if (o.priority !== undefined) this.#priorities++;
    if (o.pathway) this.#proceeds++;
    if (this.#proceeds >= this.limits.proceeds) {
      void this.flush();
    } else if (
      this.#saves >= this.limits.saves ||
      this.#priorities >= this.limits.priorities ||
      this.#twinProceeds >= this.limits.proceeds
    ) {
      this.#flushExtras();
    } else if (!this.#timer) {
      this.#timer = setTimeout(() => void this.flush(), this.limits.intervalMs);
    }
  }

  /** Writes everything buffered so far; resolves when it (and earlier flushes) are done. */
  flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const batch = this.#pending;
    this.#pending = [];
    this.#saves = this.#priorities = this.#proceeds = this.#twinProceeds = 0;
    // The extras of these entries already being written: their proceeds wait for them.
    const landing = [...this.#extrasInFlight];
    if (batch.length > 0)
      this.#enqueue(async () => {
        await Promise.all(landing);
        await this.#write(batch);
      });
    return this.#chain;
  }

  /** Writes the buffered saves and priorities now; the entries stay buffered for their proceeds. */
  #flushExtras(): void {
    const batch = this.#pending.filter((p) => !p.extrasWritten);
    this.#saves = this.#priorities = this.#twinProceeds = 0;
    // Marked now, so a later flush never writes them twice; failures are flagged by the write.
    for (const p of batch) p.extrasWritten = true;
    // Not on the chain: other full bundles are written beside it; the flush of these entries waits for it.
    const write = this.#extrasSlot()
      .then(() => this.#writeExtras(batch))
      .finally(() => this.#releaseExtrasSlot());
    this.#extrasInFlight.add(write);
    // A rejection (a bug: writes catch platform errors) reaches the flush that waits for it, never unhandled.
    write.then(
      () => this.#extrasInFlight.delete(write),
      () => this.#extrasInFlight.delete(write),
    );
  }

  #extrasSlot(): Promise<void> {
    if (this.#extrasRunning < MAX_EXTRAS_IN_FLIGHT) {
      this.#extrasRunning++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#extrasWaiting.push(resolve));
  }

  /** Hands the slot to the next waiting write (FIFO), or frees it. */
  #releaseExtrasSlot(): void {
    const next = this.#extrasWaiting.shift();
    if (next) next();
    else this.#extrasRunning--;
  }

  /**
   * Adds a write to the chain. Writes catch platform errors themselves; should one still throw
   * (a bug), the rejection is kept for whoever awaits the next flush, never left unhandled (a
   * timer's or a full bundle's flush has no awaiter, and Node ends the process on those).
   */
  #enqueue(write: () => Promise<void>): void {
    this.#chain = this.#chain.then(write);
    this.#chain.catch(() => undefined);
  }

  #fail(entries: Pending[], e: unknown, what: string): void {
    const s = serializeError(
      e instanceof TaskAgentError
        ? e
        : new TaskAgentError('TA_COMMIT_FAILED', `${what} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e }),
      'TA_COMMIT_FAILED',
    );
    // A full or failing local disk keeps its own code: its hint says what to do.
    const code = s.code === 'TA_PLATFORM_STORAGE_FULL' || s.code === 'TA_PLATFORM_STORAGE_FAILED' ? s.code : 'TA_COMMIT_FAILED';
    for (const x of entries) {
      if (x.failed) continue;
      x.failed = true;
      this.listener.failed(x.entry, { ...s, code });
    }
  }

  /**
   * Writes `items` as one bundle; a bundle rejected as a whole is split in halves, recursively,
   * so `fail` gets only the entry at fault (or a bundle that failed for another reason). Finding
   * one bad entry costs about 2·log2(n) re-sends; the re-sends are capped at four times that, so a
   * rejection that is about every entry (a stage that is gone) fails the rest instead of costing a
   * request per entry.
   */
  async #splitting<T>(
    items: T[],
    write: (part: T[]) => Promise<void>,
    fail: (part: T[], e: unknown) => void,
    resends = { left: 8 * Math.ceil(Math.log2(items.length + 1)) },
  ): Promise<void> {
    try {
      await write(items);
    } catch (e) {
      if (items.length < 2 || !isRejectedRequest(e) || resends.left < 2) return fail(items, e);
      resends.left -= 2;
      const half = Math.ceil(items.length / 2);
      await this.#splitting(items.slice(0, half), write, fail, resends);
      await this.#splitting(items.slice(half), write, fail, resends);
    }
  }

  async #writeExtras(batch: Pending[]): Promise<void> {
    await this.#writeTwins(batch);
    for (const part of chunks(
      batch.filter((p) => p.entry.outcome.labelRow !== undefined && !p.failed),
      this.limits.saves,
    )) {
      await this.#splitting(
        part,
        (xs) =>
          this.platform.saveLabelRows(
            xs.map(({ entry: { outcome: o } }) => ({
              dataHash: o.labelRow!.data_hash,
              labelHash: o.labelRow!.label_hash,
              labelRow: o.labelRow!,
            })),
          ),
        (xs, e) => this.#fail(xs, e, 'saving label rows'),
      );
    }
    for (const part of chunks(
      batch.filter((p) => p.entry.outcome.priority !== undefined && !p.failed),
      this.limits.priorities,
    )) {
      await this.#splitting(
        part,
        (xs) => this.platform.setPriorities(xs.map(({ entry: e }) => [e.task.dataHash, e.outcome.priority!])),
        (xs, e) => this.#fail(xs, e, 'setting priorities'),
      );
    }
  }

  /** Twin saves, then twin proceeds, per twin project, bundled to the same limits as the run's own. */
  async #writeTwins(batch: Pending[]): Promise<void> {
    const withTwins = batch.filter((p) => p.entry.outcome.twinWrites);
    if (withTwins.length === 0) return;
    const counts = new Map<Pending, { saved: number; moved: number; skipped: number }>(
      withTwins.map((p) => [p, { saved: 0, moved: 0, skipped: 0 }]),
    );
    const saves = withTwins.flatMap((owner) => owner.entry.outcome.twinWrites!.saves.map((save) => ({ owner, save })));
    for (const [ref, list] of groupBy(saves, (x) => x.save.twinProject)) {
      for (const part of chunks(list, Math.min(this.limits.saves, this.#twin(ref).bundleLimits.saves))) {
        await this.#splitting(
          part,
          async (xs) => {
            await this.#twin(ref).saveLabelRows(
              xs.map(({ save }) => ({ dataHash: save.dataHash, labelHash: save.labelHash, labelRow: save.labelRow })),
            );
            for (const { owner } of xs) counts.get(owner)!.saved++;
          },
          (xs, e) =>
            this.#fail(
              xs.map((x) => x.owner),
              e,
              `saving twin label rows in ${ref}`,
            ),
        );
      }
    }
    const proceeds = withTwins
      .flatMap((owner) => owner.entry.outcome.twinWrites!.proceeds.map((proceed) => ({ owner, ...proceed })))
      .filter((x) => !x.owner.failed);
    for (const [ref, ofProject] of groupBy(proceeds, (x) => x.twinProject)) {
      for (const [stageUuid, moves] of groupBy(ofProject, (x) => x.stageUuid)) {
        await this.#proceedInBundles(
          this.#twin(ref),
          stageUuid,
          moves,
          (x, skipped) => counts.get(x.owner)![skipped ? 'skipped' : 'moved']++,
          `moving twin tasks in ${ref}`,
        );
      }
    }
    for (const [owner, c] of counts) if (c.saved + c.moved + c.skipped > 0) this.listener.twins?.(owner.entry, c);
  }

  #twin(ref: string): Platform {
    if (!this.twinPlatforms) throw new TaskAgentError('TA_INTERNAL', 'twin writes without twin platforms');
    return this.twinPlatforms(ref);
  }

  async #write(batch: Pending[]): Promise<void> {
    await this.#writeExtras(batch.filter((p) => !p.extrasWritten));
    const moves: Array<{ owner: Pending; taskUuid: string; pathwayUuid: string; dataHash: string }> = [];
    for (const p of batch) {
      if (p.failed) continue;
      const { task, outcome } = p.entry;
      if (outcome.pathway) moves.push({ owner: p, taskUuid: task.uuid, pathwayUuid: outcome.pathway.uuid, dataHash: task.dataHash });
      else this.listener.stayed(p.entry);
    }
    for (const [stageUuid, ofStage] of groupBy(moves, (x) => x.owner.entry.stage.uuid)) {
      await this.#proceedInBundles(
        this.platform,
        stageUuid,
        ofStage,
        (x, skipped) => (skipped ? this.listener.skipped(x.owner.entry) : this.listener.moved(x.owner.entry)),
        'proceeding tasks',
      );
    }
  }

  /** Proceeds out of one stage in bundles of `limits.proceeds` (at most the platform's); a failed bundle fails its owners. */
  async #proceedInBundles<T extends { owner: Pending; taskUuid: string; pathwayUuid: string; dataHash?: string }>(
    platform: Platform,
    stageUuid: string,
    moves: T[],
    done: (move: T, skipped: boolean) => void,
    what: string,
  ): Promise<void> {
    for (const part of chunks(moves, Math.min(this.limits.proceeds, platform.bundleLimits.proceeds))) {
      await this.#splitting(
        part,
        async (xs) => {
          const r = await platform.proceedTasks(
            stageUuid,
            xs.map((m) => ({
              taskUuid: m.taskUuid,
              pathwayUuid: m.pathwayUuid,
              ...(m.dataHash !== undefined && { dataHash: m.dataHash }),
            })),
          );
          const skipped = new Set(r.skipped);
          for (const m of xs) done(m, skipped.has(m.taskUuid));
        },
        (xs, e) =>
          this.#fail(
            xs.map((m) => m.owner),
            e,
            what,
          ),
      );
    }
  }
}
