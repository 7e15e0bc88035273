// A real headless browser for page tests: Debian's chromium (scripts/setup.sh installs it) driven
// by playwright-core, which never downloads a browser of its own. A fresh profile per launch.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM = process.env.TA_CHROMIUM ?? '/usr/bin/chromium';
// --disable-dev-shm-usage: containers often give /dev/shm 64 MB, too little for a renderer.
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/**
 * Why no browser test can run here, or null. A chromium that is installed but cannot start here
 * (no usable sandbox, shared memory or display libraries) is found by starting it once on a blank
 * page, bounded, instead of by a page test that waits on a browser that never comes.
 */
export function browserMissing() {
  if (!existsSync(CHROMIUM)) return `no browser at ${CHROMIUM} (scripts/setup.sh installs Debian's chromium; TA_CHROMIUM points elsewhere)`;
  const profile = mkdtempSync(join(tmpdir(), 'ta-chromium-probe-'));
  try {
    const r = spawnSync(CHROMIUM, [...FLAGS, `--user-data-dir=${profile}`, '--dump-dom', 'about:blank'], {
      encoding: 'utf8',
      timeout: 60_000,
      killSignal: 'SIGKILL',
    });
    if (r.status === 0 && /<html/i.test(r.stdout)) return null;
    const why = r.error ? r.error.message : `exit ${r.status ?? r.signal}`;
    return `${CHROMIUM} did not render a blank page here (${why}): ${String(r.stderr).trim().split('\n').slice(-3).join(' | ').slice(0, 400)}`;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Launches chromium with a fresh --user-data-dir; `close()` ends it and removes the profile. */
export async function launchBrowser({ width = 1280, height = 800 } = {}) {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'ta-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width, height },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
