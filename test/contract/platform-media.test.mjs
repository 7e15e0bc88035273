// Platform.mediaFile, the one way a worker gets an item's bytes, on both platforms: the local
// project hands out its own file (confined to its media folder, never copied); EncordPlatform
// downloads the signed URL (here the emulator's, in process) to the temporary path it is given.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { createEncordPlatform } from '../../dist/platform/encord/index.js';
import { startEmulator } from '../../dist/platform/emulator/index.js';
import { LocalPlatform } from '../../dist/testing.js';
import { tmp } from '../helpers/cli.mjs';
import { makeKey } from '../helpers/emulator.mjs';
import { makeProject } from '../helpers/projects.mjs';

/** A project of 2 tasks whose first item's file exists; its items (signed or not) from `platform`. */
async function itemsOf(platform, p) {
  const tasks = [];
  for await (const page of platform.taskPages(p.info.workflow.stages[0].uuid)) tasks.push(...page);
  const metas = await platform.listLabelRowMetadata(tasks.map((t) => t.dataHash));
  const byTitle = new Map(metas.map((m) => [m.dataTitle, m.backingItemUuid]));
  return platform.getStorageItems([byTitle.get('img-000000.jpg'), byTitle.get('img-000001.jpg')], { signUrls: true });
}

function projectWithOneFile() {
  const p = makeProject(2);
  const file = join(p.dir, 'media', 'synthetic', 'img-0.jpg');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, 'jpeg bytes 0');
  return { p, file };
}

test("local: the project's own file, not temporary, no temp path asked for; a missing file and a path outside the media folder are coded", async () => {
  const { p, file } = projectWithOneFile();
  const local = new LocalPlatform(p.dir);
  try {
    const [present, missing] = await itemsOf(local, p);
    const asked = [];
    const tempPath = () => {
      asked.push(1);
      return join(tmp(), 'x.jpg');
    };
    assert.deepEqual(await local.mediaFile(present, tempPath), { path: file, temporary: false });
    assert.deepEqual(asked, []);
    await assert.rejects(local.mediaFile(missing, tempPath), (e) => e.code === 'TA_MEDIA_MISSING' && /img-1\.jpg/.test(e.message));
    await assert.rejects(local.mediaFile({ ...present, url: '../project.db' }, tempPath), (e) => e.code === 'TA_MEDIA_OUTSIDE_PROJECT');
    await assert.rejects(local.mediaFile({ ...present, url: null }, tempPath), (e) => e.code === 'TA_MEDIA_MISSING');
  } finally {
    await local.close();
  }
});

test("encord: a download of the signed URL to the temporary path, with the file's bytes; a missing file is TA_MEDIA_DOWNLOAD_FAILED", async () => {
  const { p } = projectWithOneFile();
  const key = makeKey();
  const emu = await startEmulator({ dir: p.dir });
  const encord = createEncordPlatform({
    projectHash: p.info.projectHash,
    keyText: key.keyText,
    domain: emu.url,
    env: {},
    http: { retry: { backoffBaseMs: 1, maxRetries: 1 } },
  });
  try {
    const [present, missing] = await itemsOf(encord, p);
    const dest = join(tmp(), 'asset.jpg');
    assert.deepEqual(await encord.mediaFile(present, () => dest), { path: dest, temporary: true });
    assert.equal(readFileSync(dest, 'utf8'), 'jpeg bytes 0');
    await assert.rejects(
      encord.mediaFile(missing, () => join(tmp(), 'a.jpg')),
      (e) => e.code === 'TA_MEDIA_DOWNLOAD_FAILED' && !e.message.includes('token='),
    );
    await assert.rejects(
      encord.mediaFile({ ...present, signedUrl: null }, () => join(tmp(), 'b.jpg')),
      (e) => e.code === 'TA_MEDIA_MISSING',
    );
    assert.equal(existsSync(join(p.dir, 'media', 'synthetic', 'img-0.jpg')), true);
  } finally {
    await encord.close();
    await emu.close();
  }
});
