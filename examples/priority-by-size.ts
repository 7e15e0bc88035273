/**
 * Priorities: bigger media first (pixels × frames), so annotators start with the work that takes
 * longest. Returns only a priority: the task stays in its stage; priorities are sent in bundles.
 *
 *   task-agents run examples/priority-by-size.ts --project ./demo-project
 */
import { Runner, deps } from 'task-agents';

const runner = new Runner();
const FULL_HD_MINUTE = 1920 * 1080 * 25 * 60;

runner.stage('pre-label', { deps: { item: deps.storageItem() } }, ({ item }) => {
  const work = (item.width ?? 0) * (item.height ?? 0) * Math.max(1, item.frameCount ?? 1);
  return { pathway: null, priority: Math.min(1, Math.round((work / FULL_HD_MINUTE) * 1000) / 1000) };
});

export default runner;
runner.runIfMain(import.meta);
