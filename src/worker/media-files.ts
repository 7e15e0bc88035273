/**
 * Where a storage item's bytes are, for the worker: a path inside the local project's media
 * folder, or (Encord) a download of its signed URL streamed to a temporary file that the task
 * scope removes afterwards. Never read whole into memory; an expired URL is refreshed once.
 */
import { mkdtempSync, rmSync, existsSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, extname } from 'node:path';
import { TaskAgentError } from '../shared/errors.js';
import { confinedMediaPath } from '../shared/confined-path.js';
import type { StorageItem } from '../shared/types.js';
import type { PlatformDescriptor } from '../platform/platform.js';
import { MEDIA_DIR, suffixForMime } from '../platform/local/media-types.js';
import type { TaskScope } from './task-scope.js';
import type { EncordPlatform } from '../platform/encord/encord-platform.js';

let tempRoot: string | undefined;
function tempDir(): string {
  tempRoot ??= mkdtempSync(join(tmpdir(), 'ta-media-'));
  return mkdtempSync(join(tempRoot, 't-'));
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
  const dir = tempDir();
  scope.onDispose(() => rmSync(dir, { recursive: true, force: true }));
  const dest = join(dir, `asset${suffixOf(item)}`);
  try {
    // The URL was signed when the batch was fetched; a long queue can outlive it, so an expired
    // one is re-signed once through this worker's own platform handle. Loaded on first download:
    // local runs never load the HTTP stack into their workers.
    const { platformFor } = await import('./worker-platforms.js');
    const encord = platformFor(platform) as EncordPlatform; // this branch is for Encord descriptors only
    await encord.downloadMedia(item.signedUrl, dest, { refresh: encord.signedUrlRefresher(item) });
  } catch (cause) {
    // The cause's message names the URL without its query (the signature never leaves).
    const why = cause instanceof Error ? `: ${cause.message}` : '';
    throw new TaskAgentError('TA_MEDIA_DOWNLOAD_FAILED', `downloading the media of "${title}" failed${why}`, { cause, hint: 'check connectivity; the task is retried on the next run' });
  }
  return dest;
}

/** A private copy of the media with the right suffix, removed after the task (Python dep_asset). */
export async function assetCopy(platform: PlatformDescriptor, item: StorageItem, title: string, scope: TaskScope): Promise<string> {
  const src = await mediaFile(platform, item, title, scope);
  if (platform.kind !== 'local') return src; // already a temporary download
  const dir = tempDir();
  scope.onDispose(() => rmSync(dir, { recursive: true, force: true }));
  const dest = join(dir, `asset${suffixOf(item)}`);
  copyFileSync(src, dest);
  return dest;
}
