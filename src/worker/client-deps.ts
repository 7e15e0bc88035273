/**
 * deps.client() and the deprecated deps.dataLookup() in the worker: both live once per worker
 * thread on the worker's own platform handles.
 */
import { TaskAgentError } from '../shared/errors.js';
import type { StorageItem } from '../shared/types.js';
import type { PlatformDescriptor } from '../platform/platform.js';
import type { Client, DataLookup, ProjectClient } from '../deps/builtins.js';
import { otherProject } from '../platform/open-descriptor.js';
import type { WorkerPlatforms } from './worker-platforms.js';

/** A view without close(): the handle is shared by every task of the worker. */
function projectClient(p: ProjectClient): ProjectClient {
  return new Proxy(p, {
    get(target, prop, receiver) {
      if (prop === 'close') return undefined;
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

export async function createClient(platforms: WorkerPlatforms, d: PlatformDescriptor): Promise<Client> {
  const handle = await platforms.handlesOf(d.kind);
  return {
    kind: d.kind,
    project: projectClient(handle(d)),
    openProject: (ref) => projectClient(handle(otherProject(d, ref))),
  };
}

/** Remembers this many data hash → storage item uuid lookups per worker. */
const LOOKUP_CACHE = 10_000;

export async function createDataLookup(platforms: WorkerPlatforms, d: PlatformDescriptor): Promise<DataLookup> {
  const platform = await platforms.platformFor(d);
  const itemUuids = new Map<string, string>();
  const metadataOf = async (hashes: string[]) => {
    const metas = await platform.listLabelRowMetadata(hashes);
    const byHash = new Map(metas.map((m) => [m.dataHash, m]));
    return hashes.map((h) => {
      const m = byHash.get(h);
      if (!m) throw new TaskAgentError('TA_LABEL_ROW_MISSING', `the project has no data unit ${h}`);
      return m;
    });
  };
  const backingItemUuids = async (hashes: string[]): Promise<string[]> => {
    const unknown = hashes.filter((h) => !itemUuids.has(h));
    if (unknown.length > 0) {
      for (const m of await metadataOf([...new Set(unknown)])) {
        if (itemUuids.size >= LOOKUP_CACHE) itemUuids.delete(itemUuids.keys().next().value as string);
        if (m.backingItemUuid) itemUuids.set(m.dataHash, m.backingItemUuid);
      }
    }
    return hashes.map((h) => {
      const u = itemUuids.get(h);
      if (!u) throw new TaskAgentError('TA_STORAGE_ITEM_MISSING', `data unit ${h} has no backing storage item`);
      return u;
    });
  };
  const getStorageItems = async (hashes: string[]): Promise<StorageItem[]> =>
    platform.getStorageItems(await backingItemUuids(hashes), { signUrls: true });
  return {
    getDataRow: async (h) => (await metadataOf([h]))[0],
    getStorageItem: async (h) => (await getStorageItems([h]))[0],
    getStorageItems,
    backingItemUuids,
  };
}
