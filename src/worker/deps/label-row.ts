/** deps.labelRow(): the label row the main thread fetched for the batch, as a fresh LabelRow per attempt. */
import { TaskAgentError } from '../../shared/errors.js';
import { LabelRow } from '../../shared/label-row/index.js';
import { labelRow } from '../../deps/builtins.js';
import type { Provider } from './provider.js';

export const labelRowProvider: Provider = {
  declaration: labelRow,
  prefetch: ['labelRowMetadata', 'labelRow'],
  resolve({ ctx, payload }) {
    if (!payload.labelRow)
      throw new TaskAgentError('TA_LABEL_ROW_MISSING', `no label row was returned for "${ctx.task.dataTitle}" (data ${ctx.task.dataHash})`);
    // A fresh object per attempt: a failed attempt's edits never leak into the retry.
    return new LabelRow(payload.labelRow, ctx.project.ontology);
  },
};
