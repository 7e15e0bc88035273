/**
 * A worker thread's own platform handles (it cannot share the main thread's sockets or SQLite
 * handle): opened on first use, one per project, closed when the worker stops. Used by media
 * files, deps.client(), deps.twinLabelRow() and deps.dataLookup(). Loaded on first use (see
 * WorkerRuntime.platforms): a worker that never opens a platform never loads their code.
 */
import type { Platform, PlatformDescriptor } from '../platform/platform.js';
import { otherProject, platformOpener, type PlatformOpener } from '../platform/open-descriptor.js';

function keyOf(d: PlatformDescriptor): string {
  return d.kind === 'local' ? `local:${d.dir}` : `encord:${d.domain}:${d.projectHash}`;
}

export class WorkerPlatforms {
  readonly #handles = new Map<string, Platform>();
  readonly #openers = new Map<PlatformDescriptor['kind'], Promise<PlatformOpener>>();

  #openerOf(kind: PlatformDescriptor['kind']): Promise<PlatformOpener> {
    let o = this.#openers.get(kind);
    if (!o) {
      o = platformOpener(kind);
      this.#openers.set(kind, o);
      o.catch(() => this.#openers.delete(kind));
    }
    return o;
  }

  #handleOf(d: PlatformDescriptor, open: PlatformOpener): Platform {
    const key = keyOf(d);
    let p = this.#handles.get(key);
    if (!p) {
      p = open(d);
      this.#handles.set(key, p);
    }
    return p;
  }

  /** This worker's handle on the project `d` describes (its platform's code loaded on first use). */
  async platformFor(d: PlatformDescriptor): Promise<Platform> {
    return this.#handleOf(d, await this.#openerOf(d.kind));
  }

  /** Once the code of a platform kind is loaded: this worker's handles on its projects, synchronously. */
  async handlesOf(kind: PlatformDescriptor['kind']): Promise<(d: PlatformDescriptor) => Platform> {
    const open = await this.#openerOf(kind);
    return (d) => this.#handleOf(d, open);
  }

  /** This worker's handle on another project of the run's platform (see otherProject). */
  async otherPlatform(base: PlatformDescriptor, ref: string): Promise<Platform> {
    return this.platformFor(otherProject(base, ref));
  }

  /** Closes every handle (the worker is stopping). */
  async close(): Promise<void> {
    const all = [...this.#handles.values()];
    this.#handles.clear();
    await Promise.allSettled(all.map((p) => p.close()));
  }
}
