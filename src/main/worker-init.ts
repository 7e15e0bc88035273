/**
 * What the worker threads are started with (main thread), and the first thing asked of them: the
 * agent module's manifest, or the error it failed to load with.
 */
import { availableParallelism } from 'node:os';
import { TaskAgentError, deserializeError } from '../shared/errors.js';
import {
  PROTOCOL_VERSION,
  RUN_STATE_BYTES,
  type AgentManifest,
  type PreflightInit,
  type WorkerInit,
  type WorkerProject,
  type WorkerStart,
} from '../shared/protocol.js';
import { workerSettings, type WorkerSettings } from '../shared/run-options.js';
import type { ProjectInfo } from '../shared/types.js';
import type { PlatformDescriptor } from '../platform/platform.js';
import type { ResolvedRunOptions } from './run-options.js';
import type { WorkerPool } from './worker-pool.js';

/** The run settings a pool is built from: run options, or a queue run's context (and the queue worker's threads). */
export type PoolSettings = WorkerSettings & Pick<ResolvedRunOptions, 'threads'>;

/** How a run's workers report to it: the events channel and where agent output goes (see WorkerStart). */
export type WorkerIo = Pick<WorkerStart, 'events' | 'output' | 'mediaTemp'>;

/** A pool's WorkerInit. `others`: the run's further projects (a run over several projects). */
export function baseInit(
  agentUrl: string,
  options: PoolSettings,
  project: ProjectInfo,
  platform: PlatformDescriptor,
  io: WorkerIo = {},
  others: WorkerProject[] = [],
): WorkerInit {
  return {
    ...io,
    ...workerSettings(options),
    role: 'run',
    protocol: PROTOCOL_VERSION,
    agentModuleUrl: agentUrl,
    project,
    platform,
    projects: [{ project, platform }, ...others],
    decoderThreads: Math.max(1, Math.floor(availableParallelism() / options.threads)),
    runState: new SharedArrayBuffer(RUN_STATE_BYTES),
  };
}

/** The preflight worker's start: the module and where its output goes, nothing of a project. */
export function preflightInit(agentUrl: string, io: WorkerIo = {}): PreflightInit {
  return {
    ...io,
    role: 'preflight',
    protocol: PROTOCOL_VERSION,
    agentModuleUrl: agentUrl,
    runState: new SharedArrayBuffer(RUN_STATE_BYTES),
  };
}

/** The options that shape a run's pool (its size and every WorkerInit field they feed). */
export function poolShape(options: ResolvedRunOptions): string {
  const { project, threads, json, quiet } = options;
  return JSON.stringify([project, threads, workerSettings(options), json, quiet]);
}

export async function readManifest(pool: WorkerPool): Promise<AgentManifest> {
  const r = await pool.manifest();
  if (r.error) throw deserializeError(r.error);
  if (r.manifest!.protocol !== PROTOCOL_VERSION) throw new TaskAgentError('TA_INTERNAL', 'worker protocol mismatch');
  return r.manifest!;
}

/** Progress lines are drawn (on stderr) unless quiet, --json, or not a terminal. */
export function showsProgress(options: Pick<ResolvedRunOptions, 'quiet' | 'json'>): boolean {
  return !options.quiet && !options.json && process.stderr.isTTY === true;
}

/** Where the run's workers send events (`channel`) and their agents' output: stderr when stdout carries JSON, the progress display when it is drawn. */
export function workerIo(options: Pick<ResolvedRunOptions, 'quiet' | 'json'>, channel: string, mediaTemp: string): WorkerIo {
  return { events: channel, output: options.json ? 'stderr' : showsProgress(options) ? 'events' : 'inherit', mediaTemp };
}
