/**
 * Buffers the decisions of finished tasks and writes them back in bundles: label saves, then
 * priorities, then proceeds (per stage), flushed when a bundle is full or after `intervalMs`.
 * When the save (or priority) bundle fills first, only saves and priorities are written; their
 * proceeds wait for a full proceed bundle, so a batch of 300 saving tasks costs 3 save calls and
 * one action post (not three). A task whose save or priority failed is not moved. Writes run one
 * at a time, in order, so a task's save always lands before its proceed.
 * Invariant: every added entry ends in exactly one callback (moved, stayed, skipped or failed).
 */
import { serializeError, TaskAgentError, type SerializedError } from '../shared/errors.js';
import type { LabelRowJson } from '../shared/types.js';
import type { Platform } from '../platform/platform.js';

export interface CommitEntry {
  taskUuid: string;
  dataHash: string;
  stageUuid: string;
  pathway: { uuid: string; title: string } | null;
  labelRow?: LabelRowJson;
  priority?: number;
}

export interface CommitListener {
  moved(e: CommitEntry): void;
  stayed(e: CommitEntry): void;
  skipped(e: CommitEntry): void;
  failed(e: CommitEntry, error: SerializedError): void;
}

export interface CommitLimits {
  saves: number;
  priorities: number;
  proceeds: number;
  intervalMs: number;
}

export const DEFAULT_COMMIT_LIMITS: CommitLimits = { saves: 100, priorities: 100, proceeds: 1000, intervalMs: 500 };

function chunks<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/** A buffered entry; `extrasWritten` once its label save and priority are on the platform. */
interface Pending {
  entry: CommitEntry;
  extrasWritten: boolean;
  failed: boolean;
}

export class CommitBuffer {
  #pending: Pending[] = [];
  #saves = 0;
  #priorities = 0;
  #proceeds = 0;
  #chain: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly platform: Platform,
    private readonly listener: CommitListener,
    private readonly limits: CommitLimits = DEFAULT_COMMIT_LIMITS,
  ) {}

  add(e: CommitEntry): void {
    if (!e.pathway && e.labelRow === undefined && e.priority === undefined) {
      this.listener.stayed(e);
      return;
    }
    this.#pending.push({ entry: e, extrasWritten: e.labelRow === undefined && e.priority === undefined, failed: false });
    if (e.labelRow !== undefined) this.#saves++;
    if (e.priority !== undefined) this.#priorities++;
    if (e.pathway) this.#proceeds++;
    if (this.#proceeds >= this.limits.proceeds) {
      void this.flush();
    } else if (this.#saves >= this.limits.saves || this.#priorities >= this.limits.priorities) {
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
    this.#saves = this.#priorities = this.#proceeds = 0;
    if (batch.length > 0) this.#chain = this.#chain.then(() => this.#write(batch));
    return this.#chain;
  }

  /** Writes the buffered saves and priorities now; the entries stay buffered for their proceeds. */
  #flushExtras(): void {
    const batch = this.#pending.filter((p) => !p.extrasWritten);
    this.#saves = this.#priorities = 0;
    // Marked now, so a later flush never writes them twice; failures are flagged by the write.
    for (const p of batch) p.extrasWritten = true;
    this.#chain = this.#chain.then(() => this.#writeExtras(batch));
  }

  #fail(entries: Pending[], e: unknown, what: string): void {
    const s = serializeError(e instanceof TaskAgentError ? e : new TaskAgentError('TA_COMMIT_FAILED', `${what} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e }), 'TA_COMMIT_FAILED');
    for (const x of entries) {
      if (x.failed) continue;
      x.failed = true;
      this.listener.failed(x.entry, { ...s, code: 'TA_COMMIT_FAILED' });
    }
  }

  async #writeExtras(batch: Pending[]): Promise<void> {
    for (const part of chunks(batch.filter((p) => p.entry.labelRow !== undefined), this.limits.saves)) {
      try {
        await this.platform.saveLabelRows(part.map(({ entry: e }) => ({ dataHash: e.labelRow!.data_hash, labelHash: e.labelRow!.label_hash, labelRow: e.labelRow! })));
      } catch (e) {
        this.#fail(part, e, 'saving label rows');
      }
    }
    for (const part of chunks(batch.filter((p) => p.entry.priority !== undefined && !p.failed), this.limits.priorities)) {
      try {
        await this.platform.setPriorities(part.map(({ entry: e }) => [e.dataHash, e.priority!]));
      } catch (e) {
        this.#fail(part, e, 'setting priorities');
      }
    }
  }

  async #write(batch: Pending[]): Promise<void> {
    await this.#writeExtras(batch.filter((p) => !p.extrasWritten));
    const byStage = new Map<string, Pending[]>();
    for (const p of batch) {
      if (p.failed) continue;
      if (!p.entry.pathway) {
        this.listener.stayed(p.entry);
        continue;
      }
      const list = byStage.get(p.entry.stageUuid) ?? [];
      list.push(p);
      byStage.set(p.entry.stageUuid, list);
    }
    for (const [stageUuid, entries] of byStage) {
      for (const part of chunks(entries, this.limits.proceeds)) {
        try {
          const r = await this.platform.proceedTasks(stageUuid, part.map(({ entry: e }) => ({ taskUuid: e.taskUuid, pathwayUuid: e.pathway!.uuid })));
          const skipped = new Set(r.skipped);
          for (const { entry: e } of part) (skipped.has(e.taskUuid) ? this.listener.skipped(e) : this.listener.moved(e));
        } catch (e) {
          this.#fail(part, e, 'proceeding tasks');
        }
      }
    }
  }
}
