// Paths the throughput work added, through the real CLI: the lazily created task signal, task
// records packed across the thread boundary, and the warm start (the run's own pool answers the
// preflight) including the case where the module's Runner options change the pool.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { agent, cli, lines, tmp } from '../helpers/cli.mjs';
import { makeProject, singleAgentWorkflow, stageCounts } from '../helpers/projects.mjs';
import { LocalProject } from '../../dist/testing.js';

function run(module, dir, args = [], env = {}) {
  return cli(['run', agent(module), '--project', dir, '--json', ...args], { env });
}

test('signal: aborts on timeout whether read before or after; dependencies get the same live signal', async () => {
  const { dir } = makeProject(6, { workflow: singleAgentWorkflow().workflow });
  const log = join(tmp(), 'log');
  const r = await run('signal.mjs', dir, ['--task-timeout-ms', '300', '--threads', '1', '--num-retries', '0'], { TA_LOG: log });
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(r.json.failures.map((f) => [f.dataTitle, f.code]).sort(), [
    ['img-000001.jpg', 'TA_AGENT_TIMEOUT'],
    ['img-000002.jpg', 'TA_AGENT_TIMEOUT'],
  ]);
  const seen = lines(log);
  assert.ok(seen.includes('early true AbortError'), seen.join(' | '));
  assert.ok(seen.includes('late true AbortError'), seen.join(' | '));
  assert.deepEqual(
    seen.filter((l) => l.startsWith('same')),
    ['same true false', 'same true false', 'same true false', 'same true false'],
  );
  assert.equal(stageCounts(dir).Complete, 4);
});

test('every field of a task record reaches the agent as the platform listed it', async () => {
  const { dir, info } = makeProject(700, { workflow: singleAgentWorkflow().workflow });
  const log = join(tmp(), 'log');
  const r = await run('task-record.mjs', dir, ['--threads', '2', '--task-batch-size', '250'], { TA_LOG: log });
  assert.equal(r.code, 0, r.stderr);
  const p = LocalProject.open(dir);
  const listed = p.listTasks(info.workflow.stages[0].uuid, { pageSize: 10_000 }).results;
  p.close();
  const byUuid = (a, b) => a.uuid.localeCompare(b.uuid);
  assert.equal(listed.length, 700);
  assert.deepEqual(
    lines(log)
      .map((l) => JSON.parse(l))
      .sort(byUuid),
    listed.sort(byUuid),
  );
});

test('warm start: Runner options that change the pool (threads) restart it; every thread runs tasks', async () => {
  const { dir } = makeProject(120, { workflow: singleAgentWorkflow().workflow });
  const log = join(tmp(), 'log');
  const r = await run('runner-threads.mjs', dir, ['--task-batch-size', '12'], { TA_LOG: log });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(stageCounts(dir).Complete, 120);
  assert.equal(new Set(lines(log)).size, availableParallelism() + 1, lines(log).join(', '));
});

test('warm start: a broken module is reported before a missing project, as without it', async () => {
  const r = await run('syntax-error.mjs', join(tmp(), 'nope'));
  assert.equal(r.code, 2);
  assert.equal(r.json.error.code, 'TA_AGENT_MODULE_LOAD_FAILED');
});
