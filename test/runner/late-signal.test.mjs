// A signal that comes after the run has ended, while the CLI is still writing its summary, must not
// kill the process: the run's own signal handling is gone by then, and Node's default action would
// end it with no exit code and, with --json, maybe a cut document. (The seeded signal test in
// stuck-agents.test.mjs once drew a second Ctrl-C that late: exit code null.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { agent, MAIN, ROOT } from '../helpers/cli.mjs';
import { makeProject, singleAgentWorkflow } from '../helpers/projects.mjs';

test("SIGINT while the --json summary is being written: the whole document comes out and the exit code is the run's", async () => {
  const total = 6000;
  const { dir } = makeProject(total, { workflow: singleAgentWorkflow().workflow });
  // --dry-run: the summary lists every decision, far more than the pipe holds, so the CLI is still
  // writing it (blocked on the pipe) when this test stops reading.
  const child = spawn(process.execPath, [MAIN, 'run', agent('hostile.mjs'), '--project', dir, '--json', '--dry-run', '--threads', '1'], {
    cwd: ROOT,
    env: { ...process.env, TA_HOSTILE: 'none', TA_DELAY_MS: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  // The first bytes of the document: the run is over and the summary is on its way. Reading stops
  // there (the listener stays: a child stream without one is drained into nothing at exit).
  await new Promise((resolve) =>
    child.stdout.on('data', (d) => {
      if (stdout === '') {
        child.stdout.pause();
        resolve();
      }
      stdout += d;
    }),
  );
  child.kill('SIGINT');
  await new Promise((r) => setTimeout(r, 300));
  child.stdout.resume();
  const { code, signal } = await exited;
  assert.equal(signal, null, `killed by ${signal}: ${stderr}`);
  assert.equal(code, 0, stderr);
  const summary = JSON.parse(stdout);
  assert.equal(summary.ok, true);
  assert.ok(!summary.interrupted, 'the signal came after the run');
  assert.equal(summary.decisions.length, total);
  // The child's stdout is a socket pair holding a few hundred KB: the document must be larger.
  assert.ok(stdout.length > 1024 * 1024, `the document (${stdout.length} bytes) must outgrow the pipe for this test to mean anything`);
});
