// The CLI's start is lean: --version and --help (of the program and of each command) load no
// native addon and none of the run's heavy packages; each command loads its own on use. The probe
// (test/helpers/loaded-modules.mjs) is checked on a command that must load them, so it can fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec, MAIN, ROOT } from '../helpers/cli.mjs';
import { makeProject, singleAgentWorkflow } from '../helpers/projects.mjs';

const PROBE = join(ROOT, 'test', 'helpers', 'loaded-modules.mjs');
const HEAVY = ['better-sqlite3', '@napi-rs/image', 'piscina', 'node-av', 'beamcoder', 'undici', 'tsx', 'bullmq', 'ioredis'];

async function loaded(args) {
  const r = await exec(process.execPath, ['--import', PROBE, MAIN, ...args], { cwd: ROOT });
  const line = r.stderr.split('\n').find((l) => l.startsWith('loaded-modules: '));
  assert.ok(line, `no probe line for ${args.join(' ')}: ${r.stderr}`);
  return { code: r.code, stdout: r.stdout, ...JSON.parse(line.slice('loaded-modules: '.length)) };
}

const START_ONLY = [
  ['--version'],
  ['--help'],
  ['run', '--help'],
  ['project', '--help'],
  ['project', 'import', '--help'],
  ['emulator', '--help'],
  ['serve', '--help'],
  ['worker', '--help'],
  ['init', '--help'],
  ['print', 'agent-nodes', '--help'],
];

for (const args of START_ONLY) {
  test(`\`task-agents ${args.join(' ')}\` loads no native addon and no heavy package`, async () => {
    const r = await loaded(args);
    assert.equal(r.code, 0, r.stdout);
    assert.ok(r.stdout.length > 0, 'printed something');
    assert.deepEqual(r.natives, [], `native addons loaded: ${r.natives.join(', ')}`);
    assert.deepEqual(
      r.packages.filter((p) => HEAVY.includes(p)),
      [],
    );
  });
}

test('the probe sees what a command loads: `project show` opens SQLite (better-sqlite3 and its addon)', async () => {
  const { dir } = makeProject(1);
  const r = await loaded(['project', 'show', dir, '--json']);
  assert.equal(r.code, 0, r.stdout);
  assert.ok(r.packages.includes('better-sqlite3'), `packages: ${r.packages.join(', ')}`);
  assert.ok(
    r.natives.some((p) => p.endsWith('better_sqlite3.node')),
    `natives: ${r.natives.join(', ')}`,
  );
});

test('`--version` and `-V` answer before the command line loads (no commander), with the same output as commander gives', async () => {
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
  for (const flag of ['--version', '-V']) {
    const r = await loaded([flag]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `${version}\n`);
    assert.ok(!r.packages.includes('commander'), `${flag} loaded ${r.packages.join(', ')}`);
  }
  // Anything else goes through commander (which the probe sees), including --version with more.
  const r = await loaded(['--version', '--json']);
  assert.ok(r.packages.includes('commander'), `packages: ${r.packages.join(', ')}`);
});

test('a run that draws no progress lines (--json, or stderr not a terminal) does not load cli-progress', async () => {
  const { dir } = makeProject(3, { workflow: singleAgentWorkflow().workflow });
  const r = await loaded(['run', join(ROOT, 'test', 'fixtures', 'agents', 'routing.mjs'), '--project', dir, '--json', '--threads', '1']);
  assert.equal(r.code, 0, r.stdout);
  assert.ok(r.packages.includes('piscina'), `the probe sees the run's packages: ${r.packages.join(', ')}`);
  assert.ok(!r.packages.includes('cli-progress'), `packages: ${r.packages.join(', ')}`);
});
