/**
 * Platforms from plain data: a worker thread opens its own handle from the run's descriptor (it
 * cannot share the main thread's sockets or SQLite handle), and agents reach other projects on
 * the same platform (twin projects, `deps.client().openProject`): on Encord by project hash with
 * the same key and domain; locally by directory, or by the projectHash of a project that lives
 * in a sibling directory of the run's project.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { TaskAgentError } from '../shared/errors.js';
import { isProjectHash } from '../shared/project-hash.js';
import type { Platform, PlatformDescriptor } from './platform.js';
import type { RetryBudget } from './encord/retry-budget.js';
import { LocalProject } from './local/local-project.js';

/** Opens a platform handle from its descriptor (of the kind the opener was loaded for). */
export type PlatformOpener = (d: PlatformDescriptor) => Platform;

/**
 * Loads the code of one platform kind, only that kind's (a local worker never loads the HTTP
 * stack), and returns its opener. With the run's retry budget (the main thread's twin handles),
 * Encord handles get the run's retry policy and share the budget.
 */
export async function platformOpener(kind: PlatformDescriptor['kind'], budget?: RetryBudget): Promise<PlatformOpener> {
  if (kind === 'local') {
    const { LocalPlatform } = await import('./local/local-platform.js');
    return (d) => new LocalPlatform(expectKind(d, 'local').dir);
  }
  const [{ EncordPlatform }, { retryOverrides, runRetryPolicy }] = await Promise.all([
    import('./encord/encord-platform.js'),
    import('./encord/retry-overrides.js'),
  ]);
  return (d) =>
    new EncordPlatform(expectKind(d, 'encord'), { http: budget ? { retry: runRetryPolicy(), budget } : { retry: retryOverrides() } });
}

function expectKind<K extends PlatformDescriptor['kind']>(d: PlatformDescriptor, kind: K): Extract<PlatformDescriptor, { kind: K }> {
  if (d.kind !== kind) throw new TaskAgentError('TA_INTERNAL', `a ${d.kind} descriptor given to the ${kind} platform opener`);
  return d as Extract<PlatformDescriptor, { kind: K }>;
}

/**
 * The descriptor of another project on the platform of `base`.
 * @throws TaskAgentError TA_CFG_PROJECT_NOT_FOUND (local: no such directory or sibling project)
 */
export function otherProject(base: PlatformDescriptor, ref: string): PlatformDescriptor {
  if (base.kind === 'encord') {
    if (!isProjectHash(ref))
      throw new TaskAgentError('TA_CFG_PROJECT_NOT_FOUND', `"${ref}" is not an Encord project hash`, {
        hint: 'pass the project UUID shown in the Encord app',
      });
    return { ...base, projectHash: ref.toLowerCase() };
  }
  if (!isProjectHash(ref) || LocalProject.exists(ref)) {
    if (!LocalProject.exists(ref))
      throw new TaskAgentError('TA_CFG_PROJECT_NOT_FOUND', `no local project at ${resolve(ref)}`, {
        hint: "pass a project directory, or the projectHash of a project next to the run's project",
      });
    return { kind: 'local', dir: resolve(ref) };
  }
  const parent = dirname(base.dir);
  for (const entry of readdirSync(parent, { withFileTypes: true })) {
    const dir = join(parent, entry.name);
    if (entry.isDirectory() && existsSync(join(dir, 'project.db')) && LocalProject.readProjectHash(dir) === ref.toLowerCase())
      return { kind: 'local', dir };
  }
  throw new TaskAgentError('TA_CFG_PROJECT_NOT_FOUND', `no local project with projectHash ${ref} next to ${base.dir}`, {
    hint: `local projects are found by directory, or by projectHash among the directories of ${parent}`,
  });
}
