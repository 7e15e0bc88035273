// kill -9 at any moment, then re-run: nothing is lost, nothing is moved twice (DESIGN §4), on the
// local project and through the emulator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { agent, cli, lines, tmp } from '../helpers/cli.mjs';
import { makeKey, startEmulator } from '../helpers/emulator.mjs';
import { makeProject, singleAgentWorkflow, stageCounts, tasksOf, labelledCount } from '../helpers/projects.mjs';

const N = 400;

/** Starts a run, SIGKILLs it once `after` tasks have finished in the agent, and returns how it ended. */
async function killMidway(args, env, log, after) {
  let child;
  const run = cli(args, { env: { ...env, TA_LOG: log }, onSpawn: (c) => (child = c) });
  for (let i = 0; i < 600 && lines(log).length < after; i++) await sleep(20);
  child.kill('SIGKILL');
  return run;
}

for (const target of ['local', 'encord']) {
  test(`${target}: a run killed with SIGKILL mid-way and re-run leaves every task moved and labelled exactly once`, async () => {
    const { dir, info } = makeProject(N, { workflow: singleAgentWorkflow().workflow });
    let env = {};
    let project = dir;
    let emu;
    if (target === 'encord') {
      const key = makeKey();
      emu = await startEmulator(dir, ['--authorized-keys', key.pubFile]);
      env = { ENCORD_SSH_KEY_FILE: key.keyFile, ENCORD_DOMAIN: emu.url };
      project = info.projectHash;
    }
    try {
      const args = [
        'run',
        agent('slow-labels.mjs'),
        '--project',
        project,
        '--json',
        '--threads',
        '2',
        '--concurrency',
        '4',
        '--task-batch-size',
        '100',
      ];
      const killed = await killMidway(args, env, join(tmp(), 'log'), N / 3);
      assert.equal(killed.signal, 'SIGKILL');
      const doneBefore = stageCounts(dir).Complete;
      assert.ok(doneBefore < N, `the kill came too late: ${doneBefore} of ${N} already done`);
      // Whatever was committed before the kill is whole: a moved task has its label row saved first.
      assert.ok(labelledCount(dir) >= doneBefore);

      const again = await cli(args, { env: { ...env, TA_DELAY_MS: '0' } });
      assert.equal(again.code, 0, again.stderr + JSON.stringify(again.json?.failures?.slice(0, 3)));
      // The re-run moves exactly the tasks the killed run had not moved: none twice, none lost.
      assert.equal(again.json.stages[0].moved.complete, N - doneBefore);
      assert.equal(again.json.stages[0].skipped, 0);
      assert.deepEqual(stageCounts(dir), { 'Agent 1': 0, Annotate: 0, Complete: N });
      assert.equal(labelledCount(dir), N);
      assert.ok(tasksOf(dir).every((t) => t.priority === 0.25));
      if (emu) assert.ok((await emu.stats()).requests['POST v2 …/stages/{s}/actions'] > 0);
    } finally {
      await emu?.stop();
    }
  });
}
