// Several projects in one run (`--project` repeated): each runs the registered stages it has, the
// others are skipped with a note, summaries are per project, one worker pool serves them all —
// locally and through the emulator, including twin projects whose stages share their UUIDs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { MAIN, ROOT, agent, cli, lines, tmp } from '../helpers/cli.mjs';
import { makeKey, startEmulator } from '../helpers/emulator.mjs';
import { startRedis } from '../helpers/redis.mjs';
import { makeProject, makeTwin, singleAgentWorkflow, stageCounts } from '../helpers/projects.mjs';

function run(module, projects, args = [], env = {}) {
  return cli(['run', agent(module), ...projects.flatMap((p) => ['--project', p]), '--json', ...args], { env });
}

test('two projects with different workflows: each runs its own stages, the rest is skipped with a note; per-project summaries', async () => {
  const a = makeProject(9, { title: 'A' });
  const b = makeProject(6, { title: 'B', workflow: singleAgentWorkflow().workflow });
  const log = join(tmp(), 'log');
  const r = await run('multi-project.mjs', [a.dir, b.dir], ['--threads', '2', '--task-batch-size', '4'], { TA_LOG: log });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(stageCounts(a.dir), { 'pre-label': 0, triage: 0, Annotate: 0, Complete: 9 });
  assert.deepEqual(stageCounts(b.dir), { 'Agent 1': 0, Annotate: 0, Complete: 6 });
  assert.deepEqual(
    r.json.projects.map((p) => [p.title, p.projectHash, p.ok]),
    [
      ['A', a.info.projectHash, true],
      ['B', b.info.projectHash, true],
    ],
  );
  assert.deepEqual(
    r.json.projects[0].stages.map((s) => [s.stage, s.attempted]),
    [
      ['pre-label', 9],
      ['triage', 9],
    ],
  );
  assert.deepEqual(
    r.json.projects[1].stages.map((s) => [s.stage, s.attempted]),
    [['Agent 1', 6]],
  );
  assert.deepEqual(
    r.json.projects[0].skippedStages.map((s) => s.stage),
    ['Agent 1'],
  );
  assert.deepEqual(
    r.json.projects[1].skippedStages.map((s) => s.stage),
    ['pre-label', 'triage'],
  );
  assert.match(r.json.projects[1].skippedStages[0].note, /project "B" has no stage "pre-label"/);
  // The flat view tags every stage with its project.
  assert.deepEqual(
    r.json.stages.map((s) => s.project),
    [a.info.projectHash, a.info.projectHash, b.info.projectHash],
  );
  const logged = lines(log);
  assert.deepEqual(logged.filter((l) => l.startsWith('pre ')).sort(), ['pre A', 'pre B']);
  assert.equal(logged.filter((l) => l.startsWith('Agent 1 B ')).length, 6);
  assert.equal(logged.filter((l) => l.startsWith('triage A ')).length, 9);
  // The text summary names both projects and the skipped stages.
  const text = await cli(['run', agent('multi-project.mjs'), '--project', a.dir, '--project', b.dir]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /project A \(/);
  assert.match(text.stdout, /note: project "A" has no stage "Agent 1"; skipped there/);
});

test('a project with none of the registered stages stops the run before any task of any project (exit 2)', async () => {
  const a = makeProject(4, { title: 'A', workflow: singleAgentWorkflow().workflow });
  const b = makeProject(4, { title: 'B', workflow: singleAgentWorkflow().workflow });
  const r = await run('chain.mjs', [a.dir, b.dir]);
  assert.equal(r.code, 2);
  assert.equal(r.json.error.code, 'TA_STAGE_UNKNOWN');
  assert.match(r.json.error.message, /has none of the registered stages/);
  assert.equal(stageCounts(a.dir)['Agent 1'], 4);
  assert.equal(stageCounts(b.dir)['Agent 1'], 4);
});

test('a failure in one project fails that task only; the summary says which project (exit 1)', async () => {
  const a = makeProject(5, { title: 'A' });
  const b = makeProject(5, { title: 'B', workflow: singleAgentWorkflow().workflow });
  const r = await run('multi-project.mjs', [a.dir, b.dir], [], { TA_FAIL_TITLE: 'img-000002.jpg' });
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(
    r.json.failures.map((f) => [f.project, f.code, f.dataTitle]),
    [[b.info.projectHash, 'TA_PATHWAY_UNKNOWN', 'img-000002.jpg']],
  );
  assert.deepEqual(
    r.json.projects.map((p) => p.ok),
    [true, false],
  );
  assert.equal(stageCounts(a.dir).Complete, 5);
  assert.equal(stageCounts(b.dir).Complete, 4);
});

test('--stage with several projects: the projects without it are skipped with a note; in none is a usage error', async () => {
  const a = makeProject(3, { title: 'A' });
  const b = makeProject(3, { title: 'B', workflow: singleAgentWorkflow().workflow });
  const r = await run('multi-project.mjs', [a.dir, b.dir], ['--stage', 'Agent 1']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    r.json.stages.map((s) => [s.stage, s.project]),
    [['Agent 1', b.info.projectHash]],
  );
  assert.ok(r.json.projects[0].skippedStages.some((s) => /--stage "Agent 1"/.test(s.note)));
  assert.deepEqual(stageCounts(a.dir), { 'pre-label': 3, triage: 0, Annotate: 0, Complete: 0 });
  const none = await run('multi-project.mjs', [a.dir, b.dir], ['--stage', 'Annotate']);
  assert.equal(none.code, 2);
  assert.equal(none.json.error.code, 'TA_STAGE_UNKNOWN');
});

test('seeded sweep: twin projects sharing stage UUIDs plus a third project, random sizes, batches and threads, locally and through the emulator', async () => {
  for (const seed of [7, 8]) {
    let s = seed;
    const rand = (n) => Math.floor(((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * n);
    const wf = singleAgentWorkflow();
    const a = makeProject(1 + rand(60), { title: 'A', workflow: wf.workflow });
    const twin = await makeTwin(a.dir);
    const c = makeProject(1 + rand(60), { title: 'C', workflow: singleAgentWorkflow().workflow });
    const sizes = [a, twin, c].map((p) => Object.values(stageCounts(p.dir)).reduce((x, y) => x + y, 0));
    const args = ['--task-batch-size', String(1 + rand(20)), '--threads', String(1 + rand(3))];
    const target = seed % 2 === 0 ? 'encord' : 'local';
    const log = join(tmp(), 'log');
    let r;
    if (target === 'local') {
      r = await run('multi-project.mjs', [a.dir, twin.dir, c.dir], args, { TA_LOG: log });
    } else {
      const key = makeKey();
      const emu = await startEmulator(a.dir, [twin.dir, c.dir, '--authorized-keys', key.pubFile, '--page-size', String(1 + rand(30))]);
      try {
        r = await run('multi-project.mjs', [a.info.projectHash, twin.projectHash, c.info.projectHash], args, {
          TA_LOG: log,
          ENCORD_SSH_KEY_FILE: key.keyFile,
          ENCORD_DOMAIN: emu.url,
          TA_ENCORD_BACKOFF_MS: '5',
        });
      } finally {
        await emu.stop();
      }
    }
    const msg = `seed ${seed} (${target}, ${args.join(' ')}, sizes ${sizes})`;
    assert.equal(r.code, 0, `${msg}: ${r.stderr}`);
    [a, twin, c].forEach((p, i) => {
      assert.equal(stageCounts(p.dir).Complete, sizes[i], msg);
      assert.equal(r.json.projects[i].stages[0].moved.complete, sizes[i], msg);
      assert.equal(r.json.projects[i].stages[0].attempted, sizes[i], msg);
    });
    const agentLines = lines(log).filter((l) => l.startsWith('Agent 1 '));
    assert.equal(agentLines.length, sizes[0] + sizes[1] + sizes[2], msg);
    assert.equal(new Set(agentLines.map((l) => l.split(' ').at(-1))).size, agentLines.length, `${msg}: a task ran twice`);
  }
});

test('queue mode with two projects: one queue run per project, a worker process serves both', async () => {
  const redis = await startRedis();
  const a = makeProject(30, { title: 'A' });
  const b = makeProject(20, { title: 'B', workflow: singleAgentWorkflow().workflow });
  const worker = spawn(process.execPath, [MAIN, 'worker', agent('multi-project.mjs'), '--queue', redis.url, '--threads', '1'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  try {
    await new Promise((resolve, reject) => {
      worker.stdout.on('data', (d) => {
        out += d;
        if (/worker ready on /.test(out)) resolve();
      });
      worker.once('exit', (code) => reject(new Error(`worker exited ${code}`)));
    });
    const r = await run('multi-project.mjs', [a.dir, b.dir], ['--queue', redis.url, '--threads', '1']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.deepEqual(stageCounts(a.dir), { 'pre-label': 0, triage: 0, Annotate: 0, Complete: 30 });
    assert.deepEqual(stageCounts(b.dir), { 'Agent 1': 0, Annotate: 0, Complete: 20 });
  } finally {
    worker.removeAllListeners('exit');
    await new Promise((res) => {
      if (worker.exitCode !== null) return res();
      worker.once('exit', res);
      worker.kill('SIGTERM');
    });
    await redis.stop();
  }
  assert.equal((out.match(/^joined run /gm) ?? []).length, 2, out);
});

test("deps.client() in a run over two projects is each task's own project, on one thread too", async () => {
  for (const threads of ['1', '2']) {
    const a = makeProject(5, { title: 'A' });
    const b = makeProject(5, { title: 'B' });
    const log = join(tmp(), 'log');
    const r = await run('client-per-project.mjs', [a.dir, b.dir], ['--threads', threads, '--task-batch-size', '2'], { TA_LOG: log });
    assert.equal(r.code, 0, r.stderr);
    const logged = lines(log);
    assert.equal(logged.length, 10);
    assert.deepEqual([...new Set(logged.map((l) => l.split(' ')[0]))].sort(), ['A', 'B']);
    for (const l of logged) {
      const [task, client] = l.split(' ');
      assert.equal(client, task, `a task of project ${task} got the client of project ${client} (--threads ${threads})`);
    }
  }
});
