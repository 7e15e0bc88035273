/**
 * A worker thread's own platform handles (it cannot share the main thread's sockets or SQLite
 * handle): opened on first use, one per project, closed when the worker stops. Used by media
 * files, deps.client(), deps.twinLabelRow() and deps.dataLookup().
 */
import type { Platform, PlatformDescriptor } from '../platform/platform.js';
import { otherProject, platformOpener, type PlatformOpener } from '../platform/open-descriptor.js';
import { onWorkerDispose } from './task-scope.js';

const handles = new Map<string, Platform>();
const openers = new Map<PlatformDescriptor['kind'], Promise<PlatformOpener>>();

function keyOf(d: PlatformDescriptor): string {
  return d.kind === 'local' ? `local:${d.dir}` : `encord:${d.domain}:${d.projectHash}`;
}

function openerOf(kind: PlatformDescriptor['kind']): Promise<PlatformOpener> {
  let o = openers.get(kind);
  if (!o) {
    o = platformOpener(kind);
    openers.set(kind, o);
    o.catch(() => openers.delete(kind));
  }
  return o;
}

function handleOf(d: PlatformDescriptor, open: PlatformOpener): Platform {
  const key = keyOf(d);
  let p = handles.get(key);
  if (!p) {
    if (handles.size === 0) onWorkerDispose(closeWorkerPlatforms);
    p = open(d);
    handles.set(key, p);
  }
  return p;
}

/** This worker's handle on the project `d` describes (its platform's code loaded on first use). */
export async function platformFor(d: PlatformDescriptor): Promise<Platform> {
  return handleOf(d, await openerOf(d.kind));
}

/** Once the code of a platform kind is loaded: this worker's handles on its projects, synchronously. */
export async function handlesOf(kind: PlatformDescriptor['kind']): Promise<(d: PlatformDescriptor) => Platform> {
  const open = await openerOf(kind);
  return (d) => handleOf(d, open);
}

/** This worker's handle on another project of the run's platform (see otherProject). */
export async function otherPlatform(base: PlatformDescriptor, ref: string): Promise<Platform> {
  return platformFor(otherProject(base, ref));
}

async function closeWorkerPlatforms(): Promise<void> {
  const all = [...handles.values()];
  handles.clear();
  await Promise.allSettled(all.map((p) => p.close()));
}
