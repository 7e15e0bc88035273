// A full disk under a local project: the writes that do not fit fail their tasks with
// TA_PLATFORM_STORAGE_FULL (or TA_PLATFORM_STORAGE_FAILED) and a hint, the run ends with its JSON
// summary and exit 1 (no TA_INTERNAL, no raw stack), the database passes SQLite's integrity
// check, and once there is room a re-run finishes exactly the tasks that failed.
// Two real limits: a 64 MiB tmpfs mounted in a private mount namespace (`unshare -rm`; skipped
// where user namespaces are not allowed), and a per-file size limit (`ulimit -f`, RLIMIT_FSIZE),
// which works everywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MAIN, ROOT, agent, lines, tmp } from '../helpers/cli.mjs';
import { makeProject, stageCounts, labelledCount } from '../helpers/projects.mjs';

const N = 600;
const CODES = ['TA_PLATFORM_STORAGE_FULL', 'TA_PLATFORM_STORAGE_FAILED'];
const canUnshare = spawnSync('unshare', ['-rm', 'sh', '-c', 'mount -t tmpfs -o size=1m tmpfs /mnt'], { stdio: 'ignore' }).status === 0;

/**
 * Runs `script` (bash; in its own user + mount namespace with `namespace`) with OUT, MAIN, AGENT,
 * ROOT set; the runs it makes write run1/run2 JSON, stderr and exit codes to OUT, and the
 * integrity check to OUT/integrity.
 */
function shell(script, env, { namespace = false } = {}) {
  const [cmd, args] = namespace ? ['unshare', ['-rm', 'bash', '-c', script]] : ['bash', ['-c', script]];
  const r = spawnSync(cmd, args, { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 240_000 });
  assert.equal(r.status, 0, `script failed: ${r.stderr}`);
}

const RUN_CMD = 'node "$MAIN" run "$AGENT" --project "$P" --json --threads 2 --task-batch-size 50';
const RUN = (n) => `${RUN_CMD} > "$OUT/run${n}.json" 2> "$OUT/run${n}.err"; echo $? > "$OUT/rc${n}"`;
// The same under a file-size limit of KIB: the JSON goes through a pipe to a writer outside the
// limit (a summary of many failures is larger than the limit, which would cut the document).
const LIMITED_RUN = (n, kib) =>
  `(ulimit -f ${kib}; exec ${RUN_CMD} 2> "$OUT/run${n}.err") | cat > "$OUT/run${n}.json"; echo \${PIPESTATUS[0]} > "$OUT/rc${n}"`;
const INTEGRITY = `node -e 'const D = require(process.argv[1] + "/node_modules/better-sqlite3"); const db = new D(process.argv[2], { readonly: true }); console.log(db.pragma("integrity_check", { simple: true }))' "$ROOT" "$P/project.db" > "$OUT/integrity" 2>&1 || true`;

const movedIn = (stage) => Object.values(stage.moved).reduce((a, b) => a + b, 0);

