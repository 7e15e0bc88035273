/**
 * Twin transfer (encord-agents' twin_project_label_transfer): copy the "Scene brightness"
 * classification of each task onto the same data unit in a twin project, then move the twin's task
 * along "labelled". TWIN_PROJECT is the twin's project hash (locally: its directory, made with
 * `task-agents project init TWIN --twin-of ./demo-project`). The twin saves and moves are
 * committed with the task, bundled; a task whose data is not in the twin goes "review".
 *
 *   TWIN_PROJECT=./twin task-agents run examples/twin-transfer.ts --project ./demo-project
 */
import { Runner, deps } from 'task-agents';

const twinProject = process.env['TWIN_PROJECT'];
if (!twinProject) throw new Error('set TWIN_PROJECT to the twin project (hash or directory)');

const runner = new Runner();

runner.stage(
  'triage',
  {
    deps: { labelRow: deps.labelRow(), twin: deps.twinLabelRow({ twinProject, includeTask: true }) },
  },
  async ({ labelRow, twin }) => {
    if (!twin?.labelRow) return 'review';
    for (const c of labelRow.classifications({ name: 'Scene brightness' })) {
      if (twin.labelRow.classifications({ name: c.name }).length > 0) continue; // copied on an earlier run
      twin.labelRow.addClassification({ name: c.name, frames: c.frames, answer: c.answer as string });
    }
    await twin.save();
    if (twin.task?.stage.title === 'pre-label') await twin.proceed('labelled');
    return 'accept';
  },
);

export default runner;
runner.runIfMain(import.meta);
