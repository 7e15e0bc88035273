/** deps.labelRowMetadata(): the task's label-row metadata, fetched by the main thread for the batch. */
import { TaskAgentError } from '../../shared/errors.js';
import { labelRowMetadata } from '../../deps/builtins.js';
import type { Provider } from './provider.js';

export const labelRowMetadataProvider: Provider = {
  declaration: labelRowMetadata,
  prefetch: ['labelRowMetadata'],
  resolve({ ctx, payload }) {
    if (!payload.metadata)
      throw new TaskAgentError(
        'TA_LABEL_ROW_MISSING',
        `no label-row metadata was returned for "${ctx.task.dataTitle}" (data ${ctx.task.dataHash})`,
      );
    return payload.metadata;
  },
};
