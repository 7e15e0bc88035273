// Explicit credentials (--ssh-key-file / --domain, `new Runner({ credentials })`, execute({ credentials }))
// against the emulator, which accepts only key A. The environment holds key B (validly signed but not
// authorised, so every request signed with it is refused with 403): a run, its workers, deps.client()
// and twin projects can only succeed if all of them sign with the explicit key A.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { agent, cli, tmp, ROOT } from '../helpers/cli.mjs';
import { makeKey, startEmulator } from '../helpers/emulator.mjs';
import { makeProject, singleAgentWorkflow, stageCounts } from '../helpers/projects.mjs';

async function setup(n) {
  const a = makeProject(n, { workflow: singleAgentWorkflow().workflow });
  const bDir = join(a.dir, '..', 'twin');
  const twin = await cli(['project', 'init', bDir, '--twin-of', a.dir, '--json']);
  assert.equal(twin.code, 0, twin.stderr);
  const keyA = makeKey();
  const keyB = makeKey();
  const emu = await startEmulator(a.dir, [bDir, '--authorized-keys', keyA.pubFile]);
  const env = { ENCORD_SSH_KEY_FILE: keyB.keyFile, ENCORD_DOMAIN: emu.url, TA_TWIN: twin.json.projectHash, TA_ENCORD_BACKOFF_MS: '5' };
  return { a, bDir, keyA, keyB, emu, env };
}

/** No line of the private key's body may show in the output. */
function assertNoKey(output, key) {
  for (const line of key.keyText.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----')))
    assert.ok(!output.includes(line), 'key text leaked into the output');
}

test("--ssh-key-file: the run, deps.client() and twin projects sign with it, not with the environment's key", async () => {
  const { a, bDir, keyA, keyB, emu, env } = await setup(12);
  try {
    const refused = await cli(['run', agent('credentials.mjs'), '--project', a.info.projectHash, '--json'], { env });
    assert.equal(refused.code, 3, refused.stderr);
    assert.equal(refused.json.error.code, 'TA_PLATFORM_UNAUTHORIZED');
    assert.equal(stageCounts(a.dir).Complete, 0);

    const r = await cli(
      ['run', agent('credentials.mjs'), '--project', a.info.projectHash, '--json', '--threads', '2', '--ssh-key-file', keyA.keyFile],
      { env },
    );
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.deepEqual(r.json.stages[0].moved, { complete: 12 });
    assert.deepEqual(r.json.stages[0].twins, { saved: 12, moved: 12, skipped: 0 });
    assertNoKey(r.stdout + r.stderr + refused.stdout + refused.stderr, keyA);
    assertNoKey(r.stdout + r.stderr + refused.stdout + refused.stderr, keyB);
  } finally {
    await emu.stop();
  }
  assert.equal(stageCounts(a.dir).Complete, 12);
  assert.equal(stageCounts(bDir).Complete, 12);
});

test("new Runner({ credentials }) in the agent module is the run's credentials (flags unset)", async () => {
  const { a, bDir, keyA, emu, env } = await setup(9);
  try {
    const r = await cli(['run', agent('credentials.mjs'), '--project', a.info.projectHash, '--json'], {
      env: { ...env, TA_CREDS_FILE: keyA.keyFile },
    });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.deepEqual(r.json.stages[0].moved, { complete: 9 });
  } finally {
    await emu.stop();
  }
  assert.equal(stageCounts(bDir).Complete, 9);
});

test('execute({ credentials: { sshKey, domain } }) overrides ENCORD_DOMAIN and the key in the environment', async () => {
  const { a, keyA, emu, env } = await setup(7);
  const script = join(tmp(), 'exec.mjs');
  writeFileSync(
    script,
    `
    import runner from ${JSON.stringify(agent('credentials.mjs'))};
    const summary = await runner.execute({ project: process.env.P, threads: 1, quiet: true, json: true,
      credentials: { sshKey: process.env.KEY_TEXT, domain: process.env.DOMAIN } });
    process.stdout.write(JSON.stringify(summary));
  `,
  );
  try {
    const out = await new Promise((resolve) => {
      // ENCORD_DOMAIN points at a port nothing listens on: only the explicit domain can work.
      const child = spawn(process.execPath, [script], {
        cwd: ROOT,
        env: {
          ...process.env,
          ...env,
          ENCORD_DOMAIN: 'http://127.0.0.1:9',
          P: a.info.projectHash,
          KEY_TEXT: keyA.keyText,
          DOMAIN: emu.url,
        },
      });
      let stdout = '',
        stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    assert.equal(out.code, 0, out.stderr);
    const summary = JSON.parse(out.stdout);
    assert.equal(summary.ok, true, JSON.stringify(summary.failures));
    assert.deepEqual(summary.stages[0].moved, { complete: 7 });
    assertNoKey(out.stdout + out.stderr, keyA);
  } finally {
    await emu.stop();
  }
});

test('bad explicit credentials are coded errors that never echo the key (exit 3), and conflicting ones are usage errors (exit 2)', async () => {
  const { a, keyA, emu, env } = await setup(2);
  try {
    const missing = await cli(
      ['run', agent('credentials.mjs'), '--project', a.info.projectHash, '--json', '--ssh-key-file', join(tmp(), 'nope')],
      { env },
    );
    assert.equal(missing.code, 3);
    assert.equal(missing.json.error.code, 'TA_AUTH_KEY_MISSING');
    const notKey = join(tmp(), 'not-a-key');
    writeFileSync(notKey, 'definitely not a key\n');
    const invalid = await cli(['run', agent('credentials.mjs'), '--project', a.info.projectHash, '--json', '--ssh-key-file', notKey], {
      env,
    });
    assert.equal(invalid.code, 3);
    assert.equal(invalid.json.error.code, 'TA_AUTH_KEY_INVALID');
    assert.match(invalid.json.error.message, /credentials\.sshKeyFile/);
    const badDomain = await cli(['run', agent('credentials.mjs'), '--project', a.info.projectHash, '--json', '--domain', 'ftp://x'], {
      env,
    });
    assert.equal(badDomain.code, 2);
    assert.equal(badDomain.json.error.code, 'TA_CFG_INVALID');
    assert.match(badDomain.json.error.message, /credentials\.domain/);
    assertNoKey(missing.stdout + missing.stderr + invalid.stdout + invalid.stderr + badDomain.stdout + badDomain.stderr, keyA);
  } finally {
    await emu.stop();
  }
  assert.equal(stageCounts(a.dir).Complete, 0);
});
