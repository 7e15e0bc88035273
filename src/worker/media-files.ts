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
import type { WorkerPlatforms } from './worker-platforms.js';
import { mediaTempRoot } from '../shared/media-temp.js';

/**
 * Downloads kept across tasks of this thread, by storage item: several media dependencies of one
 * task, and the tasks of one item (e.g. a stage after another), download it once. Bounded: past
 * DOWNLOAD_CACHE_SIZE entries, the oldest that no task is using is removed. Platform files (a
 * local project's) are not downloads and are not kept here.
 */
export const DOWNLOAD_CACHE_SIZE = 4;
interface Download {
  file: Promise<MediaFile>;
  dir: string | undefined;
  users: number;
}

export function suffixOf(item: StorageItem): string {
  return suffixForMime(item.mimeType) || extname(item.url ?? item.name) || extname(item.name);
}

/** Media errors name the data title the user knows the task by (the platform knows only the item). */
export function titled(e: unknown, title: string): unknown {
  if (isTaskAgentError(e) && e.code.startsWith('TA_MEDIA_') && !e.message.includes(`"${title}"`)) {
    const t = new TaskAgentError(e.code, `"${title}": ${e.message}`, {
      ...(e.hint !== undefined && { hint: e.hint }),
      ...(e.details !== undefined && { details: e.details }),
    });
    t.stack = e.stack;
    return t;
  }
  return e;
}

/** This thread's media files: its folder under the run's media temp folder and its downloads. */
export class MediaFiles {
  readonly #runRoot: string;
  #threadRoot: string | undefined;
  readonly #downloads = new Map<string, Download>();

  /** `root`: the run's media temp folder (WorkerInit.mediaTemp); `platforms`: this worker's platform handles, loaded on first use. */
  constructor(
    root: string | undefined,
    private readonly platforms: () => Promise<WorkerPlatforms>,
  ) {
    this.#runRoot = root ?? mediaTempRoot();
  }

  /** A readable local path for the item's media; temporary downloads are removed with the task scope. */
  async mediaFile(platform: PlatformDescriptor, item: StorageItem, title: string, scope: TaskScope): Promise<string> {
    return (await this.#fileOf(platform, item, title, scope)).path;
  }

  /** A private copy of the media with the right suffix, removed after the task (Python dep_asset). */
  async assetCopy(platform: PlatformDescriptor, item: StorageItem, title: string, scope: TaskScope): Promise<string> {
    // A download is shared by the task's media dependencies and later tasks of the item: the asset is the agent's own copy.
    const file = await this.#fileOf(platform, item, title, scope);
    const dir = this.#tempDir();
    scope.onDispose(() => rmSync(dir, { recursive: true, force: true }));
    const dest = join(dir, `asset${suffixOf(item)}`);
    copyFileSync(file.path, dest);
    return dest;
  }

  /** A fresh directory under this thread's folder (the run removes the run's folder when it closes). */
  #tempDir(): string {
    if (!this.#threadRoot) {
      mkdirSync(this.#runRoot, { recursive: true });
      const root = (this.#threadRoot = mkdtempSync(join(this.#runRoot, 'w-')));
      // A thread that exits on its own cleans up; a terminated one is cleaned by the run (media-temp-sweep.ts).
      process.once('exit', () => rmSync(root, { recursive: true, force: true }));
    }
    return mkdtempSync(join(this.#threadRoot, 't-'));
  }

  #evict(): void {
    for (const [key, d] of this.#downloads) {
      if (this.#downloads.size <= DOWNLOAD_CACHE_SIZE) return;
      if (d.users > 0) continue;
      this.#downloads.delete(key);
      if (d.dir) rmSync(d.dir, { recursive: true, force: true });
    }
  }

  #forget(key: string, d: Download): void {
    if (this.#downloads.get(key) === d) this.#downloads.delete(key);
    if (d.dir) rmSync(d.dir, { recursive: true, force: true });
  }

  /** The item's file: this thread's download of it when there is one (see `#downloads`), else the platform's answer. */
  #fileOf(platform: PlatformDescriptor, item: StorageItem, title: string, scope: TaskScope): Promise<MediaFile> {
    const downloads = this.#downloads;
    let d = downloads.get(item.uuid);
    if (d) {
      downloads.delete(item.uuid); // most recently used last
      downloads.set(item.uuid, d);
    } else {
      const entry: Download = { dir: undefined, users: 0, file: Promise.resolve(undefined as never) };
      entry.file = this.#askPlatform(platform, item, title, () => {
        entry.dir = this.#tempDir();
        return join(entry.dir, `asset${suffixOf(item)}`);
      });
      d = entry;
      downloads.set(item.uuid, d);
      // A failed download is not kept (the next attempt downloads again), nor a platform's own file.
      d.file.then(
        (f) => (f.temporary ? undefined : this.#forget(item.uuid, entry)),
        () => this.#forget(item.uuid, entry),
      );
    }
    const used = d;
    used.users++;
    let released = false;
    scope.onDispose(() => {
      if (released) return;
      released = true;
      used.users--;
      this.#evict();
    });
    return used.file;
  }

  async #askPlatform(platform: PlatformDescriptor, item: StorageItem, title: string, tempPath: () => string): Promise<MediaFile> {
    try {
      // Loaded on first use, with only the run's platform code (a local run never loads the HTTP stack).
      return await (await (await this.platforms()).platformFor(platform)).mediaFile(item, tempPath);
    } catch (e) {
      if (isTaskAgentError(e) && e.code === 'TA_MEDIA_DOWNLOAD_FAILED') {
        // The cause's message names the URL without its query (the signature never leaves).
        throw new TaskAgentError('TA_MEDIA_DOWNLOAD_FAILED', `downloading the media of "${title}" failed: ${e.message}`, {
          cause: e,
          hint: 'check connectivity; the task is retried on the next run',
        });
      }
      throw titled(e, title);
    }
  }
}
