/**
 * The `project view` web server (main thread): a read-only page over one local project. It serves
 * the page's three static files from the package's viewer/ folder, a small JSON API over the
 * project (opened read-only, read again on every request so a running agent's work shows up), and
 * the project's media: image files as they are, video frames as JPEG from the frame thread. Only
 * GET and HEAD; media paths are confined to the project's media folder; a request naming another
 * host (DNS rebinding) is refused unless the server was bound to a non-loopback address.
 */
import { createServer, type ServerResponse } from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { TaskAgentError, isTaskAgentError, serializeError } from '../../shared/errors.js';
import { LocalProject } from '../../platform/local/local-project.js';
import { frameSource, projectView, unitView, unitsView } from './view-model.js';
import { FrameRenderer } from './frame-renderer.js';

const VIEWER_DIR = new URL('../viewer/', import.meta.url);
/** The only files served from the package: the page and its script and style. */
const STATIC: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/viewer.js': { file: 'viewer.js', type: 'text/javascript; charset=utf-8' },
  '/viewer.css': { file: 'viewer.css', type: 'text/css; charset=utf-8' },
};
/** Image types every browser shows; others (TIFF…) are sent as JPEG from the decoder. */
const BROWSER_IMAGES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/bmp']);
const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
};

export interface ViewerOptions {
  dir: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
}

export interface Viewer {
  readonly url: string;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: string | Uint8Array, type: string, headers: Record<string, string> = {}): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': bytes.byteLength,
    'Cache-Control': 'no-store',
    ...SECURITY_HEADERS,
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : bytes);
}

const json = (res: ServerResponse, status: number, body: unknown) => send(res, status, JSON.stringify(body), 'application/json');

function fail(res: ServerResponse, status: number, code: string, message: string): void {
  json(res, status, { error: { code, message } });
}

/** HTTP status for a coded error from the project or the decoder. */
function statusOf(code: string): number {
  if (code === 'TA_MEDIA_OUTSIDE_PROJECT') return 403;
  if (code === 'TA_MEDIA_MISSING') return 404;
  if (code === 'TA_MEDIA_DECODE_FAILED' || code === 'TA_MEDIA_UNSUPPORTED') return 422;
  return 500;
}

async function sendFile(res: ServerResponse, path: string, type: string): Promise<void> {
  let size: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new Error('not a file');
    size = s.size;
  } catch {
    throw new TaskAgentError('TA_MEDIA_MISSING', 'the media file of this data unit is missing', {
      hint: 'restore it in the project media folder',
    });
  }
  res.writeHead(200, { 'Content-Type': type, 'Content-Length': size, 'Cache-Control': 'no-store', ...SECURITY_HEADERS });
  if (res.req.method === 'HEAD') return void res.end();
  await new Promise<void>((resolve, reject) => createReadStream(path).on('error', reject).on('end', resolve).pipe(res));
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** Starts the viewer; resolves once it listens. Throws TA_CFG_PROJECT_NOT_FOUND / TA_CFG_INVALID. */
export async function startViewer(options: ViewerOptions): Promise<Viewer> {
  const project = LocalProject.open(options.dir, { readOnly: true });
  const frames = new FrameRenderer();
  const host = options.host ?? '127.0.0.1';
  let allowedHosts: Set<string> | null = null;

  const routes = async (res: ServerResponse, url: URL): Promise<void> => {
    const page = STATIC[url.pathname];
    if (page) return sendFile(res, fileURLToPath(new URL(page.file, VIEWER_DIR)), page.type);
    if (url.pathname === '/api/project') return json(res, 200, projectView(project));
    if (url.pathname === '/api/units') {
      const num = (k: string, d: number, max: number) => Math.min(max, Math.max(0, Math.floor(Number(url.searchParams.get(k) ?? d)) || 0));
      const stage = url.searchParams.get('stage') || undefined;
      return json(
        res,
        200,
        unitsView(project, {
          ...(stage !== undefined && { stage }),
          offset: num('offset', 0, Number.MAX_SAFE_INTEGER),
          limit: num('limit', 48, 500) || 48,
        }),
      );
    }
    const unit = /^\/api\/units\/([0-9a-fA-F-]{1,64})$/.exec(url.pathname);
    if (unit) {
      const view = unitView(project, unit[1]);
      return view ? json(res, 200, view) : fail(res, 404, 'not_found', 'no such data unit');
    }
    const frame = /^\/api\/units\/([0-9a-fA-F-]{1,64})\/frames\/(\d{1,9})$/.exec(url.pathname);
    if (frame) {
      const src = frameSource(project, frame[1], Number(frame[2]));
      if (!src) return fail(res, 404, 'not_found', 'no such data unit or frame');
      if (src.kind === 'file' && BROWSER_IMAGES.has(src.mimeType ?? '')) return sendFile(res, src.path, src.mimeType!);
      const jpeg = src.kind === 'video' ? await frames.render(src.path, src.frame, 'video') : await frames.render(src.path, 0, 'image');
      return send(res, 200, jpeg, 'image/jpeg');
    }
    return fail(res, 404, 'not_found', 'not found');
  };

  const server = createServer((req, res) => {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD')
      return send(res, 405, 'read-only viewer: GET and HEAD only\n', 'text/plain', { Allow: 'GET, HEAD' });
    if (allowedHosts && !allowedHosts.has((req.headers.host ?? '').toLowerCase())) return send(res, 421, 'unknown host\n', 'text/plain');
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://viewer');
    } catch {
      return send(res, 400, 'bad request\n', 'text/plain');
    }
    routes(res, url).catch((e: unknown) => {
      const s = serializeError(e, 'TA_INTERNAL');
      if (!isTaskAgentError(e)) process.stderr.write(`project view: ${s.code}: ${s.message}\n`);
      if (res.headersSent) return void res.destroy();
      fail(res, statusOf(s.code), s.code, s.message);
    });
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => resolve());
    });
  } catch (cause) {
    project.close();
    throw new TaskAgentError('TA_CFG_INVALID', `cannot listen on ${host}:${options.port ?? 0}: ${(cause as Error).message}`, {
      hint: 'pick another --port (0 = any free port) or --host',
    });
  }
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  if (isLoopback(host))
    allowedHosts = new Set([`${shownHost}:${port}`, `localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`].map((h) => h.toLowerCase()));
  return {
    url: `http://${shownHost}:${port}`,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await frames.close();
      project.close();
    },
  };
}
