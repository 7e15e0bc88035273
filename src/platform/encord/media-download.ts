/**
 * Media downloads through signed URLs: a plain unauthenticated GET (no Encord headers, like the
 * SDK), streamed to a temp file next to the destination and renamed into place, so a file is
 * never read whole into memory and a half-written file never appears under its final name.
 * An expired URL (403/410/400 from the media host) is refreshed once through a callback.
 * Transient failures (429, 5xx, resets, also mid-body) are retried with the SDK's backoff and
 * Retry-After, like every API call.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Agent, request, type Dispatcher } from 'undici';
import { TaskAgentError } from '../../shared/errors.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { SDK_TIMEOUT_MS } from './http.js';
import { redactUrl } from './redact.js';
import { backoffDelayMs, connectionErrorCode, parseRetryAfterMs, SDK_RETRY_POLICY, type RetryPolicy } from './retry-rules.js';
import { retryOverrides } from './retry-overrides.js';

/** Media-host statuses worth another try (the SDK's retried statuses and 504). */
const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

/** Statuses a media host answers for an expired or invalid signature (GCS 400/403, S3 403, 410 Gone). */
export const EXPIRED_URL_STATUSES: ReadonlySet<number> = new Set([400, 403, 410]);

export interface DownloadMediaOptions {
  /** Returns a fresh signed URL (e.g. re-fetches the storage item with signUrls); called at most once. */
  refresh?: () => Promise<string | null | undefined>;
  /** Idle timeout for headers and body (default 180 s). */
  timeoutMs?: number;
  dispatcher?: Dispatcher;
  /** Retry policy for transient failures (default: the SDK's, with the test knobs). */
  retry?: Partial<RetryPolicy>;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  contentType: string | null;
  /** True when the URL had to be refreshed. */
  refreshed: boolean;
  /** Transient failures retried. */
  retries: number;
}

let sharedAgent: Agent | undefined;
function defaultDispatcher(): Agent {
  sharedAgent ??= new Agent({ connect: { timeout: SDK_TIMEOUT_MS }, headersTimeout: SDK_TIMEOUT_MS, bodyTimeout: SDK_TIMEOUT_MS });
  return sharedAgent;
}

function failed(url: string, problem: string, details: Record<string, unknown> = {}): TaskAgentError {
  return new TaskAgentError('TA_MEDIA_DOWNLOAD_FAILED', `Downloading ${redactUrl(url)} failed: ${problem}.`, {
    details: { url: redactUrl(url), ...details },
  });
}

/**
 * Streams `signedUrl` to `destPath`.
 * @throws TaskAgentError TA_MEDIA_DOWNLOAD_FAILED (status, network, write error; URL printed without its query)
 */
export async function downloadMedia(signedUrl: string, destPath: string, options: DownloadMediaOptions = {}): Promise<DownloadResult> {
  const dispatcher = options.dispatcher ?? defaultDispatcher();
  const timeout = options.timeoutMs ?? SDK_TIMEOUT_MS;
  const policy: RetryPolicy = { ...SDK_RETRY_POLICY, ...retryOverrides(), ...options.retry };
  let url = signedUrl;
  let refreshed = false;
  let retries = 0;
  /** Waits before the next try, or throws when the retries are used up. */
  const retryOrFail = async (problem: string, details: Record<string, unknown>, retryAfter?: string | string[]): Promise<void> => {
    if (retries >= policy.maxRetries) throw failed(url, `${problem} (after ${retries + 1} attempts)`, details);
    retries++;
    const after = parseRetryAfterMs(retryAfter, policy.retryAfterUnitMs);
    await sleep(after !== null ? Math.min(after, policy.retryAfterMaxMs) : backoffDelayMs(policy, retries));
  };
  for (;;) {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, { method: 'GET', dispatcher, headersTimeout: timeout, bodyTimeout: timeout });
    } catch (e) {
      const code = connectionErrorCode(e);
      if (code === undefined) throw failed(url, e instanceof Error ? e.name : 'network error');
      await retryOrFail(code, {});
      continue;
    }
    if (EXPIRED_URL_STATUSES.has(res.statusCode) && options.refresh && !refreshed) {
      await res.body.dump();
      const next = await options.refresh();
      if (!next) throw failed(url, `HTTP ${res.statusCode} and no fresh signed URL could be obtained`, { status: res.statusCode });
      url = next;
      refreshed = true;
      continue;
    }
    if (TRANSIENT_STATUSES.has(res.statusCode)) {
      await res.body.dump().catch(() => undefined);
      await retryOrFail(`HTTP ${res.statusCode}`, { status: res.statusCode }, res.headers['retry-after']);
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
      const code = connectionErrorCode(e);
      // A reset mid-body: the whole file again (signed URLs have no resumable sessions).
      if (code !== undefined) {
        await retryOrFail(code, {});
        continue;
      }
      throw failed(url, e instanceof Error ? e.message.replace(/https?:\/\/\S+/g, (u) => redactUrl(u)) : 'stream error');
    }
    const ct = res.headers['content-type'];
    return { path: destPath, bytes, contentType: typeof ct === 'string' ? ct : null, refreshed, retries };
  }
}
