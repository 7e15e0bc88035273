/** `--project` → a Platform: a local project directory, or an Encord project UUID. */
import { existsSync } from 'node:fs';
import type { Platform } from '../platform/platform.js';
import { LocalPlatform } from '../platform/local/local-platform.js';
import { isProjectHash } from '../shared/project-hash.js';
import type { CredentialsOption } from '../platform/encord/credentials.js';

/** An Encord project UUID, unless a directory of that name exists (then it is a local project). */
export function isProjectUuid(project: string): boolean {
  return isProjectHash(project) && !existsSync(project);
}

/** `credentials` (explicit Encord credentials) are used for Encord projects only; local projects need none. */
export async function openPlatform(project: string, credentials?: CredentialsOption): Promise<Platform> {
  if (isProjectUuid(project)) {
    const { openEncordPlatform } = await import('./open-encord.js');
    return openEncordPlatform(project, credentials);
  }
  return new LocalPlatform(project);
}
