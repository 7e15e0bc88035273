/**
 * The dead-letter memory: which tasks failed, how many runs in a row, and with what (main thread).
 * A local project keeps it in its project.db (table `task_failures`); an Encord project in a local
 * state file, `STATE_DIR/<projectHash>.db` (SQLite), created with the first failure. A task that
 * finishes without failing is forgotten; one that fails counts one more run in a row.
 * `--skip-failed-after N` leaves alone the tasks that failed N runs in a row, until `--retry-failed`
 * tries them again. The remembered tasks are held in memory too (they are few), so a task that
 * succeeds costs a set lookup, not a write; outcomes are written once per drain, in one transaction.
 * A dry run reads the memory (to leave the same tasks alone) and writes nothing.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { TaskAgentError } from '../shared/errors.js';
import { asStorageError } from '../platform/local/storage-errors.js';
import type { PlatformDescriptor } from '../platform/platform.js';
import type { TaskResult } from '../agent/run-types.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS task_failures (
  task_uuid TEXT PRIMARY KEY,
  stage_uuid TEXT NOT NULL,
  data_hash TEXT NOT NULL,
  data_title TEXT NOT NULL,
  runs_in_a_row INTEGER NOT NULL,
  total_runs INTEGER NOT NULL,
  last_code TEXT NOT NULL,
  last_message TEXT NOT NULL,
  first_failed_at TEXT NOT NULL,
  last_failed_at TEXT NOT NULL
);
`;

/** Where Encord projects' failures are kept: --state-dir, else $XDG_STATE_HOME/task-agents, else ~/.local/state/task-agents. */
export function defaultStateDir(): string {
  const xdg = process.env['XDG_STATE_HOME'];
  return join(xdg && xdg.length > 0 ? xdg : join(homedir(), '.local', 'state'), 'task-agents');
}

/** The file a project's failures are remembered in. */
export function failureMemoryPath(descriptor: PlatformDescriptor, stateDir: string | undefined): string {
  return descriptor.kind === 'local'
    ? join(descriptor.dir, 'project.db')
    : join(stateDir ?? defaultStateDir(), `${descriptor.projectHash}.db`);
}

export interface RememberedFailure {
  taskUuid: string;
  stageUuid: string;
  dataHash: string;
  dataTitle: string;
  runsInARow: number;
  totalRuns: number;
  lastCode: string;
  lastMessage: string;
  firstFailedAt: string;
  lastFailedAt: string;
}

export class FailureMemory {
  #db: Database.Database | undefined;
  /** Remembered task → its stage and runs in a row. */
  readonly #known = new Map<string, { stageUuid: string; runs: number }>();
  /** Outcomes to write: failures, and successes of remembered tasks (the last one per task wins). */
  #pending = new Map<string, TaskResult>();

  private constructor(
    readonly path: string,
    private readonly readOnly: boolean,
  ) {
    if (existsSync(path)) this.#open();
  }

  /** The memory of a project (see failureMemoryPath); nothing is created before a failure. `readOnly`: a dry run. */
  static open(
    descriptor: PlatformDescriptor,
    stateDir: string | undefined,
    { readOnly = false }: { readOnly?: boolean } = {},
  ): FailureMemory {
    return new FailureMemory(failureMemoryPath(descriptor, stateDir), readOnly);
  }

