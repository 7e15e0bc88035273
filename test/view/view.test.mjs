// `task-agents project view DIR`: the real CLI serving a real project (media rendered by ffmpeg,
// labels of every shape written through LabelRow), checked over HTTP (ready line, read-only,
// path confinement, host check, clean exit) and in headless Chromium (stage counts and filter,
// labels drawn where the label row puts them, read back from canvas pixels, video frame paging,
// a screenshot). The browser part is skipped, saying why, when no chromium is installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { LabelRow, rotatableBoxToPolygon } from '../../dist/index.js';
import { LocalProject } from '../../dist/testing.js';
import { cli, startListening, tmp } from '../helpers/cli.mjs';
import { browserMissing, launchBrowser } from '../helpers/browser.mjs';

const ffmpegMissing =
  spawnSync('ffmpeg', ['-version']).status === 0 ? null : 'the ffmpeg CLI is not installed (scripts/setup.sh installs it)';
const noBrowser = ffmpegMissing ?? browserMissing();
if (noBrowser) console.log(`# view browser test skipped: ${noBrowser}`);

const COLORS = { Box: '#FF00FF', Area: '#00C000', Path: '#0000FF', Spot: '#FF8000', Mask: '#00FFFF', Turned: '#FFFF00' };
const SHAPES = { Box: 'bounding_box', Area: 'polygon', Path: 'polyline', Spot: 'point', Mask: 'bitmask', Turned: 'rotatable_bounding_box' };
const ONTOLOGY = {
  objects: Object.entries(SHAPES).map(([name, shape], i) => ({
    id: String(i + 1),
    name,
    color: COLORS[name],
    shape,
    featureNodeHash: `obj${name}`.padEnd(8, '0').slice(0, 8),
    required: false,
    attributes: [],
  })),
  classifications: [
    {
      id: '9',
      featureNodeHash: 'weathr01',
      attributes: [
        {
          id: '9.1',
          name: 'Weather',
          type: 'radio',
          featureNodeHash: 'wthrRad1',
          required: false,
          options: [
            { id: '9.1.1', label: 'Sunny', value: 'sunny', featureNodeHash: 'wSunny01' },
            { id: '9.1.2', label: 'Rainy', value: 'rainy', featureNodeHash: 'wRainy01' },
          ],
        },
      ],
    },
  ],
};
const WORKFLOW = {
  stages: [
    {
      stageType: 'AGENT',
      uuid: '11111111-0000-4000-8000-000000000001',
      title: 'pre-label',
      pathways: [
        { uuid: '11111111-0000-4000-8000-0000000000a1', title: 'labelled', destinationUuid: '11111111-0000-4000-8000-000000000002' },
        { uuid: '11111111-0000-4000-8000-0000000000a2', title: 'done', destinationUuid: '11111111-0000-4000-8000-000000000003' },
      ],
    },
    { stageType: 'ANNOTATION', uuid: '11111111-0000-4000-8000-000000000002', title: 'Review' },
    { stageType: 'DONE', uuid: '11111111-0000-4000-8000-000000000003', title: 'Done' },
  ],
};
const IMG = { width: 640, height: 480 };
const VID = { width: 320, height: 240, frames: 10 };
const BOX = { x: 0.1, y: 0.1, w: 0.3, h: 0.2 };
const TRIANGLE = [
  { x: 0.55, y: 0.1 },
  { x: 0.9, y: 0.1 },
  { x: 0.9, y: 0.45 },
];
const LINE = [
  { x: 0.1, y: 0.6 },
  { x: 0.4, y: 0.6 },
];
const SPOT = { x: 0.7, y: 0.7 };
const MASK_RECT = { x0: 450, x1: 600, y0: 320, y1: 400 };
const TURNED = { x: 0.15, y: 0.8, w: 0.2, h: 0.1, theta: 30 };
const videoBox = (f) => ({ x: 0.05 + 0.05 * f, y: 0.2, w: 0.3, h: 0.4 });

