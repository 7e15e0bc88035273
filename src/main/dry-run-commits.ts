/**
 * `--dry-run`: stands in for the CommitBuffer and writes nothing. Each finished task's decision is
 * recorded for the summary and confirmed as the commit would have confirmed it (moved along its
 * pathway, or stayed), so the summary reads like the real run's.
 */
import type { TaskDecision } from '../agent/run-types.js';
import type { CommitListener, Commits } from './commit-buffer.js';
import type { WritableResult } from './task-result.js';

export class DryRunCommits implements Commits {
  readonly decisions: TaskDecision[] = [];

  constructor(private readonly listener: CommitListener) {}

  add(r: WritableResult): void {
    const o = r.outcome;
    this.decisions.push({
      taskUuid: r.task.uuid,
      dataHash: r.task.dataHash,
      stage: r.stage.title,
      pathway: o.pathway?.title ?? null,
      ...(o.priority !== undefined && { priority: o.priority }),
      ...(o.labelRow && { labelRow: o.labelRow }),
      ...(o.twinWrites && { twinWrites: o.twinWrites }),
    });
    if (o.pathway) this.listener.moved(r);
    else this.listener.stayed(r);
  }

  async flush(): Promise<void> {}
}
