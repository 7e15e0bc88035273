/**
 * `runner.handle(message)` on the main thread: the JSON-in / JSON-out worker function for queues a
 * team already runs (SQS + Lambda, Cloud Tasks, Celery…), encord-agents' QueueRunner. One run
 * session stays open across messages (warm workers, one preflight and preExecution), and each
 * message is handled as a filtered drain: its tasks are listed by data hash in the registered
 * stages (one bulk lookup per stage), run with retries in the workers, and committed before the
 * results return. A task no longer in its stage is `success: true, skipped: true`, never a failure
 * (encord-agents #207); a task is handled at most once per message, even if an agent moves it into
 * another registered stage.
 */
import { TaskAgentError, serializeError } from '../../shared/errors.js';
import { RunSession, registeredStage, type ExecuteInput } from '../run-session.js';
import type { ResolvedStage } from '../stage-pass.js';
import type { ProjectRun } from '../project-run.js';
import { doneResult, failedResult, parseMessage, type TaskCompletionResult, type TaskSpec } from './task-messages.js';

/** Data hashes per lookup: Encord takes them in the query string. */
const LOOKUP_CHUNK = 100;

export interface HandleOptions {
  /** Only this registered stage (title or UUID); default: whichever registered stage holds the task. */
  stage?: string;
}

interface Pending {
  spec: TaskSpec;
  run: ProjectRun;
  /** The one stage to look in; undefined: every registered stage of the project. */
  stage: ResolvedStage | undefined;
  indexes: number[];
}

export class MessageHandler {
  #chain: Promise<unknown> = Promise.resolve();

  private constructor(private readonly session: RunSession) {}

  static async open(input: ExecuteInput): Promise<MessageHandler> {
    return new MessageHandler(await RunSession.open(input));
  }

  /** Results as JSON: one object for a single task, an array (in message order) for a list. */
  handle(message: unknown, options: HandleOptions = {}): Promise<string> {
    // One message at a time: a session's report and commits belong to one drain.
    const run = this.#chain.then(() => this.#handle(message, options));
    this.#chain = run.catch(() => undefined);
    return run.then(({ list, results }) => JSON.stringify(list ? results : results[0]));
  }

  async #handle(message: unknown, options: HandleOptions): Promise<{ list: boolean; results: TaskCompletionResult[] }> {
    const { list, entries } = parseMessage(message);
    const results: Array<TaskCompletionResult | undefined> = entries.map((e) =>
      e.ok ? undefined : failedResult(e.taskUuid, null, e.error),
    );
    const session = this.session;
    // Task uuid → where to look for it, and the entries naming it (a message may repeat a task: each gets the result).
    const pending = new Map<string, Pending>();
    entries.forEach((e, i) => {
      if (!e.ok) return;
      const target = this.#target(e.spec, options.stage);
      if (target instanceof TaskAgentError)
        return void (results[i] = failedResult(e.spec.taskUuid, e.spec.stageUuid ?? null, serializeError(target)));
      const p = pending.get(e.spec.taskUuid);
      if (p) p.indexes.push(i);
      else pending.set(e.spec.taskUuid, { spec: e.spec, ...target, indexes: [i] });
    });
    const settle = (taskUuid: string, result: TaskCompletionResult) => {
      const p = pending.get(taskUuid);
      if (!p) return;
      pending.delete(taskUuid);
      for (const i of p.indexes) results[i] = result;
    };
    session.freshReports();
    session.onTask = (e) => {
      if (e.outcome === 'failed') settle(e.taskUuid, failedResult(e.taskUuid, e.stageUuid, e.error));
      else settle(e.taskUuid, doneResult(e.taskUuid, e.stageUuid, e.outcome === 'moved' ? e.pathway.uuid : null, e.outcome === 'skipped'));
    };
    try {
      for (const run of session.projects) {
        for (const stage of run.selected) {
          const here = [...pending.values()].filter((p) => p.run === run && (p.stage ?? stage) === stage);
          for (let i = 0; i < here.length; i += LOOKUP_CHUNK) {
            // Still pending: a task handled in an earlier stage (and moved here by its agent) is not handled again.
            const part = here.slice(i, i + LOOKUP_CHUNK).filter((p) => pending.has(p.spec.taskUuid));
            if (part.length === 0) continue;
            const uuids = new Set(part.map((p) => p.spec.taskUuid));
            try {
              await session.drain(run, stage, {
                filter: { dataHashes: [...new Set(part.map((p) => p.spec.dataHash))], accept: (t) => uuids.has(t.uuid) },
              });
            } catch (e) {
              // The platform failed (after retries): these tasks fail with its error, so the queue redelivers them.
              for (const u of uuids) settle(u, failedResult(u, stage.stage.uuid, serializeError(e, 'TA_PLATFORM_REQUEST_FAILED')));
            }
          }
        }
      }
    } finally {
      session.onTask = undefined;
    }
    // Listed nowhere: someone else already routed them.
    for (const [uuid, p] of [...pending]) settle(uuid, doneResult(uuid, p.stage?.stage.uuid ?? p.spec.stageUuid ?? null, null, true));
    return { list, results: results as TaskCompletionResult[] };
  }

  /** Which project, and which stage of it (undefined: any registered one), a spec is looked for in; or why it cannot be. */
  #target(spec: TaskSpec, stageOption: string | undefined): { run: ProjectRun; stage: ResolvedStage | undefined } | TaskAgentError {
    const session = this.session;
    let run: ProjectRun | undefined;
    if (spec.projectHash) {
      run = session.projectByHash(spec.projectHash);
      if (!run)
        return new TaskAgentError(
          'TA_QUEUE_MESSAGE_INVALID',
          `task ${spec.taskUuid} is of project ${spec.projectHash}, which this runner does not handle`,
          { hint: `its projects: ${session.projects.map((p) => p.project.projectHash).join(', ')} (handle(message, { project }))` },
        );
    } else if (session.projects.length === 1) {
      run = session.single;
    } else {
      return new TaskAgentError(
        'TA_QUEUE_MESSAGE_INVALID',
        `task ${spec.taskUuid} names no project_hash, and this runner handles several projects`,
        { hint: 'put project_hash in each task spec' },
      );
    }
    const listing = run.selected.map((s) => `"${s.stage.title}" (${s.stage.uuid})`).join(', ');
    const only = stageOption === undefined ? undefined : registeredStage(run.selected, run.project, stageOption);
    if (stageOption !== undefined && !only)
      return new TaskAgentError('TA_STAGE_UNKNOWN', `no agent is registered for stage "${stageOption}" in project "${run.project.title}"`, {
        hint: `registered stages: ${listing}`,
      });
    if (spec.stageUuid === undefined) return { run, stage: only };
    const named = registeredStage(run.selected, run.project, spec.stageUuid);
    if (!named)
      return new TaskAgentError(
        'TA_STAGE_UNKNOWN',
        `no agent is registered for stage ${spec.stageUuid} in project "${run.project.title}"`,
        { hint: `registered stages: ${listing}` },
      );
    if (only && named !== only)
      return new TaskAgentError('TA_STAGE_UNKNOWN', `task ${spec.taskUuid} names stage ${spec.stageUuid}, not "${only.stage.title}"`, {
        hint: `registered stages: ${listing}`,
      });
    return { run, stage: named };
  }

  async close(): Promise<void> {
    await this.#chain;
    await this.session.finish();
    await this.session.close();
  }
}
