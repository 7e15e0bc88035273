// The packed tarball (`npm pack` of the built repo) installed into a temp folder outside the
// repository, as a user's project would have it. Packed once per test process; the install is
// shared by every test file of a run through a folder keyed by the tarball's hash (a mkdir lock
// makes concurrent files wait for the first). Installing from the registry builds better-sqlite3
// and beamcoder from source (about 3 min here), so the install is offline: the repository's own
// node_modules is hard-linked in (0.7 s) and `npm install --offline` then adds the tarball and
// prunes what the package does not need (2 s). `TA_TEST_REGISTRY_INSTALL=1` installs from the
// registry instead.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT, exec } from '../helpers/cli.mjs';

const NPM_ENV = { SKIP_FFMPEG: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };

let packed;

/** `npm pack` of the repository (dist must be built), once per process. */
export function packTarball() {
  if (packed) return packed;
  const dir = mkdtempSync(join(tmpdir(), 'ta-pack-'));
  const name = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop();
  const tarball = join(dir, name);
  const hash = createHash('sha256').update(readFileSync(tarball)).digest('hex').slice(0, 16);
  packed = { tarball, hash };
  return packed;
}

/** Removes installs of other tarballs left by earlier runs (older than an hour). */
function sweepOldInstalls(keep) {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith('ta-packed-') || name === keep) continue;
    const p = join(tmpdir(), name);
    try {
      if (Date.now() - statSync(p).mtimeMs > 3_600_000) rmSync(p, { recursive: true, force: true });
    } catch {
      /* another run's */
    }
  }
}

/**
 * { prefix, tarball, bin, work() }: `prefix/node_modules` holds task-agents (from the tarball) and
 * typescript; `prefix` has no package.json, so a folder made by `work()` under it is a folder
 * without one unless the test writes one.
 */
export async function installedPackage() {
  const { tarball, hash } = packTarball();
  const name = `ta-packed-${hash}`;
  const prefix = join(tmpdir(), name);
  const ready = join(prefix, '.ready');
  const lock = join(tmpdir(), `${name}.lock`);
  sweepOldInstalls(name);
  for (;;) {
    if (existsSync(ready)) break;
    try {
      mkdirSync(lock);
    } catch {
      await sleep(250);
      continue;
    }
    try {
      if (!existsSync(ready)) install(prefix, tarball);
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  return {
    prefix,
    tarball,
    bin: join(prefix, 'node_modules', '.bin', 'task-agents'),
    work: (label = 'w') => mkdtempSync(join(prefix, `${label}-`)),
  };
}

function install(prefix, tarball) {
  rmSync(prefix, { recursive: true, force: true });
  mkdirSync(prefix, { recursive: true });
  const registry = process.env.TA_TEST_REGISTRY_INSTALL === '1';
  const pkgJson = join(prefix, 'package.json');
  const ts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).devDependencies;
  writeFileSync(
    pkgJson,
    JSON.stringify({
      name: 'installed',
      private: true,
      dependencies: { 'task-agents': `file:${tarball}` },
      devDependencies: { typescript: ts.typescript, '@types/node': ts['@types/node'] },
    }),
  );
  if (!registry) execFileSync('cp', ['-al', join(ROOT, 'node_modules'), join(prefix, 'node_modules')]);
  execFileSync('npm', ['install', ...(registry ? [] : ['--offline']), '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: prefix,
    env: { ...process.env, ...NPM_ENV },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // The prefix must not be a package: tests make folders under it with and without package.json.
  unlinkSync(pkgJson);
  rmSync(join(prefix, 'package-lock.json'), { force: true });
  writeFileSync(join(prefix, '.ready'), '');
}

/** Runs a command (no shell) and collects its output; never throws on a non-zero exit. */
export function run(cmd, args, { cwd, env = {}, timeoutMs = 180_000, input } = {}) {
  // NODE_TEST_CONTEXT would make a user's `node --test` inside skip its files (it thinks it is nested in ours).
  const { NODE_TEST_CONTEXT: _, ...inherited } = process.env;
  return exec(cmd, args, { cwd, env: { ...inherited, ...NPM_ENV, ...env }, timeoutMs, input });
}

/** A local test project (the default workflow: agent stages "pre-label" and "triage") made by the installed package. */
export async function testProject(pkg, dir, tasks) {
  const r = await run(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { createTestProject } from 'task-agents/testing'; createTestProject(${JSON.stringify(dir)}, { tasks: ${tasks} }).close();`,
    ],
    { cwd: pkg.prefix },
  );
  if (r.code !== 0) throw new Error(`createTestProject failed: ${r.stderr}`);
  return dir;
}
