/** deps.storageItem(): the storage item behind the task's data unit, fetched by the main thread for the batch. */
import { TaskAgentError } from '../../shared/errors.js';
import { storageItem } from '../../deps/builtins.js';
import type { Provider } from './provider.js';

export const storageItemProvider: Provider = {
  declaration: storageItem,
  prefetch: ['labelRowMetadata', 'storageItem'],
  resolve({ ctx, payload }) {
    if (!payload.storageItem)
      throw new TaskAgentError(
        'TA_STORAGE_ITEM_MISSING',
        `no storage item was returned for "${ctx.task.dataTitle}" (data ${ctx.task.dataHash})`,
      );
    return payload.storageItem;
  },
};
