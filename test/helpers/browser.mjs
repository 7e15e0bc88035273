// A real headless browser for page tests: Debian's chromium (scripts/setup.sh installs it) driven
// by playwright-core, which never downloads a browser of its own. A fresh profile per launch.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM = process.env.TA_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

/** Why no browser test can run here, or null. */
export function browserMissing() {
  return existsSync(CHROMIUM) ? null : `no browser at ${CHROMIUM} (scripts/setup.sh installs Debian's chromium; TA_CHROMIUM points elsewhere)`;
}

/** Launches chromium with a fresh --user-data-dir; `close()` ends it and removes the profile. */
export async function launchBrowser({ width = 1280, height = 800 } = {}) {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'ta-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width, height } });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
