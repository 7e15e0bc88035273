// Start-up bench agent: the first task to start (in any worker) writes the time it started (epoch
// ms, fractional) to TA_BENCH_FIRST_TASK (created exclusively: only the first writer wins); every
// task proceeds along "complete".
import { writeFileSync } from 'node:fs';
import { Runner } from '../../dist/index.js';

let written = false;
const runner = new Runner();
runner.stage('Agent 1', () => {
  if (!written && process.env.TA_BENCH_FIRST_TASK) {
    written = true;
    try {
      writeFileSync(process.env.TA_BENCH_FIRST_TASK, String(performance.timeOrigin + performance.now()), { flag: 'wx' });
    } catch {
      /* another worker was first */
    }
  }
  return 'complete';
});
export default runner;
