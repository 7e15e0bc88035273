/**
 * Media downloads through signed URLs: a plain unauthenticated GET (no Encord headers, like the
 * SDK), streamed to a temp file next to the destination and renamed into place, so a file is
 * never read whole into memory and a half-written file never appears under its final name.
 * An expired URL (403/410/400 from the media host) is refreshed once through a callback.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Agent, request, type Dispatcher } from 'undici';
import { TaskAgentError } from '../../shared/errors.js';
import { connectionErrorCode, redactUrl, SDK_TIMEOUT_MS } from './http.js';

/** Statuses a media host answers for an expired or invalid signature (GCS 400/403, S3 403, 410 Gone). */
export const EXPIRED_URL_STATUSES: ReadonlySet<number> = new Set([400, 403, 410]);

export interface DownloadMediaOptions {
  /** Returns a fresh signed URL (e.g. re-fetches the storage item with signUrls); called at most once. */
  refresh?: () => Promise<string | null | undefined>;
  /** Idle timeout for headers and body (default 180 s). */
  timeoutMs?: number;
  dispatcher?: Dispatcher;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  contentType: string | null;
  /** True when the URL had to be refreshed. */
  refreshed: boolean;
}

let sharedAgent: Agent | undefined;
function defaultDispatcher(): Agent {
  sharedAgent ??= new Agent({ connect: { timeout: SDK_TIMEOUT_MS }, headersTimeout: SDK_TIMEOUT_MS, bodyTimeout: SDK_TIMEOUT_MS });
  return sharedAgent;
}

function failed(url: string, problem: string, details: Record<string, unknown> = {}): TaskAgentError {
  return new TaskAgentError('TA_MEDIA_DOWNLOAD_FAILED', `Downloading ${redactUrl(url)} failed: ${problem}.`, { details: { url: redactUrl(url), ...details } });
}

/**
 * Streams `signedUrl` to `destPath`.
 * @throws TaskAgentError TA_MEDIA_DOWNLOAD_FAILED (status, network, write error; URL printed without its query)
 */
export async function downloadMedia(signedUrl: string, destPath: string, options: DownloadMediaOptions = {}): Promise<DownloadResult> {
  const dispatcher = options.dispatcher ?? defaultDispatcher();
  const timeout = options.timeoutMs ?? SDK_TIMEOUT_MS;
  let url = signedUrl;
  let refreshed = false;
  for (;;) {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, { method: 'GET', dispatcher, headersTimeout: timeout, bodyTimeout: timeout });
    } catch (e) {
      throw failed(url, connectionErrorCode(e) ?? (e instanceof Error ? e.name : 'network error'));
    }
    if (EXPIRED_URL_STATUSES.has(res.statusCode) && options.refresh && !refreshed) {
      await res.body.dump();
      const next = await options.refresh();
      if (!next) throw failed(url, `HTTP ${res.statusCode} and no fresh signed URL could be obtained`, { status: res.statusCode });
      url = next;
      refreshed = true;
      continue;
    }
    if (res.statusCode < 200 || res.statusCode >= 300) {
      await res.body.dump().catch(() => undefined);
      throw failed(url, `HTTP ${res.statusCode}${refreshed ? ' (after refreshing the signed URL)' : ''}`, { status: res.statusCode });
    }
    const tmp = `${destPath}.part-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    let bytes = 0;
    res.body.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    try {
      await pipeline(res.body, createWriteStream(tmp));
      await rename(tmp, destPath);
    } catch (e) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw failed(url, connectionErrorCode(e) ?? (e instanceof Error ? e.message.replace(/https?:\/\/\S+/g, (u) => redactUrl(u)) : 'stream error'));
    }
    const ct = res.headers['content-type'];
    return { path: destPath, bytes, contentType: typeof ct === 'string' ? ct : null, refreshed };
  }
}
