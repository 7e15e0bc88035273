/**
 * A worker thread's own platform handles (it cannot share the main thread's sockets or SQLite
 * handle): opened on first use, one per project, closed when the worker stops. Used by media
 * downloads (signed-URL refresh), deps.client(), deps.twinLabelRow() and deps.dataLookup().
 */
import type { Platform, PlatformDescriptor } from '../platform/platform.js';
import { openDescriptor, otherProject } from '../platform/open-descriptor.js';
import { onWorkerDispose } from './task-scope.js';

const handles = new Map<string, Platform>();

function keyOf(d: PlatformDescriptor): string {
  return d.kind === 'local' ? `local:${d.dir}` : `encord:${d.domain}:${d.projectHash}`;
}

/** This worker's handle on the project `d` describes. */
export function platformFor(d: PlatformDescriptor): Platform {
  const key = keyOf(d);
  let p = handles.get(key);
  if (!p) {
    if (handles.size === 0) onWorkerDispose(closeWorkerPlatforms);
    p = openDescriptor(d);
    handles.set(key, p);
  }
  return p;
}

/** This worker's handle on another project of the run's platform (see otherProject). */
export function otherPlatform(base: PlatformDescriptor, ref: string): Platform {
  return platformFor(otherProject(base, ref));
}

async function closeWorkerPlatforms(): Promise<void> {
  const all = [...handles.values()];
  handles.clear();
  await Promise.allSettled(all.map((p) => p.close()));
}
