/**
 * Routing: send videos longer than 2 s and anything that is not an image or a video to a human,
 * accept short clips and images. Needs only label-row metadata, which the runner fetches for a
 * whole batch in one call.
 *
 *   task-agents run examples/route-by-media.ts --project ./demo-project
 */
import { Runner, deps } from 'task-agents';

const runner = new Runner();

runner.stage('triage', { deps: { meta: deps.labelRowMetadata() } }, ({ meta }) => {
  if (meta.dataType === 'VIDEO') return (meta.duration ?? 0) > 2 ? 'review' : 'accept';
  return meta.dataType === 'IMAGE' ? 'accept' : 'review';
});

export default runner;
runner.runIfMain(import.meta);