/** A project with a labelled image, a labelled video and an unlabelled image moved to Done. */
async function viewProject() {
  const root = tmp('ta-view-');
  const media = join(root, 'media-in');
  execFileSync('mkdir', ['-p', media]);
  const grey = (file, { width, height }, extra = ['-frames:v', '1']) =>
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `color=0x808080:s=${width}x${height}:r=10`,
      ...extra,
      join(media, file),
    ]);
  grey('shapes.png', IMG);
  grey('plain.png', IMG);
  grey('moving.mp4', VID, ['-frames:v', String(VID.frames), '-c:v', 'libx264', '-pix_fmt', 'yuv420p']);
  writeFileSync(join(root, 'workflow.json'), JSON.stringify(WORKFLOW));
  writeFileSync(join(root, 'ontology.json'), JSON.stringify(ONTOLOGY));
  const dir = join(root, 'project');
  let r = await cli([
    'project',
    'init',
    dir,
    '--workflow',
    join(root, 'workflow.json'),
    '--ontology',
    join(root, 'ontology.json'),
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  r = await cli(['project', 'import', dir, media, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const hash = Object.fromEntries(r.json.imported.map((u) => [u.title, u.dataHash]));

  const p = LocalProject.open(dir);
  try {
    const rows = p.getLabelRows(Object.values(hash));
    const image = new LabelRow(rows.get(hash['shapes.png']), p.info.ontology);
    image.addObject({ name: 'Box', boundingBox: BOX, confidence: 0.87, manualAnnotation: false });
    image.addObject({ name: 'Area', polygon: TRIANGLE, confidence: 0.5 });
    image.addObject({ name: 'Path', polyline: LINE });
    image.addObject({ name: 'Spot', point: SPOT });
    const mask = new Uint8Array(IMG.width * IMG.height);
    for (let y = MASK_RECT.y0; y < MASK_RECT.y1; y++) mask.fill(1, y * IMG.width + MASK_RECT.x0, y * IMG.width + MASK_RECT.x1);
    image.addObject({ name: 'Mask', bitmask: { mask, ...IMG } });
    image.addObject({ name: 'Turned', rotatableBoundingBox: TURNED });
    image.addClassification({ name: 'Weather', answer: 'Sunny', confidence: 0.9 });
    const video = new LabelRow(rows.get(hash['moving.mp4']), p.info.ontology);
    const track = video.addObject({ name: 'Box', frame: 0, boundingBox: videoBox(0), confidence: 0.75 });
    for (let f = 1; f < VID.frames; f++) video.setObjectCoordinates(track.objectHash, f, { boundingBox: videoBox(f) });
    p.saveLabelRows([image, video].map((lr) => ({ dataHash: lr.dataHash, labelHash: lr.labelHash, labelRow: lr.toJSON() })));
    const plainTask = p.allTasks().find((t) => t.dataHash === hash['plain.png']);
    p.proceedTasks(WORKFLOW.stages[0].uuid, [{ taskUuid: plainTask.uuid, pathwayName: 'done' }]);
  } finally {
    p.close();
  }
  return { root, dir, hash };
}

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** A raw GET (the path is sent exactly as given, `..` included). */
function rawGet(url, path, headers = {}) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: 'GET', headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body, type: res.headers['content-type'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('project view: ready line, JSON API, read-only, media confined to the project, host check, clean exit', async () => {
  const { root, dir, hash } = await viewProject();
  const dbBefore = sha256(join(dir, 'project.db'));
  // A file outside the media folder, reached two ways: a storage item path with `..`, and a symlink.
  const secret = join(root, 'outside-secret.png');
  writeFileSync(secret, 'TOP-SECRET-BYTES');
  symlinkSync(secret, join(dir, 'media', 'link.png'));
  const Database = createRequire(import.meta.url)('better-sqlite3');
  const db = new Database(join(dir, 'project.db'));
  const add =
    db.prepare(`INSERT INTO storage_items (uuid, parent_uuid, child_index, item_type, name, rel_path, mime_type, width, height, client_metadata, created_at)
    SELECT ?, parent_uuid, NULL, 'image', ?, ?, 'image/png', 10, 10, '{}', created_at FROM storage_items WHERE rel_path IS NOT NULL LIMIT 1`);
  const unitOf = db.prepare(
    `INSERT INTO data_units (data_hash, title, data_type, storage_item_uuid, created_at) VALUES (?, ?, 'IMAGE', ?, '2026-01-01')`,
  );
  const crafted = { dotdot: 'aaaaaaaa-0000-4000-8000-000000000001', symlink: 'aaaaaaaa-0000-4000-8000-000000000002' };
  add.run('bbbbbbbb-0000-4000-8000-000000000001', 'dotdot.png', '../../outside-secret.png');
  add.run('bbbbbbbb-0000-4000-8000-000000000002', 'link.png', 'link.png');
  unitOf.run(crafted.dotdot, 'dotdot.png', 'bbbbbbbb-0000-4000-8000-000000000001');
  unitOf.run(crafted.symlink, 'link.png', 'bbbbbbbb-0000-4000-8000-000000000002');
  // A label row that is not JSON, and one that is JSON but not a label row: shown without labels, with the code.
  const badRows = {
    'plain.png': '{"data_hash": 1',
    'moving.mp4': '{"data_hash": "x", "data_type": "video", "label_hash": null, "data_units": []}',
  };
  const setJson = db.prepare('UPDATE label_rows SET json = ? WHERE data_hash = ?');
  for (const [title, json] of Object.entries(badRows)) setJson.run(json, hash[title]);
  db.close();
  const dbCrafted = sha256(join(dir, 'project.db'));
  assert.notEqual(dbCrafted, dbBefore);

  const view = await startListening(['project', 'view', dir, '--port', '0']);
  try {
    assert.match(view.firstLine, /^listening on http:\/\/127\.0\.0\.1:\d+$/);
    const project = await (await fetch(`${view.url}/api/project`)).json();
    assert.deepEqual(
      project.stages.map((s) => [s.title, s.count]),
      [
        ['pre-label', 2],
        ['Review', 0],
        ['Done', 1],
      ],
    );
    const done = await (await fetch(`${view.url}/api/units?stage=${WORKFLOW.stages[2].uuid}`)).json();
    assert.deepEqual(
      done.units.map((u) => u.dataHash),
      [hash['plain.png']],
    );
    const unit = await (await fetch(`${view.url}/api/units/${hash['shapes.png']}`)).json();
    assert.deepEqual(unit.objectsList.map((o) => o.shape).sort(), Object.values(SHAPES).sort());
    assert.deepEqual(
      unit.classificationsList.map((c) => [c.name, c.answer]),
      [['Weather', 'Sunny']],
    );
    const img = await fetch(`${view.url}/api/units/${hash['shapes.png']}/frames/0`);
    assert.equal(img.status, 200);
    assert.equal(img.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await img.arrayBuffer()), readFileSync(join(dir, 'media', storedName(dir, 'shapes.png'))));
    const frame = await fetch(`${view.url}/api/units/${hash['moving.mp4']}/frames/9`);
    assert.equal(frame.status, 200);
    assert.equal(frame.headers.get('content-type'), 'image/jpeg');
    assert.deepEqual([...new Uint8Array(await frame.arrayBuffer()).subarray(0, 2)], [0xff, 0xd8]);
    assert.equal((await fetch(`${view.url}/api/units/${hash['moving.mp4']}/frames/10`)).status, 404);

    for (const title of Object.keys(badRows)) {
      const r = await fetch(`${view.url}/api/units/${hash[title]}`);
      assert.equal(r.status, 200, title);
      const u = await r.json();
      assert.equal(u.labelError.code, 'TA_LABEL_ROW_INVALID', title);
      assert.deepEqual([u.objectsList, u.classificationsList], [[], []]);
    }
    assert.equal((await (await fetch(`${view.url}/api/units`)).json()).units.length, 3);

    // Read-only: no method but GET/HEAD.
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const r = await fetch(`${view.url}/api/units/${hash['shapes.png']}`, { method, body: method === 'DELETE' ? undefined : '{}' });
      assert.equal(r.status, 405, method);
      assert.equal(r.headers.get('allow'), 'GET, HEAD');
    }
    // Traversal through the URL never reaches a file outside the package's three static files.
    for (const path of [
      '/../../../../etc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/viewer.js/../../package.json',
      '/../package.json',
      '/..%2f..%2fpackage.json',
      `/api/units/${hash['shapes.png']}/frames/..%2f..%2f..%2fetc%2fpasswd`,
      '/api/units/../../../etc/passwd/frames/0',
      '/project.db',
      '/media/shapes.png',
    ]) {
      const r = await rawGet(view.url, path);
      assert.equal(r.status, 404, `${path} → ${r.status}`);
      assert.doesNotMatch(r.body, /root:|"name": "task-agents"|SQLite format/, path);
    }
    // Storage items that point outside the media folder are refused with a code, the bytes never sent.
    for (const h of Object.values(crafted)) {
      const r = await rawGet(view.url, `/api/units/${h}/frames/0`);
      assert.equal(r.status, 403, `${h} → ${r.status} ${r.body}`);
      assert.equal(JSON.parse(r.body).error.code, 'TA_MEDIA_OUTSIDE_PROJECT');
      assert.doesNotMatch(r.body, /TOP-SECRET/);
    }
    // DNS rebinding: a page on another host name gets nothing.
    const rebound = await rawGet(view.url, '/api/project', { Host: 'attacker.example:80' });
    assert.equal(rebound.status, 421);
    assert.equal((await rawGet(view.url, '/api/project', { Host: `localhost:${new URL(view.url).port}` })).status, 200);
  } finally {
    assert.equal(await view.stop(), 0, view.output().stderr);
  }
  assert.equal(sha256(join(dir, 'project.db')), dbCrafted, 'the viewer wrote to project.db');
  assert.equal(view.output().stdout.split('\n')[0], view.firstLine);
});

/** The stored file name of an imported media file (import copies into DIR/media). */
function storedName(dir, title) {
  const p = LocalProject.open(dir);
  try {
    const [meta] = p.listLabelRowMetadata(p.allTasks().map((t) => t.dataHash)).filter((m) => m.dataTitle === title);
    return p.getStorageItems([meta.backingItemUuid])[0].url;
  } finally {
    p.close();
  }
}

test('project view: a missing project and a busy port are coded errors (exit 2)', async () => {
  let r = await cli(['project', 'view', join(tmp(), 'nope'), '--port', '0']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /TA_CFG_PROJECT_NOT_FOUND/);
  const { dir } = await viewProject();
  const busy = createServer();
  await new Promise((res) => busy.listen(0, '127.0.0.1', res));
  try {
    r = await cli(['project', 'view', dir, '--port', String(busy.address().port)]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /TA_CFG_INVALID: cannot listen on 127\.0\.0\.1:\d+/);
    assert.equal(r.stdout, '');
  } finally {
    busy.close();
  }
});

test(
  'project view: image groups and image sequences page through their own images; a TIFF is sent as JPEG',
  { skip: ffmpegMissing ?? false },
  async () => {
    const root = tmp('ta-view-media-');
    const colour = (file, c, size = '64x48') =>
      execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `color=${c}:s=${size}`, '-frames:v', '1', file]);
    for (const d of ['group', 'sequence']) execFileSync('mkdir', ['-p', join(root, d)]);
    colour(join(root, 'group', 'a-red.png'), 'red');
    colour(join(root, 'group', 'b-blue.png'), 'blue');
    for (const [i, c] of ['black', 'white', 'green'].entries()) colour(join(root, 'sequence', `f${i}.png`), c);
    colour(join(root, 'scan.tif'), 'yellow', '80x60');
    const dir = join(root, 'project');
    assert.equal((await cli(['project', 'init', dir, '--json'])).code, 0);
    const imported = {};
    for (const [path, as] of [
      [join(root, 'group'), 'image-group'],
      [join(root, 'sequence'), 'image-sequence'],
      [join(root, 'scan.tif'), 'files'],
    ]) {
      const r = await cli(['project', 'import', dir, path, '--as', as, '--json']);
      assert.equal(r.code, 0, r.stderr);
      imported[r.json.imported[0].title] = r.json.imported[0].dataHash;
    }
    const view = await startListening(['project', 'view', dir]);
    try {
      const get = (h, n) => fetch(`${view.url}/api/units/${h}/frames/${n}`);
      const bytes = async (r) => Buffer.from(await r.arrayBuffer());
      assert.deepEqual(await bytes(await get(imported.group, 1)), readFileSync(join(root, 'group', 'b-blue.png')));
      assert.deepEqual(await bytes(await get(imported.group, 0)), readFileSync(join(root, 'group', 'a-red.png')));
      assert.equal((await get(imported.group, 2)).status, 404);
      assert.equal((await (await fetch(`${view.url}/api/units/${imported.group}`)).json()).frames, 2);
      assert.deepEqual(await bytes(await get(imported.sequence, 2)), readFileSync(join(root, 'sequence', 'f2.png')));
      const tif = await get(imported['scan.tif'], 0);
      assert.equal(tif.headers.get('content-type'), 'image/jpeg');
      const rgb = execFileSync('ffmpeg', ['-v', 'error', '-i', 'pipe:0', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], {
        input: await bytes(tif),
      });
      assert.equal(rgb.length, 80 * 60 * 3);
      const centre = (30 * 80 + 40) * 3;
      assert.ok(
        near([rgb[centre], rgb[centre + 1], rgb[centre + 2]], [255, 255, 0], 30),
        `TIFF centre pixel ${[...rgb.subarray(centre, centre + 3)]}`,
      );
    } finally {
      assert.equal(await view.stop(), 0, view.output().stderr);
    }
  },
);

