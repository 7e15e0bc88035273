// Media of Encord tasks, downloaded by the workers through signed URLs served by the emulator:
// an expired URL is re-signed once, media-host faults are retried, a failing download fails only
// its task with TA_MEDIA_DOWNLOAD_FAILED, and no URL token or key reaches the output.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { agent, cli, lines, tmp } from '../helpers/cli.mjs';
import { makeKey, startEmulator } from '../helpers/emulator.mjs';
import { importedProject, stageCounts } from '../helpers/projects.mjs';

const sha = (b) => createHash('sha256').update(b).digest('hex');
const FILES = ['a.mp4', 'b.png', 'c.txt', 'd.mp4', 'e.png', 'f.txt'];
let src;

before(() => {
  src = tmp('ta-emedia-');
  const ff = (...a) => execFileSync('ffmpeg', ['-v', 'error', '-y', ...a]);
  ff('-f', 'lavfi', '-i', 'testsrc2=size=96x64:rate=10', '-t', '1', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', join(src, 'a.mp4'));
  ff('-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=10', '-t', '1', '-c:v', 'mpeg4', join(src, 'd.mp4'));
  ff('-f', 'lavfi', '-i', 'testsrc2=size=80x60', '-frames:v', '1', join(src, 'b.png'));
  ff('-f', 'lavfi', '-i', 'testsrc2=size=40x30', '-frames:v', '1', join(src, 'e.png'));
  writeFileSync(join(src, 'c.txt'), 'some text');
  writeFileSync(join(src, 'f.txt'), 'x'.repeat(200_000));
});

/** Runs the asset-sha agent against an emulator with `emuArgs`; returns the run, the emulator stats and the agent's sha lines. */
async function runThroughEmulator(p, emuArgs, env = {}) {
  const key = makeKey();
  const emu = await startEmulator(p.dir, ['--authorized-keys', key.pubFile, ...emuArgs]);
  const out = tmp();
  try {
    const r = await cli(['run', agent('media.mjs'), '--project', p.projectHash, '--json', '--threads', '2', '--concurrency', '3'], {
      env: {
        ENCORD_SSH_KEY_FILE: key.keyFile,
        ENCORD_DOMAIN: emu.url,
        TA_ENCORD_BACKOFF_MS: '5',
        TA_MEDIA_MODE: 'asset-sha',
        TA_OUT: out,
        ...env,
      },
    });
    return { r, stats: await emu.stats(), shas: Object.fromEntries(lines(join(out, 'assets')).map((l) => l.split(' '))), key, emu };
  } finally {
    await emu.stop();
  }
}

test("a signed URL that expired while the task waited is re-signed once by the worker, and the bytes are the file's", async () => {
  const p = await importedProject(FILES.map((f) => join(src, f)));
  const { r, stats, shas } = await runThroughEmulator(p, ['--url-ttl-ms', '1500'], { TA_SLEEP_MS: '2500' });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.deepEqual(r.json.stages[0].moved, { complete: FILES.length });
  for (const f of FILES) assert.equal(shas[f], sha(readFileSync(join(src, f))), f);
  // One bulk fetch per batch, plus one re-sign per task: every URL had expired.
  assert.equal(stats.requests['POST v2 storage/items/get-bulk'], 1 + FILES.length, JSON.stringify(stats.requests));
  assert.equal(stats.media, FILES.length);
});

test('media-host faults (5xx, resets) are retried: every task downloads its exact bytes and moves once', async () => {
  const p = await importedProject(FILES.map((f) => join(src, f)));
  const { r, stats, shas } = await runThroughEmulator(p, ['--faults', '500:0.15,503:0.1,reset:0.1', '--fault-seed', '11']);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.deepEqual(r.json.stages[0].moved, { complete: FILES.length });
  for (const f of FILES) assert.equal(shas[f], sha(readFileSync(join(src, f))), f);
  const injected = Object.values(stats.faults).reduce((a, b) => a + b, 0);
  assert.ok(injected > 0, 'faults were injected');
  assert.equal(stageCounts(p.dir).Complete, FILES.length);
});

test('a download that keeps failing fails only its task, with TA_MEDIA_DOWNLOAD_FAILED; no URL token or key in the output', async () => {
  const p = await importedProject(FILES.map((f) => join(src, f)));
  const gone = readdirSync(join(p.dir, 'media'), { recursive: true }).find((f) => String(f).endsWith('c.txt'));
  unlinkSync(join(p.dir, 'media', String(gone)));
  const { r, key } = await runThroughEmulator(p, []);
  assert.equal(r.code, 1, r.stderr + r.stdout);
  assert.equal(r.json.failures.length, 1);
  assert.equal(r.json.failures[0].dataTitle, 'c.txt');
  assert.equal(r.json.failures[0].code, 'TA_MEDIA_DOWNLOAD_FAILED');
  assert.match(r.json.failures[0].message, /HTTP 404/);
  const all = r.stdout + r.stderr;
  assert.doesNotMatch(all, /token=/);
  assert.doesNotMatch(all, /expires=/);
  for (const line of key.keyText.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----')))
    assert.ok(!all.includes(line), 'key text in output');
  assert.equal(stageCounts(p.dir).Complete, FILES.length - 1);
});
