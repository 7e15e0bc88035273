// `project import` of a folder with symbolic links: a link to a regular media file (inside the
// folder or outside it) imports that file, copied into media/; every other link is skipped with a
// warning of its own. Real files made with the ffmpeg CLI, real links, the real CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { agent, cli, tmp } from '../helpers/cli.mjs';
import { importedProject } from '../helpers/projects.mjs';

const sha = (p) => createHash('sha256').update(readFileSync(p)).digest('hex');

function mediaFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) e.isDirectory() ? walk(join(d, e.name)) : out.push(join(d, e.name));
  };
  walk(join(dir, 'media'));
  return out;
}

test('symbolic links: links to media files inside or outside the folder are imported as copies; broken, folder and fifo links are skipped, each with a warning', async () => {
  const outside = tmp();
  const folder = join(tmp(), 'shots');
  mkdirSync(join(folder, 'sub'), { recursive: true });
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=64x48', '-frames:v', '1', join(folder, 'real.png')]);
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=64x48:rate=10',
    '-t',
    '1',
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    join(outside, 'far.mp4'),
  ]);
  execFileSync('mkfifo', [join(outside, 'pipe')]);
  symlinkSync('real.png', join(folder, 'same-folder.png'));
  symlinkSync(join(outside, 'far.mp4'), join(folder, 'sub', 'outside.mp4'));
  symlinkSync(join(outside, 'far.mp4'), join(folder, 'no-extension'));
  symlinkSync(join(outside, 'gone.png'), join(folder, 'broken.png'));
  symlinkSync(folder, join(folder, 'sub', 'loop'));
  symlinkSync(join(outside, 'pipe'), join(folder, 'pipe.mp4'));

  const { dir, imported } = await importedProject([folder]);
  assert.deepEqual(imported.imported.map((u) => [u.title, u.dataType]).sort(), [
    ['no-extension', 'VIDEO'],
    ['outside.mp4', 'VIDEO'],
    ['real.png', 'IMAGE'],
    ['same-folder.png', 'IMAGE'],
  ]);
  const warned = Object.fromEntries(imported.warnings.map((w) => [relative(folder, w.path), w.warning]));
  assert.deepEqual(Object.keys(warned).sort(), ['broken.png', 'pipe.mp4', 'sub/loop']);
  assert.match(warned['broken.png'], /broken symbolic link/);
  assert.match(warned['sub/loop'], /symbolic link to a folder, not followed/);
  assert.match(warned['pipe.mp4'], /not a regular file/);
  // Every imported file is a regular file inside media/, with the content of what the link pointed to.
  const media = mediaFiles(dir);
  assert.equal(media.length, 4);
  for (const f of media) assert.ok(lstatSync(f).isFile(), `${f} is a copy, not a link`);
  const hashes = media.map(sha).sort();
  assert.deepEqual(
    hashes,
    [sha(join(folder, 'real.png')), sha(join(folder, 'real.png')), sha(join(outside, 'far.mp4')), sha(join(outside, 'far.mp4'))].sort(),
  );

  // The text form prints each skipped link on stderr; the copies decode like the originals.
  const again = await cli(['project', 'import', dir, folder]);
  assert.equal(again.code, 0, again.stderr);
  for (const name of ['broken.png', 'loop', 'pipe.mp4'])
    assert.match(again.stderr, new RegExp(`^warning: .*${name.replace('.', '\\.')}: `, 'm'));
  const out = tmp();
  const r = await cli(['run', agent('media.mjs'), '--project', dir, '--json', '--max-tasks-per-stage', '4'], {
    env: { TA_MEDIA_MODE: 'single', TA_OUT: out },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json.stages[0].moved.complete, 4);
});
