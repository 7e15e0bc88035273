// Bench agent: copies a classification onto the task's twin (BENCH_TWIN), saves the twin row and
// moves the twin's task (the twin_project_label_transfer example of encord-agents), then proceeds.
import { Runner, deps } from '../../dist/index.js';

const runner = new Runner();
const twin = deps.twinLabelRow({ twinProject: process.env.BENCH_TWIN, includeTask: true });
runner.stage('pre-label', { deps: { twin } }, async ({ twin }) => {
  if (!twin?.labelRow || !twin.task) throw new Error('no twin');
  twin.labelRow.addClassification({ name: 'Scene brightness', answer: 'Bright' });
  await twin.save();
  await twin.proceed('labelled');
  return 'labelled';
});
export default runner;
