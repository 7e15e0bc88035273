/**
 * Worker-side values of the built-in dependencies (declared in src/deps/builtins.ts). Most wrap
 * data the main thread fetched in bulk and sent with the task; twins are fetched per chunk here,
 * client and dataLookup live once per worker.
 */
import { TaskAgentError } from '../shared/errors.js';
import { LabelRow } from '../shared/label-row/index.js';
import type { AnyDep, TaskContext } from '../deps/define.js';
import type { TaskPayload, TwinSpec, WorkerInit } from '../shared/protocol.js';
import type { BuiltinProvider, TaskScope } from './task-scope.js';
import { provideMediaDep } from './media-deps.js';
import type { ChunkTwins } from './twin-deps.js';

// Platform handles (and with them the HTTP stack) load on first use, not at worker start.
const clientDeps = () => import('./client-deps.js');

const MEDIA = new Set(['asset', 'singleFrame', 'videoFrames', 'videoSampler']);

/** The provider for one chunk of tasks (twins are fetched for the whole chunk at once). */
export function createBuiltinProvider(init: WorkerInit): (chunk: TaskPayload[]) => BuiltinProvider {
  return (chunk) => {
    let twins: Promise<ChunkTwins> | undefined;
    return (dep: AnyDep, ctx: TaskContext, payload: TaskPayload, scope: TaskScope): unknown => {
      switch (dep.builtin) {
        case 'client':
          return clientDeps().then((m) => m.createClient(init.platform));
        case 'dataLookup':
          return clientDeps().then((m) => m.createDataLookup(init.platform));
        case 'twinLabelRow':
          twins ??= import('./twin-deps.js').then((m) => new m.ChunkTwins(init, chunk.map((p) => p.task.dataHash)));
          return twins.then((t) => t.twin(dep.options as TwinSpec, ctx.task.dataHash, scope.twinWrites));
        default:
          return MEDIA.has(dep.builtin ?? '') ? provideMediaDep(init, dep, ctx, payload, scope) : provideBuiltin(dep, ctx, payload);
      }
    };
  };
}

function provideBuiltin(dep: AnyDep, ctx: TaskContext, payload: TaskPayload): unknown {
  const title = ctx.task.dataTitle;
  switch (dep.builtin) {
    case 'labelRow':
      if (!payload.labelRow) throw new TaskAgentError('TA_LABEL_ROW_MISSING', `no label row was returned for "${title}" (data ${ctx.task.dataHash})`);
      // A fresh object per attempt: a failed attempt's edits never leak into the retry.
      return new LabelRow(payload.labelRow, ctx.project.ontology);
    case 'labelRowMetadata':
      if (!payload.metadata) throw new TaskAgentError('TA_LABEL_ROW_MISSING', `no label-row metadata was returned for "${title}" (data ${ctx.task.dataHash})`);
      return payload.metadata;
    case 'storageItem':
      if (!payload.storageItem) throw new TaskAgentError('TA_STORAGE_ITEM_MISSING', `no storage item was returned for "${title}" (data ${ctx.task.dataHash})`);
      return payload.storageItem;
    default:
      throw new TaskAgentError('TA_DEP_MISSING', `${dep.label} is not available in this version`);
  }
}
