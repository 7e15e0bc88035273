/**
 * The Encord emulator: an HTTP server (node:http) speaking the Encord wire protocol over a local
 * project, so EncordPlatform (and the Python SDK) can run against it. It verifies request
 * signatures against OpenSSH ed25519 public keys, serves media through expiring signed URLs,
 * counts requests per endpoint (`GET /_emulator/stats`), logs each request's arrival and end
 * (`GET /_emulator/requests`), injects faults on demand, limits body
 * size (413) and answers malformed JSON with 400. Nothing it logs contains keys or URL tokens.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalProject } from '../local/local-project.js';
import { TaskAgentError } from '../../shared/errors.js';
import { verifyV1Request, verifyV2Request, type KeyLookup } from '../encord/signing.js';
import { v1Failure, v2ErrorBody } from '../encord/wire.js';
import type { AuthorizedKey } from '../encord/ssh-key.js';
import { ApiError, type RouteResult } from './api-error.js';
import type { ApiContext } from './api-context.js';
import { FaultInjector, parseFaultSpec, type FaultSpec } from './fault-injector.js';
import { BodyTooLarge, parseJson, readBody, sendJson } from './http-io.js';
import { RequestStats, epochMs, type EmulatorStats, type RequestLogEntry } from './request-stats.js';
import { MEDIA_PREFIX, UrlSigner } from './signed-urls.js';
import { handleV1 } from './v1-routes.js';
import { handleV2 } from './v2-routes.js';
import { WebhookNotifier, type WebhookOptions } from './webhook-notifier.js';

export interface EmulatorOptions {
  /** Local project directory to serve, or several (twin projects); each under its projectHash. */
  dir: string | string[];
  host?: string;
  /** 0 (default) = any free port. */
  port?: number;
  /** Registered keys (from parseAuthorizedKeys). Omitted: any correctly signed request is accepted. */
  authorizedKeys?: Map<string, AuthorizedKey>;
  /** Fault spec (`429:0.1,500:0.05,reset:0.02,latency:50ms`) or its parsed form. */
  faults?: string | FaultSpec;
  /** Seed for the fault RNG (reproducible tests). */
  faultSeed?: number;
  /** Retry-After seconds sent with injected 429/503 (default 1). */
  retryAfterSeconds?: number;
  /** Signed media URL lifetime (default 1 h). */
  urlTtlMs?: number;
  /** Request body limit (default 32 MiB). */
  maxBodyBytes?: number;
  /** Tasks per page of a stage listing, 1..10 000 (default DEFAULT_PAGE_SIZE). */
  pageSize?: number;
  /** Oldest accepted v2 `created`, seconds (default 300). */
  maxSignatureAgeSeconds?: number;
  /** Send signed task-ready notifications for tasks waiting in agent stages (see webhook-notifier.ts). */
  webhook?: WebhookOptions;
}

/** A started emulator. */
export interface RunningEmulator {
  /** `http://host:port`: what to put in ENCORD_DOMAIN. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The first served project's hash. */
  readonly projectHash: string;
  readonly projectHashes: string[];
  stats(): EmulatorStats;
  /** The request log (see request-stats.ts). */
  requestLog(): { requests: RequestLogEntry[]; dropped: number };
  close(): Promise<void>;
}

/**
 * Tasks per page when not told: the server decides on Encord too. Neither a multiple nor a divisor
 * of the runner's default batch (300), so default runs both split pages and join them.
 */
export const DEFAULT_PAGE_SIZE = 500;

const MIME: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.bmp': 'image/bmp',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.mov': 'video/quicktime',
  '.mkv': 'video/x-matroska',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
};

