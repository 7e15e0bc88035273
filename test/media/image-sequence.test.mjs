// Image sequences as Encord stores them: imported frames stay exact children (deps.videoFrames
// decodes them), and the sequence also gets one encoded video, which is what deps.asset() and a
// signed URL (emulator) give, as in encord-agents.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalProject } from '../../dist/testing.js';
import { agent, cli, lines, tmp } from '../helpers/cli.mjs';
import { makeKey, startEmulator } from '../helpers/emulator.mjs';
import { importedProject } from '../helpers/projects.mjs';

const sha = (b) => createHash('sha256').update(b).digest('hex');
let seq;

before(() => {
  seq = join(tmp('ta-seq-'), 'walk');
  mkdirSync(seq);
  const ff = (...a) => execFileSync('ffmpeg', ['-v', 'error', '-y', ...a]);
  ff('-f', 'lavfi', '-i', 'testsrc2=size=96x64', '-frames:v', '1', join(seq, 'f1.png'));
  ff('-f', 'lavfi', '-i', 'testsrc2=size=96x64', '-frames:v', '1', '-vf', 'hue=h=90', join(seq, 'f2.png'));
  ff('-f', 'lavfi', '-i', 'testsrc2=size=96x64', '-frames:v', '1', '-vf', 'negate', join(seq, 'f3.png'));
});

async function sequenceProject() {
  const { dir, projectHash, imported } = await importedProject([seq], ['--as', 'image-sequence']);
  assert.deepEqual(imported.warnings, []);
  const p = LocalProject.open(dir);
  try {
    const [meta] = p.listLabelRowMetadata([imported.imported[0].dataHash]);
    const [item] = p.getStorageItems([meta.backingItemUuid]);
    return { dir, projectHash, item, video: join(dir, 'media', item.url) };
  } finally {
    p.close();
  }
}

test('import --as image-sequence encodes the frames into one video; videoFrames still yields the exact images; asset is the .mp4', async () => {
  const { dir, item, video } = await sequenceProject();
  assert.equal(item.itemType, 'imageSequence');
  assert.match(item.url, /\.mp4$/);
  const probe = execFileSync(
    'ffprobe',
    ['-v', 'error', '-count_frames', '-show_entries', 'stream=width,height,nb_read_frames', '-of', 'csv=p=0', video],
    { encoding: 'utf8' },
  ).trim();
  assert.equal(probe, '96,64,3');

  const out = tmp();
  let r = await cli(['run', agent('media.mjs'), '--project', dir, '--json'], { env: { TA_MEDIA_MODE: 'frames', TA_OUT: out } });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const got = lines(join(out, 'walk.frames')).map((l) => l.split(' ')[2]);
  const want = ['f1.png', 'f2.png', 'f3.png'].map((f) =>
    sha(execFileSync('ffmpeg', ['-v', 'error', '-i', join(seq, f), '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'])),
  );
  assert.deepEqual(got, want);

  // Back to the agent stage, then the asset dependency.
  const p = LocalProject.open(dir);
  const stage = p.info.workflow.stages[0];
  p.db.prepare('UPDATE tasks SET stage_uuid = ?').run(stage.uuid);
  p.close();
  r = await cli(['run', agent('media.mjs'), '--project', dir, '--json'], { env: { TA_MEDIA_MODE: 'asset-sha', TA_OUT: out } });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.deepEqual(lines(join(out, 'assets')), [`walk ${sha(readFileSync(video))}`]);
});

test('through the emulator the sequence has a signed URL and deps.asset() downloads its video', async () => {
  const { dir, projectHash, video } = await sequenceProject();
  const key = makeKey();
  const emu = await startEmulator(dir, ['--authorized-keys', key.pubFile]);
  const out = tmp();
  try {
    const r = await cli(['run', agent('media.mjs'), '--project', projectHash, '--json'], {
      env: { ENCORD_SSH_KEY_FILE: key.keyFile, ENCORD_DOMAIN: emu.url, TA_MEDIA_MODE: 'asset-sha', TA_OUT: out },
    });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal((await emu.stats()).media, 1);
  } finally {
    await emu.stop();
  }
  assert.deepEqual(lines(join(out, 'assets')), [`walk ${sha(readFileSync(video))}`]);
});
