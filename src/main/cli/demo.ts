/** Creates ./demo-project on first use of `node dist/main.js` with no module and no project. */
import { LocalProject } from '../../platform/local/local-project.js';
import { createDemoProject } from '../../platform/local/demo-project.js';
import { defaultProber } from './media-prober.js';
import { demoMedia } from './demo-media.js';

export const DEMO_PROJECT_DIR = 'demo-project';

export async function ensureDemoProject(dir: string, { quiet }: { quiet: boolean }): Promise<void> {
  if (LocalProject.exists(dir)) return;
  if (!quiet) process.stderr.write(`creating the demo project in ./${dir} …\n`);
  const p = await createDemoProject(dir, { probe: defaultProber, extraMedia: demoMedia });
  p.close();
}
