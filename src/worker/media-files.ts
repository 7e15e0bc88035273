/**
 * Where a storage item's bytes are, for the worker: whatever the run's platform gives
 * (Platform.mediaFile: the local project's own file, or an Encord download of its signed URL),
 * through this worker's own handle on it. Downloads are kept per thread for later dependencies and
 * tasks of the same item (bounded); asset copies go to a directory the task scope removes
 * afterwards. All of it lives under the run's media temp folder. Errors name the task's data title.
 */
import { mkdirSync, mkdtempSync, rmSync, copyFileSync } from 'node:fs';
import { join, extname } from 'node:path';
import { TaskAgentError, isTaskAgentError } from '../shared/errors.js';
import type { StorageItem } from '../shared/types.js';
import type { MediaFile, PlatformDescriptor } from '../platform/platform.js';
import { suffixForMime } from '../platform/local/media-types.js';
import type { TaskScope } from './task-scope.js';
import { mediaTempRoot } from '../shared/media-temp.js';

let runRoot = mediaTempRoot();
let threadRoot: string | undefined;

/** The run's media temp folder (WorkerInit.mediaTemp), set once at worker start. */
export function useMediaTempRoot(dir: string | undefined): void {
  if (dir) runRoot = dir;
}

/** A fresh directory under this thread's folder (the run removes the run's folder when it closes). */
function tempDir(): string {
  if (!threadRoot) {
    mkdirSync(runRoot, { recursive: true });
    threadRoot = mkdtempSync(join(runRoot, 'w-'));
    // A thread that exits on its own cleans up; a terminated one is cleaned by the run (media-temp-sweep.ts).
    process.once('exit', () => rmSync(threadRoot!, { recursive: true, force: true }));
  }
  return mkdtempSync(join(threadRoot, 't-'));
}

/** A fresh temporary path `DIR/asset<suffix>` whose directory goes with the task scope. */
function tempAsset(item: StorageItem, scope: TaskScope): string {
  const dir = tempDir();
  scope.onDispose(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, `asset${suffixOf(item)}`);
}

/**
 * Downloads kept across tasks of this thread, by storage item: several media dependencies of one
 * task, and the tasks of one item (e.g. a stage after another), download it once. Bounded: past
 * DOWNLOAD_CACHE_SIZE entries, the oldest that no task is using is removed. Platform files (a
 * local project's) are not downloads and are not kept here.
 */
export const DOWNLOAD_CACHE_SIZE = 4;
interface Download { file: Promise<MediaFile>; dir: string | undefined; users: number }
const downloads = new Map<string, Download>();

function evict(): void {
  for (const [key, d] of downloads) {
    if (downloads.size <= DOWNLOAD_CACHE_SIZE) return;
    if (d.users > 0) continue;
    downloads.delete(key);
    if (d.dir) rmSync(d.dir, { recursive: true, force: true });
  }
}

function forget(key: string, d: Download): void {
  if (downloads.get(key) === d) downloads.delete(key);
  if (d.dir) rmSync(d.dir, { recursive: true, force: true });
}

export function suffixOf(item: StorageItem): string {
  return suffixForMime(item.mimeType) || extname(item.url ?? item.name) || extname(item.name);
}

/** Media errors name the data title the user knows the task by (the platform knows only the item). */
export function titled(e: unknown, title: string): unknown {
  if (isTaskAgentError(e) && e.code.startsWith('TA_MEDIA_') && !e.message.includes(`"${title}"`)) {
    const t = new TaskAgentError(e.code, `"${title}": ${e.message}`, { ...(e.hint !== undefined && { hint: e.hint }), ...(e.details !== undefined && { details: e.details }) });
    t.stack = e.stack;
    return t;
  }
  return e;
}

/** The item's file: this thread's download of it when there is one (see `downloads`), else the platform's answer. */
function fileOf(platform: PlatformDescriptor, item: StorageItem, title: string, scope: TaskScope): Promise<MediaFile> {
  let d = downloads.get(item.uuid);
  if (d) {
    downloads.delete(item.uuid); // most recently used last
    downloads.set(item.uuid, d);
  } else {
    const entry: Download = { dir: undefined, users: 0, file: Promise.resolve(undefined as never) };
    entry.file = askPlatform(platform, item, title, () => {
      entry.dir = tempDir();
      return join(entry.dir, `asset${suffixOf(item)}`);
    });
    d = entry;
    downloads.set(item.uuid, d);
    // A failed download is not kept (the next attempt downloads again), nor a platform's own file.
    d.file.then((f) => (f.temporary ? undefined : forget(item.uuid, entry)), () => forget(item.uuid, entry));
  }
  const used = d;
  used.users++;
  let released = false;
  scope.onDispose(() => {
    if (released) return;
    released = true;
    used.users--;
    evict();
  });
  return used.file;
}

async function askPlatform(platform: PlatformDescriptor, item: StorageItem, title: string, tempPath: () => string): Promise<MediaFile> {
  // Loaded on first use, with only the run's platform code (a local run never loads the HTTP stack).
  const { platformFor } = await import('./worker-platforms.js');
  try {
    return await (await platformFor(platform)).mediaFile(item, tempPath);
  } catch (e) {
    if (isTaskAgentError(e) && e.code === 'TA_MEDIA_DOWNLOAD_FAILED') {
      // The cause's message names the URL without its query (the signature never leaves).
      throw new TaskAgentError('TA_MEDIA_DOWNLOAD_FAILED', `downloading the media of "${title}" failed: ${e.message}`, { cause: e, hint: 'check connectivity; the task is retried on the next run' });
    }
    throw titled(e, title);
  }
}

/** A readable local path for the item's media; temporary downloads are removed with the task scope. */
export async function mediaFile(platform: PlatformDescriptor, item: StorageItem, title: string, scope: TaskScope): Promise<string> {
  return (await fileOf(platform, item, title, scope)).path;
}

/** A private copy of the media with the right suffix, removed after the task (Python dep_asset). */
export async function assetCopy(platform: PlatformDescriptor, item: StorageItem, title: string, scope: TaskScope): Promise<string> {
  // A download is shared by the task's media dependencies and later tasks of the item: the asset is the agent's own copy.
  const file = await fileOf(platform, item, title, scope);
  const dest = tempAsset(item, scope);
  copyFileSync(file.path, dest);
  return dest;
}
