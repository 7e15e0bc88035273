/**
 * Where a storage item's bytes are, for the worker: whatever the run's platform gives
 * (Platform.mediaFile: the local project's own file, or an Encord download of its signed URL),
 * through this worker's own handle on it. Downloads and copies go to a temporary directory the
 * task scope removes afterwards. Errors name the task's data title.
 */
import { mkdtempSync, rmSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, extname } from 'node:path';
import { TaskAgentError, isTaskAgentError } from '../shared/errors.js';
import type { StorageItem } from '../shared/types.js';
import type { MediaFile, PlatformDescriptor } from '../platform/platform.js';
import { suffixForMime } from '../platform/local/media-types.js';
import type { TaskScope } from './task-scope.js';

let tempRoot: string | undefined;

/** A fresh temporary path `DIR/asset<suffix>` whose directory goes with the task scope. */
function tempAsset(item: StorageItem, scope: TaskScope): string {
  tempRoot ??= mkdtempSync(join(tmpdir(), 'ta-media-'));
  const dir = mkdtempSync(join(tempRoot, 't-'));
  scope.onDispose(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, `asset${suffixOf(item)}`);
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

async function fileOf(platform: PlatformDescriptor, item: StorageItem, title: string, scope: TaskScope): Promise<MediaFile> {
  // Loaded on first use, with only the run's platform code (a local run never loads the HTTP stack).
  const { platformFor } = await import('./worker-platforms.js');
  try {
    return await (await platformFor(platform)).mediaFile(item, () => tempAsset(item, scope));
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
  const file = await fileOf(platform, item, title, scope);
  if (file.temporary) return file.path; // already the task's own download
  const dest = tempAsset(item, scope);
  copyFileSync(file.path, dest);
  return dest;
}
