/**
 * Starts a run's platform and worker pool before the agent module's manifest is known, when the
 * flags alone decide them (a local --project): the pool's own workers then answer the manifest,
 * so the module is loaded once per worker while the main thread validates, instead of first in a
 * throw-away preflight worker and then again in each pool worker, after it. If the module's own
 * Runner options change the pool's shape, the run starts its pool over (`fits` is false).
 */
import type { AgentManifest, WorkerInit } from '../shared/protocol.js';
import type { ProjectInfo } from '../shared/types.js';
import type { Platform } from '../platform/platform.js';
import { isProjectUuid, openPlatform } from './open-platform.js';
import type { ResolvedRunOptions } from './run-options.js';
import { WorkerPool } from './worker-pool.js';
import { baseInit, poolShape, readManifest, type WorkerIo } from './worker-init.js';

export interface WarmStart {
  platform: Platform;
  init: WorkerInit;
  pool: WorkerPool;
  manifest(): Promise<AgentManifest>;
  /** Whether the final options need exactly this platform and pool. */
  fits(options: ResolvedRunOptions): boolean;
  discard(): Promise<void>;
}

/** A warm start, or null when the flags do not name a local project (or it does not open: the normal path reports that, after the module). */
export async function startWarm(agentUrl: string, flags: ResolvedRunOptions, io: WorkerIo): Promise<WarmStart | null> {
  // Queue mode runs chunks on remote workers: no local pool to warm.
  // Several projects: the pool serves them all, so it waits for every project's workflow.
  if (flags.projects.length !== 1 || !flags.project || isProjectUuid(flags.project) || flags.queue) return null;
  let platform: Platform;
  let project: ProjectInfo;
  try {
    platform = await openPlatform(flags.project);
  } catch {
    return null;
  }
  try {
    project = await platform.getProject();
  } catch {
    await platform.close();
    return null;
  }
  const init = baseInit(agentUrl, flags, project, platform.descriptor, io);
  const pool = new WorkerPool(init, flags.threads);
  const shape = poolShape(flags);
  return {
    platform,
    init,
    pool,
    manifest: () => readManifest(pool),
    fits: (options) => !options.queue && options.projects.length === 1 && poolShape(options) === shape,
    async discard() {
      await pool.destroy();
      await platform.close();
    },
  };
}