  #open(): Database.Database | undefined {
    if (this.#db) return this.#db;
    try {
      if (this.readOnly) {
        const db = new Database(this.path, { readonly: true, fileMustExist: true });
        const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'task_failures'").get();
        if (!has) {
          db.close();
          return undefined;
        }
        this.#db = db;
      } else {
        mkdirSync(join(this.path, '..'), { recursive: true });
        const db = new Database(this.path);
        db.pragma('journal_mode = WAL');
        db.pragma('busy_timeout = 5000');
        db.exec(SCHEMA);
        this.#db = db;
      }
    } catch (cause) {
      throw new TaskAgentError('TA_CFG_INVALID', `cannot open the failure memory at ${this.path}`, {
        cause,
        hint: 'check --state-dir is a writable directory',
      });
    }
    for (const r of this.#db.prepare('SELECT task_uuid AS t, stage_uuid AS s, runs_in_a_row AS n FROM task_failures').all() as Array<{
      t: string;
      s: string;
      n: number;
    }>) {
      this.#known.set(r.t, { stageUuid: r.s, runs: r.n });
    }
    return this.#db;
  }

  record(e: TaskResult): void {
    if (this.readOnly) return;
    if (e.outcome === 'failed' || this.#known.has(e.taskUuid)) this.#pending.set(e.taskUuid, e);
  }

  /** Writes the buffered outcomes: a failure counts one more run in a row, anything else forgets the task. */
  flush(): void {
    if (this.#pending.size === 0) return;
    const batch = this.#pending;
    this.#pending = new Map();
    const db = this.#open()!;
    const now = new Date().toISOString();
    const failed =
      db.prepare(`INSERT INTO task_failures (task_uuid, stage_uuid, data_hash, data_title, runs_in_a_row, total_runs, last_code, last_message, first_failed_at, last_failed_at)
      VALUES (@taskUuid, @stageUuid, @dataHash, @dataTitle, 1, 1, @code, @message, @now, @now)
      ON CONFLICT(task_uuid) DO UPDATE SET stage_uuid = excluded.stage_uuid, runs_in_a_row = runs_in_a_row + 1, total_runs = total_runs + 1,
        last_code = excluded.last_code, last_message = excluded.last_message, last_failed_at = excluded.last_failed_at`);
    const forget = db.prepare('DELETE FROM task_failures WHERE task_uuid = ?');
    db.transaction(() => {
      for (const e of batch.values()) {
        if (e.outcome === 'failed') {
          failed.run({
            taskUuid: e.taskUuid,
            stageUuid: e.stageUuid,
            dataHash: e.dataHash,
            dataTitle: e.dataTitle,
            code: e.error.code,
            message: e.error.message.slice(0, 2000),
            now,
          });
          this.#known.set(e.taskUuid, { stageUuid: e.stageUuid, runs: (this.#known.get(e.taskUuid)?.runs ?? 0) + 1 });
        } else {
          forget.run(e.taskUuid);
          this.#known.delete(e.taskUuid);
        }
      }
    }).immediate();
  }

  /** Tasks of the stage that failed at least `runs` runs in a row. */
  leftAlone(stageUuid: string, runs: number): Set<string> {
    const out = new Set<string>();
    for (const [uuid, k] of this.#known) if (k.stageUuid === stageUuid && k.runs >= runs) out.add(uuid);
    return out;
  }

  /** Every remembered failure, most runs in a row first. */
  list(): RememberedFailure[] {
    if (!this.#db) return [];
    return this.#db
      .prepare(
        `SELECT task_uuid AS taskUuid, stage_uuid AS stageUuid, data_hash AS dataHash, data_title AS dataTitle, runs_in_a_row AS runsInARow,
      total_runs AS totalRuns, last_code AS lastCode, last_message AS lastMessage, first_failed_at AS firstFailedAt, last_failed_at AS lastFailedAt
      FROM task_failures ORDER BY runs_in_a_row DESC, last_failed_at DESC`,
      )
      .all() as RememberedFailure[];
  }

  /**
   * Writes what is buffered and closes. The memory is a convenience: when it cannot be written (a
   * full disk, a read-only state folder) the error is returned for a warning, never thrown.
   */
  close(): TaskAgentError | undefined {
    try {
      return this.tryFlush();
    } finally {
      if (this.#db?.open) this.#db.close();
    }
  }

  /** flush(), with a failure to write returned as a coded error (TA_FAILURE_MEMORY_UNWRITABLE) instead of thrown. */
  tryFlush(): TaskAgentError | undefined {
    try {
      this.flush();
      return undefined;
    } catch (e) {
      const cause = asStorageError(e, 'writing the failure memory');
      const why = cause instanceof Error ? cause.message : String(cause);
      return new TaskAgentError('TA_FAILURE_MEMORY_UNWRITABLE', `the failures of this run could not be remembered: ${why}`, { cause });
    }
  }
}
