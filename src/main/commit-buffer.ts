/**
 * Buffers the decisions of finished tasks and writes them back in bundles: label saves, then
 * priorities, then proceeds (per stage), flushed when a bundle is full or after `intervalMs`.
 * A task whose save or priority failed is not moved. Flushes run one at a time, in order.
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

export class CommitBuffer {
  #pending: CommitEntry[] = [];
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
    this.#pending.push(e);
    if (e.labelRow !== undefined) this.#saves++;
    if (e.priority !== undefined) this.#priorities++;
    if (e.pathway) this.#proceeds++;
    if (this.#saves >= this.limits.saves || this.#priorities >= this.limits.priorities || this.#proceeds >= this.limits.proceeds) {
      void this.flush();
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

  async #write(batch: CommitEntry[]): Promise<void> {
    const failed = new Set<CommitEntry>();
    const fail = (entries: CommitEntry[], e: unknown, what: string) => {
      const s = serializeError(e instanceof TaskAgentError ? e : new TaskAgentError('TA_COMMIT_FAILED', `${what} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e }), 'TA_COMMIT_FAILED');
      for (const x of entries) {
        if (failed.has(x)) continue;
        failed.add(x);
        this.listener.failed(x, { ...s, code: 'TA_COMMIT_FAILED' });
      }
    };
    for (const part of chunks(batch.filter((e) => e.labelRow !== undefined), this.limits.saves)) {
      try {
        await this.platform.saveLabelRows(part.map((e) => ({ dataHash: e.labelRow!.data_hash, labelHash: e.labelRow!.label_hash, labelRow: e.labelRow! })));
      } catch (e) {
        fail(part, e, 'saving label rows');
      }
    }
    for (const part of chunks(batch.filter((e) => e.priority !== undefined && !failed.has(e)), this.limits.priorities)) {
      try {
        await this.platform.setPriorities(part.map((e) => [e.dataHash, e.priority!]));
      } catch (e) {
        fail(part, e, 'setting priorities');
      }
    }
    const byStage = new Map<string, CommitEntry[]>();
    for (const e of batch) {
      if (failed.has(e)) continue;
      if (!e.pathway) {
        this.listener.stayed(e);
        continue;
      }
      const list = byStage.get(e.stageUuid) ?? [];
      list.push(e);
      byStage.set(e.stageUuid, list);
    }
    for (const [stageUuid, entries] of byStage) {
      for (const part of chunks(entries, this.limits.proceeds)) {
        try {
          const r = await this.platform.proceedTasks(stageUuid, part.map((e) => ({ taskUuid: e.taskUuid, pathwayUuid: e.pathway!.uuid })));
          const skipped = new Set(r.skipped);
          for (const e of part) (skipped.has(e.taskUuid) ? this.listener.skipped(e) : this.listener.moved(e));
        } catch (e) {
          fail(part, e, 'proceeding tasks');
        }
      }
    }
  }
}
