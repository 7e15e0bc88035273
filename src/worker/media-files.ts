/**
 * Where a storage item's bytes are, for the worker: a path inside the local project's media
 * folder, or (Encord) a download of its signed URL streamed to a temporary file that the task
 * scope removes afterwards. Never read whole into memory; an expired URL is refreshed once.
 */
import { mkdirSync, mkdtempSync, rmSync, existsSync, copyFileSync } from 'node:fs';
import { join, extname } from 'node:path';
import { TaskAgentError } from '../shared/errors.js';
import { confinedMediaPath } from '../shared/confined-path.js';
import type { StorageItem } from '../shared/types.js';
import type { PlatformDescriptor } from '../platform/platform.js';
import { MEDIA_DIR, suffixForMime } from '../platform/local/media-types.js';
import type { TaskScope } from './task-scope.js';
import type { EncordPlatform } from '../platform/encord/encord-platform.js';
import { mediaTempRoot } from '../shared/media-temp.js';

let runRoot = mediaTempRoot();
let threadRoot: string | undefined;

/** The run's media temp folder (WorkerInit.mediaTemp), set once at worker start. */
export function useMediaTempRoot(dir: string | undefined): void {
  if (dir) runRoot = dir;
}

function tempDir(): string {
  if (!threadRoot) {
    mkdirSync(runRoot, { recursive: true });
    threadRoot = mkdtempSync(join(runRoot, 'w-'));
    // A thread that exits on its own cleans up; a terminated one is cleaned by the run (media-temp-sweep.ts).
    process.once('exit', () => rmSync(threadRoot!, { recursive: true, force: true }));
  }
  return mkdtempSync(join(threadRoot, 't-'));
}

/**
 * Downloads kept across tasks of this thread, by storage item: several media dependencies of one
 * task, and the tasks of one item (e.g. a stage after another), download it once. Bounded: the
 * oldest entry no task is using is removed past DOWNLOAD_CACHE_SIZE.
 */
export const DOWNLOAD_CACHE_SIZE = 4;
interface Cached { path: Promise<string>; dir: string; users: number }
const downloads = new Map<string, Cached>();
/** Downloads started in this thread (for tests through the emulator's stats, and the bench). */
export let downloadCount = 0;

function evict(): void {
  for (const [key, c] of downloads) {
    if (downloads.size <= DOWNLOAD_CACHE_SIZE) return;
    if (c.users > 0) continue;
    downloads.delete(key);
    rmSync(c.dir, { recursive: true, force: true });
  }
}

export function suffixOf(item: StorageItem): string {
  return suffixForMime(item.mimeType) || extname(item.url ?? item.name) || extname(item.name);
}

/** A readable local path for the item's media; temporary copies are removed with the task scope. */
export async function mediaFile(platform: PlatformDescriptor, item: StorageItem, title: string, scope: TaskScope): Promise<string> {
  if (platform.kind === 'local') {
    if (!item.url) throw new TaskAgentError('TA_MEDIA_MISSING', `"${title}" has no media file`);
    const path = confinedMediaPath(join(platform.dir, MEDIA_DIR), item.url);
    if (!existsSync(path)) throw new TaskAgentError('TA_MEDIA_MISSING', `the media file of "${title}" is missing (${item.name})`, { hint: 'restore it in the project media folder or re-import it' });
    return path;
  }
  if (!item.signedUrl) throw new TaskAgentError('TA_MEDIA_MISSING', `"${title}" has no signed URL`);
  const key = item.uuid;
  let c = downloads.get(key);
  if (!c) {
    const dir = tempDir();
    c = { dir, users: 0, path: download(platform, item, title, join(dir, `asset${suffixOf(item)}`)) };
    downloads.set(key, c);
    const entry = c;
    // A failed download is not kept: the next attempt downloads again.
    c.path.catch(() => {
      if (downloads.get(key) === entry) downloads.delete(key);
      rmSync(entry.dir, { recursive: true, force: true });
    });
  } else {
    downloads.delete(key); // most recently used last
    downloads.set(key, c);
  }
  const entry = c;
  entry.users++;
  let released = false;
  scope.onDispose(() => {
    if (released) return;
    released = true;
    entry.users--;
    evict();
  });
  return entry.path;
}

async function download(platform: PlatformDescriptor, item: StorageItem, title: string, dest: string): Promise<string> {
  downloadCount++;
  try {
    // The URL was signed when the batch was fetched; a long queue can outlive it, so an expired
    // one is re-signed once through this worker's own platform handle. Loaded on first download:
    // local runs never load the HTTP stack into their workers.
    const { platformFor } = await import('./worker-platforms.js');
    const encord = platformFor(platform) as EncordPlatform; // this branch is for Encord descriptors only
    await encord.downloadMedia(item.signedUrl!, dest, { refresh: encord.signedUrlRefresher(item) });
  } catch (cause) {
    // The cause's message names the URL without its query (the signature never leaves).
    const why = cause instanceof Error ? `: ${cause.message}` : '';
    throw new TaskAgentError('TA_MEDIA_DOWNLOAD_FAILED', `downloading the media of "${title}" failed${why}`, { cause, hint: 'check connectivity; the task is retried on the next run' });
  }
  return dest;
}

/** A private copy of the media with the right suffix, removed after the task (Python dep_asset). */
export async function assetCopy(platform: PlatformDescriptor, item: StorageItem, title: string, scope: TaskScope): Promise<string> {
  // Downloads are shared by the task's media dependencies (and later tasks): the asset is the agent's own copy.
  const src = await mediaFile(platform, item, title, scope);
  const dir = tempDir();
  scope.onDispose(() => rmSync(dir, { recursive: true, force: true }));
  const dest = join(dir, `asset${suffixOf(item)}`);
  copyFileSync(src, dest);
  return dest;
}
