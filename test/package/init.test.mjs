// `task-agents init` from the packed tarball, in a folder outside the repository: the README's
// npm quickstart (init, npm start, npm test) plus `tsc --noEmit` with no skipLibCheck (our .d.ts,
// task-agents/encord's included, must type-check in user code), `--template NAME` copying any
// template folder with its placeholders filled, and the errors for an unknown template or a
// folder that is not empty. `npm install` is the offline one of packed.mjs (the repository's
// node_modules linked in first), so the test takes seconds, not the minutes of a registry install.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installedPackage, run } from './packed.mjs';

let pkg;
before(async () => {
  pkg = await installedPackage();
});

test("the shipped README has the npm quickstart this test runs, right after the repository's two commands", () => {
  const readme = readFileSync(join(pkg.prefix, 'node_modules', 'task-agents', 'README.md'), 'utf8');
  const quickstart = readme.slice(readme.indexOf('## Quickstart (npm)'));
  const first = /```bash\n([^`]+?)\n```/.exec(quickstart)[1].trim().split('\n');
  assert.deepEqual(first, ['npx task-agents init my-agents', 'cd my-agents', 'npm start', 'npm test']);
  // The README opens with the repository's set-up-and-run and set-up-and-test commands (test/cli checks them).
  const sections = [...readme.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
  assert.deepEqual(sections.slice(0, 2), ['From this repository', 'Quickstart (npm)']);
});

test('init DIR, npm start, npm test and tsc --noEmit work in the scaffolded project', async () => {
  const work = pkg.work('init');
  // The quickstart's `npx task-agents init my-agents`, with the tarball as the dependency and npm install done offline below.
  const init = await run(pkg.bin, ['init', 'my-agents', '--no-install', '--dependency', `file:${pkg.tarball}`], { cwd: work });
  assert.equal(init.code, 0, init.stderr);
  assert.match(init.stdout, /next: cd my-agents && npm install && npm start && npm test/);
  const demo = join(work, 'my-agents');
  for (const f of ['agent.ts', 'agent.test.mjs', 'tsconfig.json', 'package.json', '.gitignore', 'README.md', 'demo-project/project.db']) {
    assert.ok(existsSync(join(demo, f)), `${f} is scaffolded`);
  }
  const manifest = JSON.parse(readFileSync(join(demo, 'package.json'), 'utf8'));
  assert.equal(manifest.name, 'my-agents');
  assert.equal(manifest.dependencies['task-agents'], `file:${pkg.tarball}`);
  assert.ok(manifest.devDependencies.typescript);
  assert.doesNotMatch(readFileSync(join(demo, 'README.md'), 'utf8'), /\{\{/);

  // What init's own `npm install` does, offline: the packed install's tree linked in first.
  execFileSync('cp', ['-al', join(pkg.prefix, 'node_modules'), join(demo, 'node_modules')]);
  const install = await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: demo });
  assert.equal(install.code, 0, install.stderr);

  const start = await run('npm', ['start'], { cwd: demo });
  assert.equal(start.code, 0, start.stdout + start.stderr);
  assert.match(start.stdout, /pre-label: attempted 8, moved \{labelled: 8\}/);
  assert.match(start.stdout, /triage: attempted 8, moved \{(review|accept): \d, (review|accept): \d\}/);

  const t = await run('npm', ['test'], { cwd: demo });
  assert.equal(t.code, 0, t.stdout + t.stderr);
  assert.match(t.stdout + t.stderr, /pass 1\b/);

  // User code importing the Encord client type-checks too (its .d.ts ships).
  writeFileSync(
    join(demo, 'encord.ts'),
    `import { createEncordPlatform } from 'task-agents/encord';\nexport const make: typeof createEncordPlatform = createEncordPlatform;\n`,
  );
  const tsc = await run(join(demo, 'node_modules', '.bin', 'tsc'), ['--noEmit', '-p', demo], { cwd: demo });
  assert.equal(tsc.code, 0, tsc.stdout + tsc.stderr);
  assert.doesNotMatch(readFileSync(join(demo, 'tsconfig.json'), 'utf8'), /skipLibCheck/);
});

test('--template NAME copies any template folder and fills its placeholders; an unknown NAME lists the templates', async () => {
  const templates = join(pkg.prefix, 'node_modules', 'task-agents', 'templates');
  const name = `extra-${process.pid}`;
  mkdirSync(join(templates, name, 'src'), { recursive: true });
  writeFileSync(join(templates, name, 'package.json'), '{"name":"{{name}}","dependencies":{"task-agents":"{{dependency}}"}}');
  writeFileSync(join(templates, name, 'src', 'notes.md'), 'made with task-agents {{version}}, keep {{unknown}}');
  writeFileSync(join(templates, name, 'model.bin'), Buffer.from([0, 1, 2, 0x7b, 0x7b]));
  try {
    const work = pkg.work('tmpl');
    const r = await run(pkg.bin, ['init', 'My Agents', '--template', name, '--no-install'], { cwd: work });
    assert.equal(r.code, 0, r.stderr);
    const out = join(work, 'My Agents');
    const version = JSON.parse(readFileSync(join(pkg.prefix, 'node_modules', 'task-agents', 'package.json'), 'utf8')).version;
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'package.json'), 'utf8')), {
      name: 'my-agents',
      dependencies: { 'task-agents': `^${version}` },
    });
    assert.equal(readFileSync(join(out, 'src', 'notes.md'), 'utf8'), `made with task-agents ${version}, keep {{unknown}}`);
    assert.deepEqual([...readFileSync(join(out, 'model.bin'))], [0, 1, 2, 0x7b, 0x7b]);
    assert.ok(!existsSync(join(out, 'demo-project')), 'no template.json: no demo project');

    const unknown = await run(pkg.bin, ['init', 'x', '--template', 'no-such-template', '--no-install'], { cwd: work });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /TA_CFG_TEMPLATE_UNKNOWN/);
    assert.match(unknown.stderr, new RegExp(`available templates: default \\(.*${name}`));
    assert.ok(!existsSync(join(work, 'x')));

    const again = await run(pkg.bin, ['init', 'My Agents', '--template', name, '--no-install'], { cwd: work });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /TA_CFG_DIR_NOT_EMPTY/);
  } finally {
    rmSync(join(templates, name), { recursive: true, force: true });
  }
});
