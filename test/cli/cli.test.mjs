// The CLI contract: project commands, preflight validation with exit codes, --json, --help.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { agent, cli, tmp, ROOT } from '../helpers/cli.mjs';
import { makeProject, singleAgentWorkflow, stageCounts } from '../helpers/projects.mjs';

test('preflight: unknown, non-agent and duplicate stages exit 2 listing the agent stages, before any task', async () => {
  const wf = singleAgentWorkflow();
  const cases = [
    [{ TA_STAGE: 'Nope' }, 'TA_STAGE_UNKNOWN'],
    [{ TA_STAGE: 'Annotate' }, 'TA_STAGE_NOT_AGENT'],
    [{ TA_STAGE: 'Agent 1', TA_STAGE2: wf.ids.agent }, 'TA_STAGE_DUPLICATE'],
    [{ TA_STAGE: 'Agent 1', TA_STAGE2: 'Agent 1' }, 'TA_STAGE_DUPLICATE'],
  ];
  for (const [env, code] of cases) {
    const { dir } = makeProject(3, { workflow: wf.workflow });
    const r = await cli(['run', agent('bad-stage.mjs'), '--project', dir, '--json'], { env });
    assert.equal(r.code, 2, `${code}: ${r.stderr}`);
    assert.equal(r.json.error.code, code);
    if (code !== 'TA_STAGE_DUPLICATE') assert.match(r.json.error.hint, new RegExp(`"Agent 1" \\(${wf.ids.agent}\\)`));
    assert.equal(stageCounts(dir)['Agent 1'], 3);
  }
});

test('preflight: a missing dependency and a dependency cycle exit 2 with their codes', async () => {
  for (const [module, code, pattern] of [
    ['missing-dep.mjs', 'TA_DEP_MISSING', /"model"/],
    ['cycle-dep.mjs', 'TA_DEP_CYCLE', /a → b → a|b → a → b/],
  ]) {
    const { dir } = makeProject(2, { workflow: singleAgentWorkflow().workflow });
    const r = await cli(['run', agent(module), '--project', dir, '--json']);
    assert.equal(r.code, 2);
    assert.equal(r.json.error.code, code);
    assert.match(r.json.error.message, pattern);
  }
});

test('a missing project and a missing module are coded usage errors', async () => {
  const r = await cli(['run', agent('routing.mjs'), '--project', join(tmp(), 'nope'), '--json']);
  assert.equal(r.code, 2);
  assert.equal(r.json.error.code, 'TA_CFG_PROJECT_NOT_FOUND');
  const { dir } = makeProject(1);
  const r2 = await cli(['run', join(tmp(), 'missing.mjs'), '--project', dir, '--json']);
  assert.equal(r2.code, 2);
  assert.equal(r2.json.error.code, 'TA_AGENT_MODULE_NOT_FOUND');
  const r3 = await cli(['run', agent('routing.mjs'), '--project', dir, '--threads', 'lots']);
  assert.equal(r3.code, 2);
  assert.match(r3.stderr, /--threads must be an integer/);
});

