// Memory bounded by the in-flight window, not by the project (issue 12, goal 2): a worker's young
// generation stays at its cap however much the agent's surviving allocations would grow it.
// Without the cap V8 doubles it after enough survivors (to 32 MiB here); the agent keeps ~4 MB
// of recent objects alive across tasks and logs the largest new space its thread had.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { agent, cli, lines, tmp } from '../helpers/cli.mjs';
import { makeProject, singleAgentWorkflow, stageCounts } from '../helpers/projects.mjs';

/** worker-pool.ts WORKER_YOUNG_GENERATION_MB: two semi-spaces of a third each make the new space. */
const NEW_SPACE_CAP = ((12 * 2) / 3) * 1024 * 1024;

for (const threads of [1, 2]) {
  test(`a worker's young generation stays within its cap (--threads ${threads})`, async () => {
    const { dir } = makeProject(600, { workflow: singleAgentWorkflow().workflow });
    const log = join(tmp(), 'log');
    const r = await cli(
      ['run', agent('young-generation.mjs'), '--project', dir, '--json', '--threads', String(threads), '--task-batch-size', '50'],
      { env: { TA_LOG: log } },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(stageCounts(dir).Complete, 600);
    const sizes = lines(log).map((l) => Number(l.split(' ')[1]));
    assert.ok(sizes.length > 0, 'the agent logged its new space');
    assert.ok(Math.max(...sizes) <= NEW_SPACE_CAP, `largest new space ${Math.max(...sizes)} B, cap ${NEW_SPACE_CAP} B`);
  });
}
