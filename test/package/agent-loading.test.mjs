// Agents in .ts, .mts, .cts, .js and .mjs load from a user's own folder, against the packed
// tarball installed outside the repository: in a CommonJS package (`npm init -y`), an ES module
// package, a folder with no package.json, and with a tsconfig that maps `paths` (CommonJS and ESM
// packages, run from another working directory). Each combination runs through the CLI (worker
// threads), through runAgentOnce (ESM and CommonJS test scripts) and, for JavaScript, `node agent`.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installedPackage, run, testProject } from './packed.mjs';

const TASKS = 5;
// Tasks img-000000 … img-000004: even ones go to "labelled", odd ones stay. Proves the agent ran.
const EXPECTED = ['labelled', null, 'labelled', null, 'labelled'];

const ROUTE_TS = `export const route = (title: string): string | null => (Number(title.slice(4, 10)) % 2 === 0 ? 'labelled' : null);\n`;
const esAgent = ({ ts, paths, meta = true }) =>
  [
    `import { Runner } from 'task-agents';`,
    paths
      ? `import { route } from '@lib/route';`
      : `const route = (title${ts ? ': string' : ''}) => (Number(title.slice(4, 10)) % 2 === 0 ? 'labelled' : null);`,
    `const runner = new Runner();`,
    `runner.stage('pre-label', ({ task }) => route(task.dataTitle));`,
    `export default runner;`,
    meta ? `runner.runIfMain(import.meta);` : '',
  ].join('\n');
const cjsAgent = [
  `const { Runner } = require('task-agents');`,
  `const runner = new Runner();`,
  `runner.stage('pre-label', ({ task }) => (Number(task.dataTitle.slice(4, 10)) % 2 === 0 ? 'labelled' : null));`,
  `module.exports = runner;`,
  `runner.runIfMain(module);`,
].join('\n');

/** Layout → how to make it and what each extension's source is. */
const LAYOUTS = {
  commonjs: { pkg: 'npm-init', paths: false },
  esm: { pkg: { name: 'esm-agents', version: '1.0.0', type: 'module' }, paths: false },
  'no-package-json': { pkg: null, paths: false },
  'paths-commonjs': { pkg: 'npm-init', paths: true },
  'paths-esm': { pkg: { name: 'paths-agents', version: '1.0.0', type: 'module' }, paths: true },
};
const EXTS = ['ts', 'mts', 'cts', 'js', 'mjs'];

function source(layout, ext) {
  const { pkg, paths } = LAYOUTS[layout];
  const isEsmPackage = pkg !== null && pkg !== 'npm-init';
  if (ext === 'js') return isEsmPackage ? esAgent({ ts: false, paths: false }) : cjsAgent;
  if (ext === 'mjs') return esAgent({ ts: false, paths: false });
  // `.cts` compiles to CommonJS, where import.meta is empty (runIfMain is for entry points anyway).
  return esAgent({ ts: true, paths, meta: ext !== 'cts' });
}

let pkg;
let project;
const dirs = {};

before(async () => {
  pkg = await installedPackage();
  const work = pkg.work('loading');
  project = await testProject(pkg, join(work, 'project'), TASKS);
  for (const [layout, spec] of Object.entries(LAYOUTS)) {
    const dir = join(work, layout);
    mkdirSync(dir);
    if (spec.pkg === 'npm-init') {
      const r = await run('npm', ['init', '-y'], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
    } else if (spec.pkg) writeFileSync(join(dir, 'package.json'), JSON.stringify(spec.pkg));
    // Agents live one level down in the paths layouts, so the tsconfig is found from the module, not the cwd.
    const agentDir = spec.paths ? join(dir, 'src') : dir;
    mkdirSync(agentDir, { recursive: true });
    if (spec.paths) {
      mkdirSync(join(dir, 'lib'));
      writeFileSync(join(dir, 'lib', 'route.ts'), ROUTE_TS);
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: { baseUrl: '.', paths: { '@lib/*': ['lib/*'] }, module: 'NodeNext', moduleResolution: 'NodeNext', strict: true },
        }),
      );
    }
    for (const ext of EXTS) writeFileSync(join(agentDir, `agent.${ext}`), source(layout, ext));
    dirs[layout] = { dir, agentDir };
  }
});

const decisionsOf = (summary) => {
  const byTitle = new Map(summary.decisions.map((d) => [d.taskUuid, d.pathway]));
  return byTitle;
};

function assertRouted(summary, what) {
  assert.equal(summary.ok, true, `${what}: ${JSON.stringify(summary.failures ?? summary.error)}`);
  const pathways = summary.decisions.map((d) => d.pathway).sort();
  assert.deepEqual(pathways, EXPECTED.slice().sort(), what);
  assert.equal(decisionsOf(summary).size, TASKS, what);
}

for (const layout of Object.keys(LAYOUTS)) {
  test(`${layout}: every extension loads through the CLI (worker threads)`, async () => {
    const { dir, agentDir } = dirs[layout];
    for (const ext of EXTS) {
      // The paths layouts run from their parent folder: the tsconfig must be found from the module.
      const cwd = LAYOUTS[layout].paths ? pkg.prefix : dir;
      const r = await run(pkg.bin, ['run', join(agentDir, `agent.${ext}`), '--project', project, '--dry-run', '--json', '--threads', '1'], {
        cwd,
      });
      assert.ok(r.json, `${layout} .${ext}: no JSON on stdout\n${r.stdout}\n${r.stderr}`);
      assertRouted(r.json, `${layout} .${ext} (exit ${r.code})`);
      assert.equal(r.code, 0);
    }
  });

  test(`${layout}: every extension loads through runAgentOnce`, async () => {
    const { dir, agentDir } = dirs[layout];
    const files = EXTS.map((e) => join(agentDir, `agent.${e}`));
    const esm = `import { runAgentOnce } from 'task-agents/testing';
const out = [];
for (const f of ${JSON.stringify(files)}) out.push((await runAgentOnce(f, { project: ${JSON.stringify(project)} })).summary);
process.stdout.write(JSON.stringify(out));`;
    writeFileSync(join(dir, 'check.mjs'), esm);
    const scripts = ['check.mjs'];
    if (LAYOUTS[layout].pkg === 'npm-init' || LAYOUTS[layout].pkg === null) {
      // A CommonJS test file requires the ES-module package (require(esm), Node >= 20.19).
      writeFileSync(
        join(dir, 'check.js'),
        `const { runAgentOnce } = require('task-agents/testing');
(async () => {
  const out = [];
  for (const f of ${JSON.stringify(files)}) out.push((await runAgentOnce(f, { project: ${JSON.stringify(project)} })).summary);
  process.stdout.write(JSON.stringify(out));
})();`,
      );
      scripts.push('check.js');
    }
    for (const script of scripts) {
      const r = await run(process.execPath, [script], { cwd: dir });
      assert.equal(r.code, 0, `${layout} ${script}: ${r.stderr}`);
      r.json.forEach((summary, i) => assertRouted(summary, `${layout} ${script} .${EXTS[i]}`));
    }
  });

  test(`${layout}: \`node agent.js\` and \`node agent.mjs\` run themselves (runIfMain)`, async () => {
    const { agentDir } = dirs[layout];
    for (const ext of ['js', 'mjs']) {
      const r = await run(process.execPath, [`agent.${ext}`, '--project', project, '--dry-run', '--json', '--threads', '1'], {
        cwd: agentDir,
      });
      assert.ok(r.json, `${layout} node agent.${ext}: ${r.stderr}`);
      assertRouted(r.json, `${layout} node agent.${ext}`);
    }
  });
}
