/**
 * The demo agents run by `node dist/main.js` on ./demo-project: a pre-labelling agent that reads
 * each task's label row and metadata and saves it with a priority, and a triage agent that routes
 * by what the first agent decided.
 */
import { Runner, deps } from '../index.js';

const runner = new Runner();

runner.stage('pre-label', {
  deps: { labelRow: deps.labelRow(), meta: deps.labelRowMetadata() },
}, ({ labelRow, meta }) => {
  // Larger images first: a stand-in for "most informative first".
  const pixels = (meta.width ?? 0) * (meta.height ?? 0);
  return { pathway: 'labelled', labelRow, priority: Math.min(1, pixels / (1920 * 1080)) };
});

runner.stage('triage', { willSetPriority: true, deps: { meta: deps.labelRowMetadata() } }, ({ meta }) =>
  (meta.priority ?? 0) >= 0.1 ? 'accept' : 'review');

export default runner;