test('project init with Encord-shaped workflow and ontology files, import, status, tasks, export', async () => {
  const base = tmp();
  const wf = singleAgentWorkflow().workflow;
  writeFileSync(join(base, 'workflow.json'), JSON.stringify(wf));
  writeFileSync(
    join(base, 'ontology.json'),
    JSON.stringify({
      objects: [{ id: '1', name: 'Car', color: '#FF0000', shape: 'bounding_box', featureNodeHash: 'carBox01' }],
      classifications: [],
    }),
  );
  const dir = join(base, 'p');
  let r = await cli(['project', 'init', dir, '--workflow', join(base, 'workflow.json'), '--ontology', join(base, 'ontology.json')]);
  assert.equal(r.code, 0, r.stderr);
  // Media: the demo's generated images and videos, a text file, a corrupt JPEG, an unsupported file.
  const media = join(base, 'media-in');
  mkdirSync(media);
  const demo = join(base, 'demo');
  r = await cli(['project', 'init', demo, '--demo']);
  assert.equal(r.code, 0, r.stderr);
  writeFileSync(join(media, 'notes.txt'), 'hello');
  writeFileSync(join(media, 'broken.jpg'), 'not a jpeg');
  writeFileSync(join(media, 'data.xyz'), 'unknown');
  r = await cli(['project', 'import', dir, media, join(demo, 'media'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const titles = r.json.imported.map((i) => i.title).sort();
  assert.ok(titles.includes('notes.txt') && titles.includes('broken.jpg'));
  assert.equal(r.json.imported.filter((i) => i.dataType === 'IMAGE').length, 7);
  assert.ok(
    r.json.warnings.some((w) => w.path.endsWith('broken.jpg')),
    JSON.stringify(r.json.warnings),
  );
  assert.ok(r.json.warnings.some((w) => w.path.endsWith('data.xyz')));

  r = await cli(['project', 'status', dir, '--json']);
  assert.equal(r.code, 0);
  assert.match(r.json.projectHash, /^[0-9a-f-]{36}$/);
  assert.deepEqual(
    r.json.stages.map((s) => [s.stage, s.tasks]),
    [
      ['Agent 1', 10],
      ['Annotate', 0],
      ['Complete', 0],
    ],
  );

  r = await cli(['project', 'tasks', dir, '--stage', 'Agent 1', '--json']);
  assert.equal(r.json.length, 10);
  assert.deepEqual(Object.keys(r.json[0]).sort(), ['dataHash', 'dataTitle', 'priority', 'stage', 'stageUuid', 'status', 'uuid']);
  assert.equal(r.json[0].stage, 'Agent 1');

  const out = join(base, 'export.json');
  r = await cli(['project', 'export', dir, '--out', out]);
  assert.equal(r.code, 0);
  const rows = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(rows.length, 10);
  const video = rows.find((x) => x.data_type === 'video');
  assert.equal(Object.values(video.data_units)[0].data_fps > 0, true);
  const img = rows.find((x) => x.data_type === 'image' && x.data_title.endsWith('.png'));
  const unit = Object.values(img.data_units)[0];
  assert.equal(unit.width, 640);
  assert.equal(unit.height, 360);
  assert.equal(unit.data_type, 'image/png');
  assert.deepEqual(unit.labels, { objects: [], classifications: [] });
});

test('project import --as image-group makes one data unit of a folder', async () => {
  const base = tmp();
  const demo = join(base, 'demo');
  await cli(['project', 'init', demo, '--demo']);
  const dir = join(base, 'p');
  await cli(['project', 'init', dir]);
  const r = await cli(['project', 'import', dir, join(demo, 'media'), '--as', 'image-group', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json.imported.length, 1);
  assert.equal(r.json.imported[0].dataType, 'IMG_GROUP');
  const out = join(base, 'e.json');
  await cli(['project', 'export', dir, '--out', out]);
  const [row] = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(row.data_type, 'img_group');
  assert.equal(Object.keys(row.data_units).length, 6);
  assert.deepEqual(
    Object.values(row.data_units)
      .map((u) => u.data_sequence)
      .sort(),
    ['0', '1', '2', '3', '4', '5'],
  );
});

test('project init rejects a malformed workflow with a coded error', async () => {
  const base = tmp();
  writeFileSync(
    join(base, 'wf.json'),
    JSON.stringify({
      stages: [{ stageType: 'AGENT', uuid: 'a', title: 'A', pathways: [{ uuid: 'p', title: 'x', destinationUuid: 'missing' }] }],
    }),
  );
  const r = await cli(['project', 'init', join(base, 'p'), '--workflow', join(base, 'wf.json')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /TA_CFG_PROJECT_INVALID/);
  assert.match(r.stderr, /destination missing/);
});

test('print agent-nodes lists agent stages with pathways', async () => {
  const wf = singleAgentWorkflow();
  const { dir } = makeProject(1, { workflow: wf.workflow });
  const r = await cli(['print', 'agent-nodes', '--project', dir, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    r.json.map((n) => n.uuid),
    [wf.ids.agent],
  );
  assert.deepEqual(
    r.json[0].pathways.map((p) => p.title),
    ['complete', 'to human'],
  );
});

test('--version and --help work everywhere', async () => {
  const v = await cli(['--version']);
  assert.equal(v.code, 0);
  assert.equal(v.stdout.trim(), JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  for (const args of [['--help'], ['run', '--help'], ['project', 'import', '--help'], ['print', 'agent-nodes', '--help']]) {
    const h = await cli(args);
    assert.equal(h.code, 0, args.join(' '));
    assert.match(h.stdout, /Usage: task-agents/);
  }
  const run = await cli(['run', '--help']);
  for (const flag of [
    '--project',
    '--threads',
    '--concurrency',
    '--refresh-every',
    '--num-retries',
    '--task-batch-size',
    '--max-tasks-per-stage',
    '--json',
    '--quiet',
  ]) {
    assert.ok(run.stdout.includes(flag), flag);
  }
});

test("the README's first command runs the demo in a fresh directory and exits 0", async () => {
  // The README opens with the repository's two commands (set up + main job, set up + tests); the
  // npm quickstart follows (test/package/init.test.mjs runs it).
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```(?:bash|sh)\n([^`]+?)\n```/g)].map((m) => m[1].trim());
  const first = blocks[0];
  assert.match(first, /^bash scripts\/setup\.sh && .*node dist\/main\.js --threads 8$/);
  assert.match(blocks[1], /^bash scripts\/setup\.sh && npm test$/);
  assert.equal(
    readFileSync(join(ROOT, '.ci', 'run'), 'utf8')
      .trim()
      .split('\n')
      .at(-1),
    blocks[1],
    ".ci/run calls the README's test command",
  );
  const cwd = tmp();
  const r = await cli(['--threads', '8'], { cwd });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /pre-label: attempted \d+/);
  assert.ok(existsSync(join(cwd, 'demo-project', 'project.db')));
  const s = stageCounts(join(cwd, 'demo-project'));
  assert.equal(s['pre-label'] + s.triage, 0);
  assert.ok(s.Complete + s.Annotate > 0);
  // A second run finds nothing left to do and still exits 0.
  const again = await cli(['--json'], { cwd });
  assert.equal(again.code, 0);
  assert.equal(again.json.stages[0].attempted, 0);
});

test('print system-info --json: versions, machine and both decoders probed in a worker', async () => {
  const r = await cli(['print', 'system-info', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  assert.equal(r.json.taskAgents, pkg.version);
  assert.equal(r.json.node, process.version);
  assert.ok(r.json.cores >= 1);
  // node-av ships inside npm packages, so it loads on every machine that ran npm ci.
  assert.deepEqual(r.json.decoders['node-av'], { ok: true });
  assert.equal(typeof r.json.decoders.beamcoder.ok, 'boolean');
  const text = await cli(['print', 'system-info']);
  assert.match(text.stdout, /^task-agents \d+\.\d+\.\d+\nnode v\d+/);
});
