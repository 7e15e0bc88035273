/**
 * Loads the queue-mode modules (main thread), which import BullMQ and ioredis: optional peer
 * dependencies, installed only by users of queue mode. Missing, they fail with a coded error
 * naming the install command instead of ERR_MODULE_NOT_FOUND.
 */
import { TaskAgentError } from '../../shared/errors.js';

export const QUEUE_INSTALL = 'npm install bullmq@^6.7.0 ioredis@^6.0.0';

export async function loadQueueModule<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const missing = /['"](bullmq|ioredis)['"]/.exec(e instanceof Error ? e.message : '')?.[1];
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && missing) {
      throw new TaskAgentError('TA_CFG_QUEUE_DEPS_MISSING', `queue mode needs bullmq and ioredis, and ${missing} is not installed`, {
        hint: `run \`${QUEUE_INSTALL}\` in your project`,
        cause: e,
      });
    }
    throw e;
  }
}