function check(out, p, log) {
  const rc1 = Number(readFileSync(join(out, 'rc1'), 'utf8'));
  const run1 = JSON.parse(readFileSync(join(out, 'run1.json'), 'utf8'));
  const err1 = readFileSync(join(out, 'run1.err'), 'utf8');
  assert.equal(rc1, 1, err1);
  assert.equal(run1.ok, false);
  assert.doesNotMatch(err1, /^\s+at /m, 'no raw stack');
  assert.ok(run1.failures.length > 0, 'some writes did not fit');
  for (const f of run1.failures) {
    assert.ok(CODES.includes(f.code), `${f.code}: ${f.message}`);
    assert.match(f.hint, /Free space|Check the disk/);
  }
  for (const e of run1.errors) assert.ok(CODES.includes(e.code), `${e.code}: ${e.message}`);
  assert.equal(readFileSync(join(out, 'integrity'), 'utf8').trim(), 'ok', 'the database is intact');
  const rc2 = Number(readFileSync(join(out, 'rc2'), 'utf8'));
  const run2 = JSON.parse(readFileSync(join(out, 'run2.json'), 'utf8'));
  assert.equal(rc2, 0, readFileSync(join(out, 'run2.err'), 'utf8'));
  const runs = { 'pre-label': new Map(), triage: new Map() };
  for (const l of lines(log)) {
    const [stage, uuid] = l.split(' ');
    runs[stage].set(uuid, (runs[stage].get(uuid) ?? 0) + 1);
  }
  run1.stages.forEach((s1, i) => {
    const s2 = run2.stages[i];
    assert.equal(s2.attempted, N - movedIn(s1), `${s1.stage}: the re-run picks up exactly what was left`);
    assert.equal(movedIn(s1) + movedIn(s2), N, `${s1.stage}: every task moved once over both runs`);
    // Only tasks that failed ran again (a task failed in its prefetch never reached the agent the first time).
    const failed1 = new Set(run1.failures.filter((f) => f.stage === s1.stage).map((f) => f.taskUuid));
    const twice = [...runs[s1.stage]].filter(([, k]) => k === 2).map(([u]) => u);
    assert.ok(
      twice.every((u) => failed1.has(u)),
      `${s1.stage}: a task that moved ran again`,
    );
    assert.ok([...runs[s1.stage].values()].every((k) => k <= 2));
    assert.equal(runs[s1.stage].size, N);
  });
  assert.deepEqual(stageCounts(p), { 'pre-label': 0, triage: 0, Annotate: N / 2, Complete: N / 2 });
  assert.equal(labelledCount(p), N);
  return run1;
}

test(
  'disk full on a real 64 MiB tmpfs (filled to 1.5 MiB free): storage-coded failures, intact database, re-run finishes',
  { skip: !canUnshare && 'unshare -rm (user + mount namespaces) is not allowed here' },
  () => {
    const { dir } = makeProject(N);
    const out = tmp('ta-full-');
    const mnt = tmp('ta-mnt-');
    const log = join(out, 'log');
    // Inside the namespace: mount, copy the project in, fill the disk to 1.5 MiB free, run, check,
    // make room, run again, copy the project back out for the assertions.
    shell(
      `mount -t tmpfs -o size=64m tmpfs "$MNT" && mkdir "$MNT/p" && cp -a "$SRC"/. "$MNT/p" || exit 1
    P="$MNT/p"
    avail=$(df -k --output=avail "$MNT" | tail -1)
    head -c $(( (avail - $LEAVE_KIB) * 1024 )) /dev/zero > "$MNT/filler" 2>/dev/null
    ${RUN(1)}
    ${INTEGRITY}
    rm "$MNT/filler"
    ${RUN(2)}
    rm -rf "$SRC" && mkdir "$SRC" && cp -a "$P"/. "$SRC"`,
      { MNT: mnt, SRC: dir, OUT: out, MAIN, ROOT, AGENT: agent('two-stage-labels.mjs'), TA_LOG: log, LEAVE_KIB: '1500' },
      { namespace: true },
    );
    const run1 = check(out, dir, log);
    assert.ok(
      run1.failures.some((f) => f.code === 'TA_PLATFORM_STORAGE_FULL'),
      'ENOSPC is reported as a full disk',
    );
  },
);

test('disk full as a per-file size limit (ulimit -f): storage-coded failures, intact database, re-run finishes', () => {
  const { dir } = makeProject(N);
  const out = tmp('ta-fsize-');
  const log = join(out, 'log');
  // The limit (in KiB) sits just above the database as it is: label rows soon do not fit.
  const kib = Math.ceil(statSync(join(dir, 'project.db')).size / 1024) + 48;
  shell(
    `P="$SRC"
    ${LIMITED_RUN(1, kib)}
    ${INTEGRITY}
    ${RUN(2)}`,
    { SRC: dir, OUT: out, MAIN, ROOT, AGENT: agent('two-stage-labels.mjs'), TA_LOG: log },
  );
  check(out, dir, log);
});
