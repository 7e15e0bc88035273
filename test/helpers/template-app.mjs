// A user's folder made from a template under templates/ (what `task-agents init DIR --template
// NAME` scaffolds), with its dependencies linked from this repository's node_modules instead of
// installed: `task-agents` is this checkout (its dist/), the template's own packages (e.g.
// onnxruntime-node) are the repository's devDependencies of the same versions.
import { cpSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT } from './cli.mjs';

/** Copies templates/NAME to `dir` and links every dependency its package.json names (plus typescript). */
export function scaffoldTemplate(name, dir) {
  cpSync(join(ROOT, 'templates', name), dir, { recursive: true });
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const names = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})];
  for (const dep of names) {
    const link = join(dir, 'node_modules', dep);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(dep === 'task-agents' ? ROOT : join(ROOT, 'node_modules', dep), link, 'dir');
  }
  return dir;
}
