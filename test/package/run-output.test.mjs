// What a run prints, from the packed tarball in a folder outside the repository: stacks of
// failures (--json, text, --verbose), agent console output never on stdout under --json, and the
// progress display under a real pseudo-terminal (util-linux `script`): ticks per task, "waiting"
// for a stage not started, failures and ETA, frames/s on a media stage, log lines above the
// progress lines, and the pass line of --refresh-every.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installedPackage, run, testProject } from './packed.mjs';

let pkg;
let work;

// Writes to stdout three ways (console.log, console.error, a partial process.stdout.write) and fails every 4th task.
const NOISY = `import { Runner } from 'task-agents';
const runner = new Runner();
console.log('module loaded');
function check(title) {
  if (Number(title.slice(4, 10)) % 4 === 3) throw new Error('bad data in ' + title);
}
runner.stage('pre-label', async ({ task }) => {
  console.log('working on', task.dataTitle);
  process.stdout.write('partial ');
  process.stdout.write('line\\n');
  console.error('to stderr');
  await new Promise((r) => setTimeout(r, Number(process.env.SLOW_MS ?? 0)));
  check(task.dataTitle);
  return 'labelled';
});
runner.stage('triage', () => 'accept');
export default runner;
`;

before(async () => {
  pkg = await installedPackage();
  work = pkg.work('output');
  writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'output', type: 'module' }));
  writeFileSync(join(work, 'noisy.mjs'), NOISY);
});

test('--json: stdout is one JSON document whatever the agent prints; its output goes to stderr under the task title; every failure has its stack', async () => {
  for (const threads of ['1', '2']) {
    const project = await testProject(pkg, join(work, `p-json-${threads}`), 8);
    const r = await run(pkg.bin, ['run', 'noisy.mjs', '--project', project, '--json', '--threads', threads, '--num-retries', '0'], {
      cwd: work,
    });
    assert.ok(r.json, `stdout is not one JSON document:\n${r.stdout.slice(0, 500)}`);
    assert.equal(r.code, 1);
    assert.equal(r.json.failures.length, 2);
    for (const f of r.json.failures) {
      const lines = f.stack.split('\n');
      assert.match(lines[0], /bad data in img-00000[37]\.jpg/);
      // Agent frames first (check, then the agent function), no frame of ours listed.
      assert.match(lines[1], /at check \(.*noisy\.mjs:5:/);
      assert.match(lines[2], /noisy\.mjs:13:/);
      assert.doesNotMatch(f.stack, /node_modules\/task-agents|node:internal/);
    }
    for (let i = 0; i < 8; i++) {
      const title = `img-${String(i).padStart(6, '0')}.jpg`;
      assert.ok(
        r.stderr.includes(`[${title}] working on ${title}\n`),
        `stderr lacks the prefixed line of ${title}:\n${r.stderr.slice(0, 400)}`,
      );
      assert.ok(r.stderr.includes(`[${title}] partial line\n`));
      assert.ok(r.stderr.includes(`[${title}] to stderr\n`));
    }
    assert.ok(r.stderr.includes('[agent] module loaded\n'));
  }
});

test('text summary: the first stack per code; --verbose: every failure with its stack', async () => {
  const project = await testProject(pkg, join(work, 'p-text'), 8);
  const plain = await run(pkg.bin, ['run', 'noisy.mjs', '--project', project, '--threads', '1', '--num-retries', '0', '--dry-run'], {
    cwd: work,
  });
  assert.equal(plain.code, 1, plain.stderr);
  const frames = (s) => s.split('\n').filter((l) => /^\s+at check \(/.test(l)).length;
  assert.equal(frames(plain.stdout), 1, plain.stdout);
  assert.match(plain.stdout, /pre-label: attempted 8, moved \{labelled: 6\}, failed \{TA_AGENT_THREW: 2\}/);
  assert.doesNotMatch(plain.stdout, /\{none\}|stayed 0|0 tasks\/s/);
  const verbose = await run(
    pkg.bin,
    ['run', 'noisy.mjs', '--project', project, '--threads', '1', '--num-retries', '0', '--dry-run', '--verbose'],
    { cwd: work },
  );
  assert.equal(frames(verbose.stdout), 2, verbose.stdout);
});

/** Runs the CLI inside a pseudo-terminal; returns the screen writes split into physical lines, escape codes removed. */
async function underTty(args, { env = {}, cwd = work, wrap = (c) => c } = {}) {
  const cmd = wrap([pkg.bin, ...args].join(' '));
  const r = await run('script', ['-q', '-e', '-c', cmd, '/dev/null'], { cwd, env: { COLUMNS: '120', ...env } });
  // eslint-disable-next-line no-control-regex
  const text = r.stdout.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '\n');
  return {
    ...r,
    lines: text
      .split(/[\r\n]+/)
      .map((l) => l.trimEnd())
      .filter(Boolean),
  };
}

test('TTY: progress ticks per task with rate, failures and ETA; a stage not started reads "waiting"; agent output prints on its own lines', async () => {
  const project = await testProject(pkg, join(work, 'p-tty'), 10);
  // One thread: the whole stage is one chunk, so chunk-level progress would show only 0/10 and 10/10.
  const r = await underTty(['run', 'noisy.mjs', '--project', project, '--threads', '1', '--num-retries', '0'], { env: { SLOW_MS: '200' } });
  assert.equal(r.code, 1, r.stdout.slice(-2000));
  const bar = r.lines.filter((l) => /^ pre-label .*\|/.test(l));
  const seen = new Set(bar.map((l) => Number(/\| (\d+)\/10 tasks/.exec(l)?.[1])));
  assert.ok(seen.size >= 5, `per-task progress: saw ${[...seen].join(', ')}`);
  assert.ok(
    bar.some((l) => /tasks\/s/.test(l) && /ETA \d+/.test(l)),
    bar.join('\n'),
  );
  assert.ok(
    bar.some((l) => /· [12] failed/.test(l)),
    bar.join('\n'),
  );
  assert.ok(
    r.lines.some((l) => /^ triage +waiting$/.test(l)),
    'the second stage reads "waiting" before it starts',
  );
  assert.ok(!r.lines.some((l) => /\b0\/0\b/.test(l)), 'no 0/0 bar');
  const logs = r.lines.filter((l) => l.includes('working on'));
  assert.equal(logs.length, 10);
  for (const l of logs) assert.match(l, /^\[img-\d{6}\.jpg\] working on img-\d{6}\.jpg$/, 'a log line is never inside a progress line');
});

test('TTY: a media stage shows frames/s (the demo agents on the demo project)', async () => {
  const dir = pkg.work('demo');
  const r = await underTty(['--threads', '2'], { cwd: dir });
  assert.equal(r.code, 0, r.lines.slice(-20).join('\n'));
  assert.ok(
    r.lines.some((l) => /^ pre-label .*\d+ frames\/s/.test(l)),
    r.lines.filter((l) => l.startsWith(' pre-label')).join('\n'),
  );
});

test('TTY: --refresh-every shows the pass number and the next poll', async () => {
  const project = await testProject(pkg, join(work, 'p-refresh'), 2);
  const r = await underTty(['run', 'noisy.mjs', '--project', project, '--threads', '1', '--refresh-every', '1'], {
    wrap: (c) => `timeout -s INT 10 ${c}`,
  });
  assert.ok(
    r.lines.some((l) => /^ pass 1 · next poll at \d\d:\d\d:\d\d/.test(l)),
    r.lines.join('\n').slice(-1500),
  );
  assert.ok(
    r.lines.some((l) => /^ pass [23] · next poll at/.test(l)),
    'a later pass is shown',
  );
});
