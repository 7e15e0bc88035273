// A user's folder made by `task-agents init DIR --template NAME --no-install`, with its
// dependencies linked from this repository's node_modules instead of installed: `task-agents` is
// this checkout (its dist/), the template's own packages (e.g. onnxruntime-node) are the
// repository's devDependencies of the same versions.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MAIN, ROOT } from './cli.mjs';

/** Scaffolds templates/NAME into `dir` through the CLI and links every dependency its package.json names. */
export function scaffoldTemplate(name, dir) {
  execFileSync(process.execPath, [MAIN, 'init', dir, '--template', name, '--no-install'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const names = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})];
  for (const dep of names) {
    const link = join(dir, 'node_modules', dep);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(dep === 'task-agents' ? ROOT : join(ROOT, 'node_modules', dep), link, 'dir');
  }
  return dir;
}