/** Starts an emulator for a project directory. */
export async function startEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  const opened: LocalProject[] = [];
  try {
    for (const dir of Array.isArray(options.dir) ? options.dir : [options.dir]) opened.push(LocalProject.open(dir));
  } catch (e) {
    for (const p of opened) p.close();
    throw e;
  }
  const projects = new Map(opened.map((p) => [p.info.projectHash, p]));
  if (projects.size !== opened.length) {
    for (const p of opened) p.close();
    throw new TaskAgentError('TA_CFG_INVALID', 'the same project was given twice');
  }
  const project = opened[0];
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 10_000) {
    for (const p of opened) p.close();
    throw new TaskAgentError('TA_CFG_INVALID', `the page size must be an integer in 1..10000, got ${pageSize}`);
  }
  const stats = new RequestStats();
  const signer = new UrlSigner(options.urlTtlMs ?? 3_600_000);
  const faults =
    options.faults === undefined
      ? null
      : new FaultInjector(typeof options.faults === 'string' ? parseFaultSpec(options.faults) : options.faults, options.faultSeed);
  const keys: KeyLookup = options.authorizedKeys ?? ((hex: string) => ({ publicKey: undefined as never, publicKeyHex: hex })); // any valid signature
  const maxBody = options.maxBodyBytes ?? 32 * 1024 * 1024;
  const retryAfter = String(options.retryAfterSeconds ?? 1);
  let notifier: WebhookNotifier | undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const target = req.url ?? '/';
    const url = new URL(target, 'http://emulator');
    const method = req.method ?? 'GET';
    if (url.pathname === '/_emulator/stats' && method === 'GET')
      return sendJson(res, 200, { ...stats.snapshot(), ...(notifier && { webhooks: notifier.stats() }) });
    if (url.pathname === '/_emulator/requests' && method === 'GET') return sendJson(res, 200, stats.log());

    const isV1 = url.pathname === '/public' || url.pathname === '/public/user';
    const isV2 = url.pathname.startsWith('/v2/public/');
    // A `lost` fault: the request was handled; its answer never leaves.
    const dropAnswer = (): boolean => {
      if (!lost) return false;
      stats.fault('lost');
      entry.endpoint = 'fault lost';
      req.socket.destroy();
      return true;
    };
    const fail = (status: number, message: string, v1Code?: string, headers: Record<string, string> = {}): void => {
      if (dropAnswer()) return;
      if (isV1) {
        const f = v1Failure(
          v1Code ??
            (status >= 500 || status === 429 ? 'UNKNOWN_ERROR' : status === 404 ? 'RESOURCE_NOT_FOUND_ERROR' : 'INVALID_ARGUMENTS_ERROR'),
          message,
        );
        return sendJson(res, status, { ...f.body, status }, headers);
      }
      return sendJson(res, status, v2ErrorBody(message), headers);
    };
    const isMedia = url.pathname.startsWith(MEDIA_PREFIX) && (method === 'GET' || method === 'HEAD');
    if (!isV1 && !isV2 && !isMedia) return fail(404, 'no such endpoint');
    if (!isMedia) stats.arrived();
    // The log entry is written when the response ends; what it was is known by then.
    const entry: RequestLogEntry = { endpoint: isMedia ? 'media' : `${method} ${isV1 ? 'v1' : 'v2'}`, start: epochMs(), end: 0, status: 0 };
    res.once('close', () => {
      entry.end = epochMs();
      entry.status = res.statusCode;
      stats.logged(entry);
    });

    // Media hosts fail too (503s, resets), so faults hit media downloads as well as API calls.
    let lost = false;
    if (faults) {
      if (faults.spec.latencyMs > 0) await sleep(faults.spec.latencyMs);
      const f = faults.roll();
      if (f?.kind === 'reset' || (f?.kind === 'lost' && isMedia)) {
        stats.fault(f.kind);
        entry.endpoint = `fault ${f.kind}`;
        req.socket.destroy();
        return;
      }
      lost = f?.kind === 'lost';
      if (f?.kind === 'status') {
        stats.fault(String(f.status));
        entry.endpoint = `fault ${f.status}`;
        const headers: Record<string, string> = f.status === 429 || f.status === 503 ? { 'Retry-After': retryAfter } : {};
        if (isMedia) return sendJson(res, f.status, { message: `injected fault ${f.status}` }, headers);
        return fail(f.status, `injected fault ${f.status}`, undefined, headers);
      }
    }
    if (isMedia) return serveMedia(req, res, target);

    let body: Buffer;
    try {
      body = await readBody(req, maxBody);
    } catch (e) {
      if (e instanceof BodyTooLarge) return fail(413, `request body exceeds ${maxBody} bytes`);
      throw e;
    }

    const verdict = isV1
      ? verifyV1Request({ headers: req.headers, body, keys })
      : verifyV2Request({
          method,
          requestTarget: target,
          headers: req.headers,
          body,
          keys,
          ...(options.maxSignatureAgeSeconds !== undefined && { maxAgeSeconds: options.maxSignatureAgeSeconds }),
        });
    if (!verdict.ok) {
      stats.rejected(verdict.status);
      entry.endpoint = `rejected ${verdict.status}`;
      return fail(verdict.status, verdict.reason, verdict.v1Code);
    }

    let json: unknown;
    if (body.length > 0 || isV1) {
      const parsed = parseJson(body);
      if (!parsed.ok) return fail(400, 'the request body is not valid JSON');
      json = parsed.value;
    }
    const resourceId = req.headers['resourceid'];
    const v1Resource = Array.isArray(resourceId) ? resourceId[0] : resourceId;
    const ctx: ApiContext = {
      project: (isV1 && projects.get(v1Resource ?? '')) || project,
      projects,
      signer,
      baseUrl: `http://${req.headers.host ?? 'localhost'}`,
      pageSize,
    };
    let result: RouteResult;
    try {
      result = isV1 ? handleV1(ctx, v1Resource, json) : handleV2(ctx, method, url, json);
    } catch (e) {
      if (e instanceof ApiError) {
        stats.handled(`${e.status} ${isV1 ? 'v1' : method + ' v2'}`);
        entry.endpoint = `${e.status} ${isV1 ? 'v1' : method + ' v2'}`;
        return fail(e.status, e.message, e.v1Code);
      }
      throw e;
    }
    stats.handled(result.endpoint);
    entry.endpoint = result.endpoint;
    if (result.items) entry.items = result.items;
    if (dropAnswer()) return;
    if (result.body === undefined) {
      res.writeHead(result.status);
      res.end();
    } else {
      sendJson(res, result.status, result.body);
    }
  };

  const serveMedia = (req: IncomingMessage, res: ServerResponse, target: string): void => {
    const check = signer.check(target);
    if (!check.ok) return sendJson(res, 403, { message: check.reason === 'expired' ? 'the signed URL has expired' : 'invalid signature' });
    // Signed paths are `<projectHash>/<path inside that project's media folder>`.
    const slash = check.relPath.indexOf('/');
    const owner = projects.get(check.relPath.slice(0, slash));
    let file: string;
    try {
      if (!owner) throw new Error('unknown project');
      file = owner.mediaPath(check.relPath.slice(slash + 1));
    } catch {
      return sendJson(res, 403, { message: 'invalid path' });
    }
    if (!existsSync(file) || !statSync(file).isFile()) return sendJson(res, 404, { message: 'not found' });
    stats.mediaServed();
    res.writeHead(200, {
      'Content-Type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': statSync(file).size,
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      // Never crash, never echo internals: a 500 with a fixed message; the cause's message to stderr.
      process.stderr.write(`emulator: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
      if (!res.headersSent) sendJson(res, 500, { message: 'internal emulator error' });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  if (options.webhook) notifier = new WebhookNotifier(projects, options.webhook);
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}`,
    host,
    port,
    projectHash: project.info.projectHash,
    projectHashes: [...projects.keys()],
    stats: () => stats.snapshot(),
    requestLog: () => stats.log(),
    close: async () => {
      await notifier?.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      for (const p of opened) p.close();
    },
  };
}
