/**
 * Errors thrown by callbacks an agent left running (a timer, an unawaited promise) after its
 * attempt (worker threads). Such an error surfaces wherever the worker happens to be, usually in
 * another task: an idle piscina worker blocks in Atomics.wait, so the timer fires during the next
 * message. Blaming the task that is running then is wrong.
 *
 * A task re-run alone after its chunk was lost (an isolated message) runs tagged: everything its
 * attempt starts inherits the tag (AsyncLocalStorage), so the error can be put on its task: while
 * the attempt runs, that attempt fails with it; after the agent returned, the decision stands and
 * the error becomes a TA_AGENT_LATE_ERROR warning on that task. An untagged error during an
 * isolated message comes from an earlier message: a warning on no task. Outside isolated messages
 * nothing is tagged (AsyncLocalStorage slows every promise of the thread), so an untagged error
 * there kills the worker as it would without this handler; the lost chunk is then re-run one task
 * per message, tagged, which finds the culprit.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { serializeError, type SerializedError } from '../shared/errors.js';
import { capError } from '../shared/cap-text.js';
import type { TaskWarning } from '../shared/protocol.js';
import type { TaskRecord } from '../shared/types.js';

export interface TaskTag {
  task: TaskRecord;
  stageUuid: string;
  /** Set while an attempt runs: fails that attempt. */
  fail: ((e: unknown) => void) | null;
}

const tags = new AsyncLocalStorage<TaskTag>();
const pending: TaskWarning[] = [];
/** Warnings kept between two replies (a timer that throws every millisecond must not grow this). */
const PENDING_CAP = 100;
let isolatedRunning = 0;
let installed = false;

function lateWarning(e: unknown, what: string): SerializedError {
  const s = serializeError(e, 'TA_AGENT_LATE_ERROR');
  return capError({ ...s, code: 'TA_AGENT_LATE_ERROR', message: `${what}: ${s.message}` });
}

function onUncaught(e: unknown): void {
  const tag = tags.getStore();
  if (tag?.fail) {
    tag.fail(e);
  } else if (pending.length >= PENDING_CAP) {
    // Enough said until the next reply.
  } else if (tag) {
    pending.push({
      taskUuid: tag.task.uuid,
      dataTitle: tag.task.dataTitle,
      stageUuid: tag.stageUuid,
      warning: lateWarning(e, 'a callback the agent left running threw after the agent returned'),
    });
  } else if (isolatedRunning > 0) {
    pending.push({
      taskUuid: '',
      dataTitle: '',
      stageUuid: '',
      warning: lateWarning(e, 'a callback left running by an earlier task on this worker threw'),
    });
  } else {
    // Whose it is cannot be told: die as without this handler (the chunk is then re-run tagged).
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
    setImmediate(() => {
      throw e;
    });
  }
}

/** Installs the worker's handlers for uncaught errors and unhandled rejections (once). */
export function installLateErrorHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
}

/** Runs one isolated task with its tag; `body` receives the tag, whose `fail` its attempts set. */
export async function runTagged<T>(task: TaskRecord, stageUuid: string, body: (tag: TaskTag) => Promise<T>): Promise<T> {
  const tag: TaskTag = { task, stageUuid, fail: null };
  isolatedRunning++;
  try {
    return await tags.run(tag, () => body(tag));
  } finally {
    tag.fail = null;
    isolatedRunning--;
  }
}

/** Late warnings collected since the last call (sent with the next chunk reply). */
export function takeLateWarnings(): TaskWarning[] | undefined {
  return pending.length > 0 ? pending.splice(0) : undefined;
}
