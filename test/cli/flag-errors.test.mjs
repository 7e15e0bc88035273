// Flag values commander rejects go through the error catalog like every other usage error:
// TA_CFG_INVALID, exit 2, and with --json exactly one {ok:false,error} document on stdout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agent, cli } from '../helpers/cli.mjs';
import { makeProject, singleAgentWorkflow, stageCounts } from '../helpers/projects.mjs';

const BAD = [
  [['--threads', 'abc'], /--threads must be an integer/],
  [['--threads', '1.5'], /--threads must be an integer/],
  [['--task-batch-size', '1e400'], /--task-batch-size must be an integer/],
  [['--refresh-every', 'soon'], /--refresh-every must be a number/],
  [['--queue-reconnect-ms', '-1'], /--queue-reconnect-ms must be a non-negative integer/],
  [['--bogus'], /unknown option '--bogus'/],
];

test('bad flag values of run: TA_CFG_INVALID, exit 2, one JSON document with --json, nothing touched', async () => {
  const { dir } = makeProject(3, { workflow: singleAgentWorkflow().workflow });
  for (const [flags, why] of BAD) {
    const r = await cli(['run', agent('routing.mjs'), '--project', dir, '--json', ...flags]);
    assert.equal(r.code, 2, `${flags}: ${r.stderr}`);
    assert.ok(r.json, `${flags}: stdout is not one JSON document: ${r.stdout}`);
    assert.deepEqual(Object.keys(r.json), ['ok', 'error']);
    assert.equal(r.json.ok, false);
    assert.equal(r.json.error.code, 'TA_CFG_INVALID', flags.join(' '));
    assert.match(r.json.error.message, why);
    assert.match(r.stderr, /^TA_CFG_INVALID: /m);
    const text = await cli(['run', agent('routing.mjs'), '--project', dir, ...flags]);
    assert.equal(text.code, 2);
    assert.equal(text.stdout, '', `${flags}: text mode prints nothing on stdout`);
    assert.match(text.stderr, /^TA_CFG_INVALID: .*\n {2}hint: /m);
  }
  assert.deepEqual(stageCounts(dir), { 'Agent 1': 3, Annotate: 0, Complete: 0 });
});

test('bad flag values of the other commands are TA_CFG_INVALID too; --help and --version still exit 0', async () => {
  const { dir } = makeProject(1, { workflow: singleAgentWorkflow().workflow });
  for (const args of [
    ['worker', agent('routing.mjs'), '--queue', 'redis://127.0.0.1:1', '--threads', 'x'],
    ['emulator', dir, '--port', 'eighty'],
    ['project', 'status', dir, '--json', '--nope'],
  ]) {
    const r = await cli(args, { timeoutMs: 30_000 });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^TA_CFG_INVALID: /m, args.join(' '));
    if (args.includes('--json')) assert.equal(r.json?.error?.code, 'TA_CFG_INVALID');
  }
  assert.equal((await cli(['--help'])).code, 0);
  assert.equal((await cli(['--version'])).code, 0);
  const help = await cli(['run', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /130 +stopped by SIGINT \(Ctrl-C\), 143 stopped by SIGTERM/);
});

test('a queue name BullMQ refuses (":" in it, or empty) is TA_CFG_INVALID with a hint for run and worker, before connecting', async () => {
  const { dir } = makeProject(1, { workflow: singleAgentWorkflow().workflow });
  const queue = ['--queue', 'redis://127.0.0.1:1'];
  for (const [name, why] of [
    ['runs:nightly', /the queue name cannot contain ":"/],
    ['', /the queue name must not be empty/],
  ]) {
    const run = await cli(['run', agent('routing.mjs'), '--project', dir, '--json', ...queue, '--queue-name', name]);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.json?.error?.code, 'TA_CFG_INVALID');
    assert.match(run.json.error.message, new RegExp(`queueName: ${why.source}`));
    assert.ok(run.json.error.hint, 'a hint');
    const worker = await cli(['worker', agent('routing.mjs'), ...queue, '--queue-name', name], { timeoutMs: 30_000 });
    assert.equal(worker.code, 2, worker.stderr);
    assert.match(worker.stderr, new RegExp(`^TA_CFG_INVALID: --queue-name ${JSON.stringify(name)}: ${why.source}.*\\n {2}hint: `, 'm'));
  }
  assert.deepEqual(stageCounts(dir), { 'Agent 1': 1, Annotate: 0, Complete: 0 });
});
