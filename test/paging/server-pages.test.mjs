// Pages are the platform's: the runner re-batches them to --task-batch-size and never drops part
// of a page. The defect this guards against (issue 8): with the emulator serving pages of 100 and
// a batch size of 30, the runner took 30 tasks of every page and followed its nextPageToken, so a
// 250-task stage ended with 90 moved, 160 untouched, `ok: true` and exit 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { lines, tmp } from '../helpers/cli.mjs';
import { makeProject, singleAgentWorkflow, stageCounts } from '../helpers/projects.mjs';
import { runOn } from '../helpers/emulator.mjs';

for (const target of ['encord', 'local']) {
  test(`${target}: 250 tasks, server pages of 100, --task-batch-size 30: every task attempted and moved, exit 0`, async () => {
    const p = makeProject(250, { workflow: singleAgentWorkflow().workflow });
    const log = join(tmp(), 'log');
    const r = await runOn(
      target,
      'routing.mjs',
      p.dir,
      p.info.projectHash,
      ['--task-batch-size', '30', '--threads', '2'],
      { TA_LOG: log, TA_LOCAL_PAGE_SIZE: '100' },
      ['--page-size', '100'],
    );
    assert.equal(r.code, 0, r.stderr);
    const seen = lines(log);
    assert.equal(seen.length, 250, 'every task ran once');
    assert.equal(new Set(seen).size, 250);
    assert.deepEqual(stageCounts(p.dir), { 'Agent 1': 0, Annotate: 0, Complete: 250 });
    assert.equal(r.json.ok, true);
    assert.equal(r.json.stages[0].attempted, 250);
    assert.deepEqual(r.json.stages[0].moved, { complete: 250 });
    // Three pages of the server's size, each read once: none re-asked, none cut short.
    assert.equal(r.json.calls.listTasks, 3);
    if (target === 'encord') assert.equal(r.emulatorStats.requests['GET v2 …/stages/{s}/tasks'], 3);
  });
}
