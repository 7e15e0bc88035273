/**
 * Resolves a project-relative media path inside a media folder and refuses anything that leaves
 * it (`..`, absolute paths, symlinks pointing out), so a crafted storage item cannot read
 * arbitrary files. Used by the local project (main thread) and by media dependencies (workers).
 */
import { existsSync, realpathSync } from 'node:fs';
import { isAbsolute, resolve, sep } from 'node:path';
import { TaskAgentError } from './errors.js';

export function confinedMediaPath(mediaDir: string, relPath: string): string {
  const outside = () =>
    new TaskAgentError('TA_MEDIA_OUTSIDE_PROJECT', `media path "${relPath}" is outside the project media folder`, {
      hint: 'keep media inside DIR/media',
    });
  const root = existsSync(mediaDir) ? realpathSync(mediaDir) : resolve(mediaDir);
  if (isAbsolute(relPath)) throw outside();
  const p = resolve(root, relPath);
  if (p !== root && !p.startsWith(root + sep)) throw outside();
  if (existsSync(p)) {
    const real = realpathSync(p);
    if (!real.startsWith(root + sep)) throw outside();
    return real;
  }
  return p;
}