/** RGB of canvas pixels around (x, y) in canvas pixels: the 3×3 neighbourhood. */
async function pixelsAround(page, x, y) {
  return page.evaluate(
    ([px, py]) => {
      const c = document.getElementById('view-canvas');
      const d = c.getContext('2d').getImageData(Math.round(px) - 1, Math.round(py) - 1, 3, 3).data;
      const out = [];
      for (let i = 0; i < d.length; i += 4) out.push([d[i], d[i + 1], d[i + 2]]);
      return out;
    },
    [x, y],
  );
}

const hex = (h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));
const near = (a, b, tol = 40) => a.every((v, i) => Math.abs(v - b[i]) <= tol);

async function assertDrawn(page, x, y, color, what) {
  const px = await pixelsAround(page, x, y);
  assert.ok(
    px.some((p) => near(p, hex(color))),
    `${what}: no ${color} pixel around (${Math.round(x)}, ${Math.round(y)}): ${JSON.stringify(px)}`,
  );
}

async function assertBackground(page, x, y, what) {
  const px = await pixelsAround(page, x, y);
  assert.ok(
    px.every((p) => near(p, [128, 128, 128], 24)),
    `${what}: expected the grey image at (${Math.round(x)}, ${Math.round(y)}): ${JSON.stringify(px)}`,
  );
}

