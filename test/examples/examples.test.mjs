// The agents in examples/ run as users run them (TypeScript through the CLI, `task-agents` imported
// by name) on demo projects, and do what their comments say.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { LocalProject } from '../../dist/testing.js';
import { ROOT, cli, tmp } from '../helpers/cli.mjs';
import { stageCounts } from '../helpers/projects.mjs';

const example = (name) => join(ROOT, 'examples', name);

async function demo() {
  const dir = join(tmp(), 'demo');
  const r = await cli(['project', 'init', dir, '--demo', '--json']);
  assert.equal(r.code, 0, r.stderr);
  return dir;
}

/** Metadata of every data unit, by title. */
function metadataByTitle(dir) {
  const p = LocalProject.open(dir);
  try {
    const hashes = p.allTasks().map((t) => t.dataHash);
    return Object.fromEntries(p.listLabelRowMetadata(hashes).map((m) => [m.dataTitle, m]));
  } finally {
    p.close();
  }
}

function rowsByTitle(dir) {
  const p = LocalProject.open(dir);
  try {
    return Object.fromEntries(p.exportLabelRows().map((r) => [r.data_title, r]));
  } finally {
    p.close();
  }
}

const brightnessOf = (row) => Object.values(row.classification_answers).map((c) => c.classifications[0].answers[0].name);

test('examples: pre-label bright regions, then twin transfer onto a twin project', async () => {
  const dir = await demo();
  const twin = join(dir, '..', 'twin');
  assert.equal((await cli(['project', 'init', twin, '--twin-of', dir])).code, 0);
  const meta = metadataByTitle(dir);
  const n = Object.keys(meta).length;

  let r = await cli(['run', example('pre-label-bright-regions.ts'), '--project', dir, '--json', '--threads', '2']);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.deepEqual(r.json.stages[0].moved, { labelled: n });
  for (const [title, row] of Object.entries(rowsByTitle(dir))) {
    const objects = Object.values(row.data_units)[0].labels;
    const m = meta[title];
    if (m.dataType === 'VIDEO') {
      // One tracked box on every 5th frame.
      const framesWithBox = Object.entries(objects)
        .filter(([, f]) => f.objects?.length === 1)
        .map(([k]) => Number(k));
      assert.deepEqual(
        framesWithBox,
        Array.from({ length: Math.ceil(m.numberOfFrames / 5) }, (_, i) => i * 5),
        title,
      );
    } else {
      assert.equal(objects.objects.length, 1, title);
      assert.equal(objects.objects[0].name, 'Bright region');
    }
    assert.equal(brightnessOf(row).length, 1, title);
  }
  assert.equal(stageCounts(dir).triage, n);

  r = await cli(['run', example('twin-transfer.ts'), '--project', dir, '--json'], { env: { TWIN_PROJECT: twin } });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.deepEqual(r.json.stages[0].moved, { accept: n });
  assert.deepEqual(r.json.stages[0].twins, { saved: n, moved: n, skipped: 0 });
  assert.equal(stageCounts(twin).triage, n);
  const source = rowsByTitle(dir);
  for (const [title, row] of Object.entries(rowsByTitle(twin))) assert.deepEqual(brightnessOf(row), brightnessOf(source[title]), title);
});

test('examples: route by media sends long videos and non-image data to review', async () => {
  const dir = await demo();
  const meta = metadataByTitle(dir);
  assert.equal((await cli(['run', example('pre-label-bright-regions.ts'), '--project', dir, '--json'])).code, 0);
  const r = await cli(['run', example('route-by-media.ts'), '--project', dir, '--json']);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const review = Object.values(meta).filter((m) => (m.dataType === 'VIDEO' ? (m.duration ?? 0) > 2 : m.dataType !== 'IMAGE')).length;
  assert.deepEqual(r.json.stages[0].moved, {
    ...(review && { review }),
    ...(review < Object.keys(meta).length && { accept: Object.keys(meta).length - review }),
  });
});

test('examples: priority by size ranks bigger media first and leaves every task in its stage', async () => {
  const dir = await demo();
  const r = await cli(['run', example('priority-by-size.ts'), '--project', dir, '--json']);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const meta = Object.values(metadataByTitle(dir));
  assert.equal(r.json.stages[0].stayed, meta.length);
  const work = (m) => (m.width ?? 0) * (m.height ?? 0) * Math.max(1, m.numberOfFrames ?? 1);
  const byWork = [...meta].sort((a, b) => work(b) - work(a));
  for (let i = 1; i < byWork.length; i++)
    assert.ok(byWork[i - 1].priority >= byWork[i].priority, `${byWork[i - 1].dataTitle} before ${byWork[i].dataTitle}`);
  assert.ok(byWork[0].priority > byWork.at(-1).priority);
});

test('examples type-check against the published types (task-agents imported by name)', async () => {
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'examples', 'tsconfig.json')],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
