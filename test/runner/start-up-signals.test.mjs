// SIGINT / SIGTERM while `task-agents run` is still starting (loading the run machinery, before
// the run's own handlers exist): a real signal to the real CLI process at that moment (a module
// hook sends it as the CLI resolves dist/execute-*.js). Node's default used to kill the process
// there: no summary, no --json document, no exit code (a SIGTERM up to ~0.5 s after spawn did).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { agent, cli, FIXTURES, lines, tmp } from '../helpers/cli.mjs';
import { makeProject, singleAgentWorkflow, stageCounts } from '../helpers/projects.mjs';

const PRELOAD = `--import=${join(FIXTURES, 'signal-on-load', 'register.mjs')}`;

for (const [signals, code] of [
  ['SIGTERM', 143],
  ['SIGINT', 130],
  ['SIGINT,SIGTERM', 130],
]) {
  test(`${signals} while the run starts: stopped before its first task, with its one JSON document and exit ${code}; a re-run does everything`, async () => {
    const { dir } = makeProject(30, { workflow: singleAgentWorkflow().workflow });
    const log = join(tmp(), 'log');
    const r = await cli(['run', agent('routing.mjs'), '--project', dir, '--json', '--threads', '1'], {
      env: { TA_LOG: log, TA_SIGNAL_ON_LOAD: signals, NODE_OPTIONS: PRELOAD },
    });
    assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr}`);
    assert.equal(r.code, code, r.stderr);
    assert.ok(r.json, r.stdout);
    assert.equal(r.json.interrupted, true);
    assert.equal(r.json.signal, signals.split(',')[0]);
    assert.equal(r.json.aborted === true, signals.includes(','));
    assert.equal(lines(log).length, 0);
    assert.deepEqual(stageCounts(dir), { 'Agent 1': 30, Annotate: 0, Complete: 0 });
    const again = await cli(['run', agent('routing.mjs'), '--project', dir, '--json', '--threads', '1'], { env: { TA_LOG: log } });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(stageCounts(dir), { 'Agent 1': 0, Annotate: 0, Complete: 30 });
  });
}
