/** Creates ./demo-project on first use of `node dist/main.js` with no module and no project. */

export const DEMO_PROJECT_DIR = 'demo-project';

export async function ensureDemoProject(dir: string, { quiet }: { quiet: boolean }): Promise<void> {
  // Loaded on use: SQLite, image encoding and FFmpeg are no part of the CLI's start.
  const [{ LocalProject }, { createDemoProject }, { defaultProber }, { demoMedia }] = await Promise.all([
    import('../../platform/local/local-project.js'),
    import('../../platform/local/demo-project.js'),
    import('./media-prober.js'),
    import('./demo-media.js'),
  ]);
  if (LocalProject.exists(dir)) return;
  if (!quiet) process.stderr.write(`creating the demo project in ./${dir} …\n`);
  const p = await createDemoProject(dir, { probe: defaultProber, extraMedia: demoMedia });
  p.close();
}
