// BullMQ and ioredis are optional peer dependencies: a plain install of the packed tarball has
// neither, local runs work, and queue mode (run --queue, worker) fails with a coded error naming
// the install command, before any task is touched.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installedPackage, run, testProject } from './packed.mjs';

let pkg;
let work;
let project;
before(async () => {
  pkg = await installedPackage();
  work = pkg.work('queue');
  project = await testProject(pkg, join(work, 'p'), 3);
  writeFileSync(
    join(work, 'agent.mjs'),
    `import { Runner } from 'task-agents';
const runner = new Runner();
runner.stage('pre-label', () => 'labelled');
export default runner;
`,
  );
});

test('a plain install has no bullmq or ioredis, and local runs do not need them', async () => {
  for (const dep of ['bullmq', 'ioredis']) assert.ok(!existsSync(join(pkg.prefix, 'node_modules', dep)), `${dep} is not installed`);
  const r = await run(pkg.bin, ['run', 'agent.mjs', '--project', project, '--dry-run', '--json', '--threads', '1'], { cwd: work });
  assert.equal(r.code, 0, r.stderr);
});

test('run --queue and worker without them: TA_CFG_QUEUE_DEPS_MISSING with the install command, exit 2, nothing moved', async () => {
  const r = await run(pkg.bin, ['run', 'agent.mjs', '--project', project, '--queue', 'redis://127.0.0.1:9', '--json'], { cwd: work });
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.json.error.code, 'TA_CFG_QUEUE_DEPS_MISSING');
  assert.match(r.json.error.hint, /npm install bullmq@\^6\.7\.0 ioredis@\^6\.0\.0/);
  const w = await run(pkg.bin, ['worker', 'agent.mjs', '--queue', 'redis://127.0.0.1:9'], { cwd: work });
  assert.equal(w.code, 2, w.stderr);
  assert.match(w.stderr, /TA_CFG_QUEUE_DEPS_MISSING: queue mode needs bullmq and ioredis/);
  const show = await run(pkg.bin, ['project', 'show', project, '--json'], { cwd: work });
  assert.equal(show.json.stages.find((s) => s.stage === 'pre-label').tasks, 3);
});
