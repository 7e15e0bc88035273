/**
 * The built-in dependencies, by name (worker threads only). To add one: its name in
 * `BuiltinDepName` (src/deps/define.ts), its declaration in src/deps/builtins.ts, its provider in
 * a file of this folder, listed here. The compiler refuses a name without a provider.
 */
import { TaskAgentError } from '../../shared/errors.js';
import type { BuiltinDepName } from '../../deps/define.js';
import type { TaskPayload, WorkerInit } from '../../shared/protocol.js';
import type { BuiltinResolver } from '../task-scope.js';
import type { WorkerRuntime } from '../worker-runtime.js';
import type { ChunkScope, Provider } from './provider.js';
import { labelRowProvider } from './label-row.js';
import { labelRowMetadataProvider } from './label-row-metadata.js';
import { storageItemProvider } from './storage-item.js';
import { clientProvider } from './client.js';
import { assetProvider } from './asset.js';
import { singleFrameProvider } from './single-frame.js';
import { videoFramesProvider } from './video-frames.js';
import { videoSamplerProvider } from './video-sampler.js';
import { twinLabelRowProvider } from './twin-label-row.js';
import { dataLookupProvider } from './data-lookup.js';

export const PROVIDERS: Readonly<Record<BuiltinDepName, Provider>> = {
  labelRow: labelRowProvider,
  labelRowMetadata: labelRowMetadataProvider,
  storageItem: storageItemProvider,
  client: clientProvider,
  asset: assetProvider,
  singleFrame: singleFrameProvider,
  videoFrames: videoFramesProvider,
  videoSampler: videoSamplerProvider,
  twinLabelRow: twinLabelRowProvider,
  dataLookup: dataLookupProvider,
};

/** The provider of a built-in record, or undefined for a name this version does not know (a record from another copy of the library). */
export function providerOf(name: string | undefined): Provider | undefined {
  return name !== undefined && Object.hasOwn(PROVIDERS, name) ? PROVIDERS[name as BuiltinDepName] : undefined;
}

/** Resolves the built-ins of one chunk's attempts, for the chunk's project as `init` describes it. */
export function builtinResolver(runtime: WorkerRuntime, init: WorkerInit, tasks: readonly TaskPayload[]): BuiltinResolver {
  const made = new Map<string, unknown>();
  const chunk: ChunkScope = {
    tasks,
    once<T>(key: string, make: () => T): T {
      if (!made.has(key)) made.set(key, make());
      return made.get(key) as T;
    },
  };
  return (dep, scope) => {
    const provider = providerOf(dep.builtin);
    if (!provider) throw new TaskAgentError('TA_DEP_MISSING', `${dep.label} is not available in this version`);
    return provider.resolve({ dep, ctx: scope.ctx, payload: scope.payload, scope, init, chunk, runtime });
  };
}
