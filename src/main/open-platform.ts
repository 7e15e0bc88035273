/** `--project` → a Platform: a local project directory, or an Encord project UUID. */
import { existsSync } from 'node:fs';
import type { Platform } from '../platform/platform.js';
import { LocalPlatform } from '../platform/local/local-platform.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isProjectUuid(project: string): boolean {
  return UUID_RE.test(project) && !existsSync(project);
}

export async function openPlatform(project: string): Promise<Platform> {
  if (isProjectUuid(project)) {
    const { openEncordPlatform } = await import('./open-encord.js');
    return openEncordPlatform(project);
  }
  return new LocalPlatform(project);
}
