/**
 * What the run (producer) and `task-agents worker` processes (consumers) share through Redis.
 * The run's context is stored once per run (not in every job); jobs carry one chunk each.
 * Nothing secret is stored: Encord workers read their own key from their environment.
 */
import type { PlatformDescriptor } from '../../platform/platform.js';
import type { RunChunkRequest } from '../../shared/protocol.js';
import type { ProjectInfo } from '../../shared/types.js';

export const DEFAULT_QUEUE_NAME = 'task-agents';

/** Redis key holding a run's context (expires a day after the run starts). */
export const runContextKey = (queueName: string, runId: string): string => `${queueName}:run:${runId}`;

export interface QueueRunContext {
  runId: string;
  /** Stage refs the run's agent module registers, in order: a worker must load a module that registers the same. */
  stageRefs: string[];
  project: ProjectInfo;
  /** For Encord without keyText: each worker signs with its own ENCORD_SSH_KEY(_FILE). */
  platform: { kind: 'local'; dir: string } | { kind: 'encord'; projectHash: string; domain: string };
  numRetries: number;
  taskTimeoutMs: number;
  concurrency: number;
  decoder: 'auto' | 'beamcoder' | 'node-av';
}

export interface ChunkJobData {
  runId: string;
  req: RunChunkRequest;
}

/** The descriptor a worker process uses: the context's, with its own key for Encord. */
export function workerDescriptor(ctx: QueueRunContext['platform'], keyText: () => string): PlatformDescriptor {
  return ctx.kind === 'local' ? ctx : { ...ctx, keyText: keyText() };
}
