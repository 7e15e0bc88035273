/**
 * `--dry-run`: stands in for the CommitBuffer and writes nothing. Each finished task's decision is
 * recorded for the summary and reported as the commit would have reported it (moved along its
 * pathway, or stayed), so the summary reads like the real run's.
 */
import type { TaskDecision } from '../agent/run-types.js';
import type { CommitEntry, CommitListener, Commits } from './commit-buffer.js';

export class DryRunCommits implements Commits {
  readonly decisions: TaskDecision[] = [];

  constructor(
    private readonly listener: CommitListener,
    private readonly stageTitle: (stageUuid: string) => string,
  ) {}

  add(e: CommitEntry): void {
    this.decisions.push({
      taskUuid: e.taskUuid, dataHash: e.dataHash, stage: this.stageTitle(e.stageUuid), pathway: e.pathway?.title ?? null,
      ...(e.priority !== undefined && { priority: e.priority }), ...(e.labelRow && { labelRow: e.labelRow }), ...(e.twinWrites && { twinWrites: e.twinWrites }),
    });
    if (e.pathway) this.listener.moved(e);
    else this.listener.stayed(e);
  }

  async flush(): Promise<void> {}
}