test(
  'project view in headless Chromium: stage counts and filter, every shape drawn where the label row says, video frames paged',
  { skip: noBrowser ?? false, timeout: 240_000 },
  async () => {
    const { root, dir, hash } = await viewProject();
    const view = await startListening(['project', 'view', dir, '--port', '0']);
    let browser;
    try {
      browser = await launchBrowser();
      const page = await browser.context.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));

      // Stage counts and the grid filtered by stage.
      await page.goto(`${view.url}/`);
      await page.waitForSelector('.card');
      const counts = await page.$$eval('#stages button', (bs) => bs.map((b) => [b.dataset.stage, b.querySelector('.count').textContent]));
      assert.deepEqual(counts, [
        ['', '3'],
        [WORKFLOW.stages[0].uuid, '2'],
        [WORKFLOW.stages[1].uuid, '0'],
        [WORKFLOW.stages[2].uuid, '1'],
      ]);
      assert.equal(await page.$$eval('.card', (cs) => cs.length), 3);
      await page.click(`#stages button[data-stage="${WORKFLOW.stages[2].uuid}"]`);
      await page.waitForFunction(() => document.querySelectorAll('.card').length === 1);
      assert.deepEqual(await page.$$eval('.card', (cs) => cs.map((c) => c.dataset.hash)), [hash['plain.png']]);
      await page.click(`#stages button[data-stage="${WORKFLOW.stages[0].uuid}"]`);
      await page.waitForFunction(() => document.querySelectorAll('.card').length === 2);

      // The labelled image: each shape sampled on the canvas at the place its coordinates give.
      await page.click(`.card[data-hash="${hash['shapes.png']}"]`);
      await page.waitForSelector(`canvas[data-drawn="${hash['shapes.png']}:0"]`);
      const size = await page.$eval('#view-canvas', (c) => [c.width, c.height]);
      assert.deepEqual(size, [IMG.width, IMG.height]);
      const W = IMG.width,
        H = IMG.height;
      await assertDrawn(page, BOX.x * W, (BOX.y + BOX.h / 2) * H, COLORS.Box, 'box left edge');
      await assertDrawn(page, (BOX.x + BOX.w) * W, (BOX.y + BOX.h / 2) * H, COLORS.Box, 'box right edge');
      await assertDrawn(page, (BOX.x + BOX.w / 2) * W, (BOX.y + BOX.h) * H, COLORS.Box, 'box bottom edge');
      await assertBackground(page, (BOX.x + BOX.w / 2) * W, (BOX.y + BOX.h / 2) * H, 'box inside (outline only)');
      await assertBackground(page, 0.3 * W, 0.45 * H, 'a spot with no label');
      await assertDrawn(
        page,
        ((TRIANGLE[1].x + TRIANGLE[2].x) / 2) * W,
        ((TRIANGLE[1].y + TRIANGLE[2].y) / 2) * H,
        COLORS.Area,
        'polygon edge',
      );
      const [inside] = await pixelsAround(page, 0.82 * W, 0.2 * H);
      assert.ok(inside[1] > inside[0] + 15, `polygon inside is tinted green: ${inside}`);
      await assertDrawn(page, 0.25 * W, LINE[0].y * H, COLORS.Path, 'polyline middle');
      await assertDrawn(page, SPOT.x * W, SPOT.y * H, COLORS.Spot, 'point');
      const [masked] = await pixelsAround(page, (MASK_RECT.x0 + MASK_RECT.x1) / 2, (MASK_RECT.y0 + MASK_RECT.y1) / 2);
      assert.ok(masked[1] > masked[0] + 60 && masked[2] > masked[0] + 60, `bitmask inside is tinted cyan: ${masked}`);
      await assertBackground(page, MASK_RECT.x1 + 10, (MASK_RECT.y0 + MASK_RECT.y1) / 2, 'right of the mask');
      const corners = rotatableBoxToPolygon(TURNED, W, H);
      await assertDrawn(page, (corners[1].x + corners[2].x) / 2, (corners[1].y + corners[2].y) / 2, COLORS.Turned, 'rotated box edge');
      const objects = await page.$$eval('#objects li', (ls) => ls.map((l) => l.textContent));
      assert.equal(objects.length, 6, objects.join(' | '));
      assert.ok(
        objects.some((t) => t.startsWith('Box') && t.includes('0.87 model')),
        objects.join(' | '),
      );
      assert.ok(
        objects.some((t) => t.startsWith('Area') && t.includes('0.50')),
        objects.join(' | '),
      );
      assert.deepEqual(await page.$$eval('#classifications li', (ls) => ls.map((l) => l.textContent)), ['Weather: Sunny0.90']);
      assert.equal(await page.isHidden('#frame-pager'), true, 'no frame pager for a single image');
      const screenshot = join(root, 'viewer.png');
      await page.screenshot({ path: screenshot });
      assert.ok(statSync(screenshot).size > 10_000);
      assert.deepEqual([...readFileSync(screenshot).subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''), 'PNG');

      // The video: a box that moves 16 px per frame, paged with the frame controls.
      await page.goto(`${view.url}/#unit=${hash['moving.mp4']}&frame=0`);
      await page.waitForSelector(`canvas[data-drawn="${hash['moving.mp4']}:0"]`);
      assert.equal(await page.$eval('#frame-slider', (s) => s.max), String(VID.frames - 1));
      for (const f of [0, 1, 2]) {
        if (f > 0) {
          await page.click('#next-frame');
          await page.waitForSelector(`canvas[data-drawn="${hash['moving.mp4']}:${f}"]`);
        }
        const b = videoBox(f);
        await assertDrawn(page, b.x * VID.width, (b.y + b.h / 2) * VID.height, COLORS.Box, `video frame ${f} left edge`);
        await assertDrawn(page, (b.x + b.w) * VID.width, (b.y + b.h / 2) * VID.height, COLORS.Box, `video frame ${f} right edge`);
        if (f > 0)
          await assertBackground(
            page,
            videoBox(f - 1).x * VID.width,
            (b.y + b.h * 0.75) * VID.height,
            `video frame ${f}: the previous frame's edge is gone`,
          );
        assert.equal(await page.textContent('#frame-label'), `frame ${f} / ${VID.frames - 1}`);
      }
      await page.fill('#frame-slider', '7');
      await page.waitForSelector(`canvas[data-drawn="${hash['moving.mp4']}:7"]`);
      await assertDrawn(page, videoBox(7).x * VID.width, 0.4 * VID.height, COLORS.Box, 'video frame 7 (slider) left edge');
      await page.screenshot({ path: join(root, 'viewer-video.png') });
      assert.deepEqual(errors, []);
    } finally {
      // The server stops even when the browser did not start (a live child would keep this file running).
      await browser?.close();
      assert.equal(await view.stop(), 0, view.output().stderr);
    }
  },
);
