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
