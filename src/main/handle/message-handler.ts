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
import { doneResult, failedResult, parseMessage, type TaskCompletionResult, type TaskSpec } from './task-messages.js';

/** Data hashes per lookup: Encord takes them in the query string. */
const LOOKUP_CHUNK = 100;

export interface HandleOptions {
  /** Only this registered stage (title or UUID); default: whichever registered stage holds the task. */
  stage?: string;
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
    const results: Array<TaskCompletionResult | undefined> = entries.map((e) => (e.ok ? undefined : failedResult(e.taskUuid, null, e.error)));
    const session = this.session;
    const only = options.stage === undefined ? undefined : this.#registered(options.stage);
    if (options.stage !== undefined && !only) {
      const error = serializeError(new TaskAgentError('TA_STAGE_UNKNOWN', `no agent is registered for stage "${options.stage}"`, { hint: `registered stages: ${this.#listing()}` }));
      return { list, results: entries.map((e, i) => results[i] ?? failedResult(e.ok ? e.spec.taskUuid : e.taskUuid, null, error)) };
    }
    // Task uuid → the entries naming it (a message may repeat a task: each gets the result).
    const pending = new Map<string, { spec: TaskSpec; indexes: number[] }>();
    entries.forEach((e, i) => {
      if (!e.ok) return;
      const error = this.#refuse(e.spec, only);
      if (error) return void (results[i] = failedResult(e.spec.taskUuid, e.spec.stageUuid ?? null, serializeError(error)));
      const p = pending.get(e.spec.taskUuid);
      if (p) p.indexes.push(i);
      else pending.set(e.spec.taskUuid, { spec: e.spec, indexes: [i] });
    });
    const settle = (taskUuid: string, result: TaskCompletionResult) => {
      const p = pending.get(taskUuid);
      if (!p) return;
      pending.delete(taskUuid);
      for (const i of p.indexes) results[i] = result;
    };
    const report = session.freshReport();
    report.onTask = (e) => {
      if (e.outcome === 'failed') settle(e.taskUuid, failedResult(e.taskUuid, e.stageUuid, e.error));
      else settle(e.taskUuid, doneResult(e.taskUuid, e.stageUuid, e.outcome === 'moved' ? e.pathway.uuid : null, e.outcome === 'skipped'));
    };
    for (const stage of session.selected) {
      const here = [...pending.values()].filter(({ spec }) => (only ?? (spec.stageUuid ? this.#registered(spec.stageUuid) : stage)) === stage);
      for (let i = 0; i < here.length; i += LOOKUP_CHUNK) {
        const part = here.slice(i, i + LOOKUP_CHUNK).filter(({ spec }) => pending.has(spec.taskUuid));
        if (part.length === 0) continue;
        const uuids = new Set(part.map(({ spec }) => spec.taskUuid));
        try {
          await session.drain(stage, { dataHashes: [...new Set(part.map(({ spec }) => spec.dataHash))], accept: (t) => uuids.has(t.uuid) });
        } catch (e) {
          // The platform failed (after retries): these tasks fail with its error, so the queue redelivers them.
          for (const u of uuids) settle(u, failedResult(u, stage.stage.uuid, serializeError(e, 'TA_PLATFORM_REQUEST_FAILED')));
        }
      }
    }
    // Listed nowhere: someone else already routed them.
    for (const [uuid, { spec }] of [...pending]) settle(uuid, doneResult(uuid, only?.stage.uuid ?? spec.stageUuid ?? null, null, true));
    report.onTask = undefined;
    return { list, results: results as TaskCompletionResult[] };
  }

  #registered(ref: string): ResolvedStage | undefined {
    return registeredStage(this.session.selected, this.session.project, ref);
  }

  #listing(): string {
    return this.session.selected.map((s) => `"${s.stage.title}" (${s.stage.uuid})`).join(', ');
  }

  /** Why a spec cannot be handled here, if it cannot. */
  #refuse(spec: TaskSpec, only: ResolvedStage | undefined): TaskAgentError | undefined {
    const project = this.session.project;
    if (spec.projectHash && spec.projectHash.toLowerCase() !== project.projectHash.toLowerCase()) {
      return new TaskAgentError('TA_QUEUE_MESSAGE_INVALID', `task ${spec.taskUuid} is of project ${spec.projectHash}; this runner handles ${project.projectHash}`, { hint: 'handle it with a runner on that project (handle(message, { project }))' });
    }
    const listing = this.#listing();
    if (only === undefined && spec.stageUuid === undefined) return undefined;
    const wanted = only ?? this.#registered(spec.stageUuid!);
    if (!wanted) return new TaskAgentError('TA_STAGE_UNKNOWN', `no agent is registered for stage ${spec.stageUuid}`, { hint: `registered stages: ${listing}` });
    if (only && spec.stageUuid && this.#registered(spec.stageUuid) !== only) {
      return new TaskAgentError('TA_STAGE_UNKNOWN', `task ${spec.taskUuid} names stage ${spec.stageUuid}, not "${only.stage.title}"`, { hint: `registered stages: ${listing}` });
    }
    return undefined;
  }

  async close(): Promise<void> {
    await this.#chain;
    await this.session.finish();
    await this.session.close();
  }
}
