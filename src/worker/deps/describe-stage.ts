/**
 * A registered stage → what the main thread must know of it before any task (its StageManifest):
 * what to prefetch per batch, twin projects to check, deprecation warnings, failure pathway.
 * Pure: no worker, no I/O. Bad dependency declarations throw here (missing, cycles, reserved names).
 */
import { checkStageDeps } from '../../deps/graph.js';
import type { StageRegistration } from '../../agent/runner.js';
import type { StageManifest } from '../../shared/protocol.js';
import { providerOf } from './index.js';
import type { Prefetch } from './provider.js';

export function describeStage(reg: Pick<StageRegistration, 'stage' | 'options'>): StageManifest {
  const { options } = reg;
  const { builtins } = checkStageDeps(reg.stage, options.deps ?? {});
  const willSetPriority = options.willSetPriority === true;
  const manifest: StageManifest = {
    ref: reg.stage,
    needsLabelRow: false,
    needsStorageItem: false,
    needsChildren: false,
    needsMetadata: willSetPriority,
    willSetPriority,
    labelRowInclude: options.labelRowInclude ?? {},
    labelRowInit: options.labelRowInit ?? {},
    twins: [],
    deprecatedDeps: [],
    ...(options.onFailure !== undefined && {
      onFailure: typeof options.onFailure === 'string' ? { pathway: options.onFailure } : options.onFailure,
    }),
  };
  const prefetch = new Set<Prefetch>();
  for (const dep of builtins) {
    const provider = providerOf(dep.builtin);
    if (!provider) continue; // resolving it fails the task with TA_DEP_MISSING
    for (const p of provider.prefetch) prefetch.add(p);
    provider.contribute?.(dep, manifest);
  }
  manifest.needsMetadata ||= prefetch.has('labelRowMetadata');
  manifest.needsLabelRow = prefetch.has('labelRow');
  manifest.needsStorageItem = prefetch.has('storageItem');
  manifest.needsChildren = prefetch.has('children');
  return manifest;
}
