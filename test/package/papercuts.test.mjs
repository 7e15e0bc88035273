// Migration papercuts, from the packed tarball outside the repository: --project-hash, `node
// agent.mjs --help`, the timeout note in --help, `project import` of a missing path, `project
// show`, `project status <UUID>` without credentials.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installedPackage, run, testProject } from './packed.mjs';

let pkg;
let work;
let project;
before(async () => {
  pkg = await installedPackage();
  work = pkg.work('papercuts');
  project = await testProject(pkg, join(work, 'p'), 3);
  writeFileSync(
    join(work, 'agent.mjs'),
    `import { Runner } from 'task-agents';
const runner = new Runner();
runner.stage('pre-label', () => 'labelled');
export default runner;
runner.runIfMain(import.meta);
`,
  );
});

test('--project-hash is --project; a conflicting pair is a usage error', async () => {
  const r = await run(pkg.bin, ['run', 'agent.mjs', '--project-hash', project, '--dry-run', '--json', '--threads', '1'], { cwd: work });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json.decisions.length, 3);
  const both = await run(pkg.bin, ['run', 'agent.mjs', '--project', project, '--project-hash', 'other', '--json'], { cwd: work });
  assert.equal(both.code, 2);
  assert.equal(both.json.error.code, 'TA_CFG_INVALID');
});

test('`node agent.mjs --help` shows no AGENT_MODULE argument; --help says a timed-out attempt is not retried', async () => {
  const r = await run(process.execPath, ['agent.mjs', '--help'], { cwd: work });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /AGENT_MODULE/);
  assert.match(r.stdout, /--project-hash/);
  const cli = await run(pkg.bin, ['run', '--help'], { cwd: work });
  assert.match(cli.stdout, /\[AGENT_MODULE\]/);
  assert.match(cli.stdout.replace(/\s+/g, ' '), /timed-out attempt is not retried/);
});

test('project import of a missing path exits 2 and imports nothing', async () => {
  const r = await run(pkg.bin, ['project', 'import', project, join(work, 'nonexistent')], { cwd: work });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /TA_CFG_INVALID: no such file or folder/);
  assert.doesNotMatch(r.stdout, /imported/);
  const show = await run(pkg.bin, ['project', 'show', project, '--json'], { cwd: work });
  assert.equal(show.json.stages.find((s) => s.stage === 'pre-label').tasks, 3);
});

test('project show prints the workflow, the ontology and tasks per stage', async () => {
  const r = await run(pkg.bin, ['project', 'show', project], { cwd: work });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /workflow:\n {2}pre-label +AGENT +3 tasks\n {4}→ labelled → triage/);
  assert.match(r.stdout, /ontology:/);
  const j = await run(pkg.bin, ['project', 'show', project, '--json'], { cwd: work });
  assert.deepEqual(
    j.json.stages.map((s) => s.stage),
    ['pre-label', 'triage', 'Annotate', 'Complete'],
  );
  assert.ok(Array.isArray(j.json.ontology.objects) && Array.isArray(j.json.ontology.classifications));
});

test('project status <UUID> goes to Encord: without a key it says so (exit 3)', async () => {
  const r = await run(pkg.bin, ['project', 'status', '00000000-0000-4000-8000-000000000000', '--json'], {
    cwd: work,
    env: { ENCORD_SSH_KEY: '', ENCORD_SSH_KEY_FILE: '' },
  });
  assert.equal(r.code, 3, r.stderr);
  assert.equal(r.json.error.code, 'TA_AUTH_KEY_MISSING');
});
