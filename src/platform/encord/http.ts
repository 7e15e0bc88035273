/**
 * The Encord HTTP client on undici: signed v1 RPC and v2 REST calls with the SDK's transport
 * behaviour (protocol reference §1, §3, §9): 180 s timeouts; 429/500/502/503 retried up to
 * 3 times for GET/POST/PUT with 0/3/6 s backoff (base configurable) and Retry-After honoured;
 * PATCH/DELETE never retried on a status; connection errors and resets retried 3 times for every
 * method; v1 envelopes unwrapped; v2 statuses mapped to coded errors. Headers are signed afresh
 * for every attempt. One deviation: a 413 is retried only when it carries Retry-After (a body too
 * large stays too large; callers split the bundle instead).
 *
 * A run adds two things (see RetryBudget): more retries per request, limited by a run-level
 * budget, and `idempotent: false` calls, which are re-sent only after faults that prove the
 * server did not act (429, a connection that never opened); after an ambiguous fault (5xx, a
 * reset mid-request) they fail with `details.ambiguous`, so the caller can check what was applied.
 * A request re-sent after an ambiguous fault reports `details.resent` when it then fails.
 *
 * No secret reaches an error: URLs are printed without their query string, server messages are
 * scrubbed of query strings too, and headers are never echoed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import { Agent, request, type Dispatcher } from 'undici';
import { TaskAgentError } from '../../shared/errors.js';
import { pythonJsonDumps } from './python-json.js';
import type { RetryBudget } from './retry-budget.js';
import { sdkUserAgent, v1Headers, v2Headers, type V1Resource } from './signing.js';
import type { Ed25519SigningKey } from './ssh-key.js';
import { pageFromWire, v1RequestEnvelope, type V1QueryMethod } from './wire.js';

/** How failed requests are retried (the SDK's urllib3 `Retry`, made tunable for tests). */
export interface RetryPolicy {
  /** Retries after the first attempt, per kind (status / connection). SDK: 3. */
  maxRetries: number;
  /** Backoff factor: retry n waits 0 for n = 1, `base × 2^(n-1)` after (SDK: 1500 ms → 0, 3, 6 s). */
  backoffBaseMs: number;
  /** Backoff cap (SDK: 120 s). */
  backoffMaxMs: number;
  /** Milliseconds per Retry-After second (1000; tests shrink it). */
  retryAfterUnitMs: number;
  /** Upper bound on one Retry-After wait (the SDK has none; this guards against absurd values). */
  retryAfterMaxMs: number;
  /** Statuses retried (SDK: 413, 429, 500, 502, 503; 413 here only with Retry-After). */
  statuses: readonly number[];
  /** Methods retried on a status (SDK: GET, POST, PUT — never PATCH/DELETE). */
  methods: readonly string[];
}

/** The Python SDK's policy (`http/utils.py` create_new_session, measured 0/3/6 s gaps). */
export const SDK_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxRetries: 3,
  backoffBaseMs: 1500,
  backoffMaxMs: 120_000,
  retryAfterUnitMs: 1000,
  retryAfterMaxMs: 600_000,
  statuses: Object.freeze([413, 429, 500, 502, 503]),
  methods: Object.freeze(['GET', 'POST', 'PUT']),
});

/** The SDK's connect and read timeout. */
export const SDK_TIMEOUT_MS = 180_000;

/** Statuses whose Retry-After urllib3 honours. */
const RETRY_AFTER_STATUSES = new Set([413, 429, 503]);

/** Statuses that prove the server did not act on the request (rate limited before handling). */
const UNAPPLIED_STATUSES = new Set([429]);

/** urllib3 backoff before retry number `n` (1-based): 0, then base × 2^(n-1), capped. */
export function backoffDelayMs(policy: Pick<RetryPolicy, 'backoffBaseMs' | 'backoffMaxMs'>, n: number): number {
  if (n <= 1) return 0;
  return Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** (n - 1));
}

/** Retry-After (delta-seconds or HTTP-date) → ms, or null when absent/invalid. */
export function parseRetryAfterMs(value: string | string[] | undefined, unitMs = 1000, nowMs = Date.now()): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined) return null;
  const t = v.trim();
  if (/^\d+$/.test(t)) return Number(t) * unitMs;
  const date = Date.parse(t);
  if (Number.isNaN(date)) return null;
  return Math.max(0, ((date - nowMs) / 1000) * unitMs);
}

/**
 * A query string as Python `requests` builds it from a DTO dict: form encoding (`quote_plus`),
 * lists as repeated keys, booleans `True`/`False`, null/undefined omitted, order kept.
 */
export function encodeQuery(params: Array<[string, unknown]> | Record<string, unknown>): string {
  const entries = Array.isArray(params) ? params : Object.entries(params);
  const enc = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, '+');
  const scalar = (v: unknown): string => (v === true ? 'True' : v === false ? 'False' : String(v));
  const parts: string[] = [];
  for (const [k, v] of entries) {
    if (v === undefined || v === null) continue;
    for (const item of Array.isArray(v) ? v : [v]) {
      if (item === undefined || item === null) continue;
      parts.push(`${enc(k)}=${enc(scalar(item))}`);
    }
  }
  return parts.join('&');
}

/** A URL without query string or fragment (signed URLs carry their credentials there). */
export function redactUrl(url: string | URL): string {
  const s = String(url);
  const cut = s.search(/[?#]/);
  return cut < 0 ? s : `${s.slice(0, cut)}?…`;
}

/** Scrubs query strings from every URL inside free text (server messages may quote signed URLs). */
export function redactText(text: string): string {
  return text.replace(/(https?:\/\/[^\s?#"'<>]+)[?#][^\s"'<>]*/g, '$1?…');
}

/** The SDK exception class a v2 status maps to (§9.1). */
export function v2ErrorKind(status: number): string {
  switch (status) {
    case 400: return 'InvalidArgumentsError';
    case 401: return 'AuthenticationError';
    case 403: return 'AuthorisationError';
    case 404: return 'ResourceNotFoundError';
    case 405: return 'MethodNotAllowedError';
    case 413: return 'PayloadTooLargeError';
    case 429: return 'RateLimitExceededError';
    default: return 'UnknownException';
  }
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNABORTED',
  'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT',
]);

/** Network failures before the request reached the server: a re-send cannot apply it twice. */
const CONNECT_ERROR_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** The error code of a network failure (own or cause's), or undefined for anything else. */
export function connectionErrorCode(e: unknown): string | undefined {
  for (let cur: unknown = e, depth = 0; cur && depth < 4; cur = (cur as { cause?: unknown }).cause, depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_ERROR_CODES.has(code)) return code;
  }
  return undefined;
}

/** A received response with its body read. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A response and how it was obtained (for the details of the error it may become). */
export interface SentResponse extends RawResponse {
  /** Attempts sent, the first included. */
  attempts: number;
  /** An earlier attempt failed ambiguously (the server may have acted on it) and the request was sent again. */
  resent: boolean;
  /** Retrying stopped because the run's retry budget was empty. */
  budgetSpent: boolean;
}

/** How a call may be retried. */
export interface SendOptions {
  /** Whether statuses are retried (the SDK's `allow_retries`). */
  retryable: boolean;
  /** False: re-sent only after faults that prove the server did not act (see the module comment). */
  idempotent: boolean;
}

export interface EncordHttpOptions {
  /** API domain, e.g. `https://api.encord.com` (no trailing slash needed). */
  domain: string;
  key: Ed25519SigningKey;
  /** Connect, headers and body timeout (default 180 s). */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Appended to the User-Agent (RFC 9110 product tokens). */
  userAgentSuffix?: string;
  /** Use this dispatcher instead of an own Agent (not closed by close()). */
  dispatcher?: Dispatcher;
  /** The run's retry budget, shared with its other clients; without one only `maxRetries` limits retries. */
  budget?: RetryBudget;
}

export interface V2CallOptions {
  query?: Array<[string, unknown]> | Record<string, unknown>;
  /** A JSON value (serialized like Python json.dumps). */
  body?: unknown;
  /** Whether statuses are retried (the SDK's `allow_retries`, default true). */
  retryable?: boolean;
  /** Whether sending it twice is harmless (default true); see SendOptions. */
  idempotent?: boolean;
  /** Operation name for callCounts(). */
  op?: string;
}

export interface V1CallOptions {
  uid?: unknown;
  payload?: unknown;
  resource: V1Resource;
  /** `/public/user` instead of `/public`. */
  userScoped?: boolean;
  retryable?: boolean;
  idempotent?: boolean;
  op?: string;
}

/** Signed Encord API client. One per process (or per worker); safe for concurrent calls. */
export class EncordHttpClient {
  readonly domain: string;
  readonly retry: RetryPolicy;
  readonly budget: RetryBudget | undefined;
  private readonly key: Ed25519SigningKey;
  private readonly userAgent: string;
  private readonly timeoutMs: number;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly counts = new Map<string, number>();
  private attemptCount = 0;

  constructor(options: EncordHttpOptions) {
    this.domain = options.domain.replace(/\/+$/, '');
    this.key = options.key;
    this.retry = { ...SDK_RETRY_POLICY, ...options.retry };
    this.budget = options.budget;
    this.userAgent = sdkUserAgent(options.userAgentSuffix);
    this.timeoutMs = options.timeoutMs ?? SDK_TIMEOUT_MS;
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher = options.dispatcher ?? new Agent({ connect: { timeout: this.timeoutMs }, headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs });
  }

  /** Logical requests per operation name (retries not counted). */
  callCounts(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  /**
   * Whether a caller's own re-send number `n` (1-based, e.g. after checking what an ambiguous
   * failure applied) may go ahead: within `maxRetries` and paid from the budget, as retries here are.
   */
  allowRetry(n: number): boolean {
    return n <= this.retry.maxRetries && (this.budget?.take() ?? true);
  }

  /** HTTP attempts sent, retries included. */
  attempts(): number {
    return this.attemptCount;
  }

  private count(op: string | undefined): void {
    if (op) this.counts.set(op, (this.counts.get(op) ?? 0) + 1);
  }

  /** The path+query of a v2 call (the signed `@request-target`) and its full URL. */
  v2Target(path: string, query?: V2CallOptions['query']): { url: string; requestTarget: string } {
    const clean = path.replace(/^\/+/, '').replace(/\/+$/, '');
    const qs = query ? encodeQuery(query) : '';
    const url = `${this.domain}/v2/public/${clean}${qs ? `?${qs}` : ''}`;
    const u = new URL(url);
    return { url, requestTarget: `${u.pathname}${qs ? `?${qs}` : ''}` };
  }

  /**
   * One v2 REST call. Resolves with the parsed JSON (200) or undefined (204).
   * @throws TaskAgentError TA_PLATFORM_UNAUTHORIZED (401/403), TA_PLATFORM_REQUEST_FAILED (other
   *   statuses, details.status / details.kind), TA_PLATFORM_UNREACHABLE (network, after retries)
   */
  async v2<T = unknown>(method: string, path: string, options: V2CallOptions = {}): Promise<T | undefined> {
    const m = method.toUpperCase();
    const { url, requestTarget } = this.v2Target(path, options.query);
    const body = options.body === undefined ? undefined : Buffer.from(pythonJsonDumps(options.body), 'utf8');
    this.count(options.op);
    const res = await this.send(m, url, () => v2Headers(this.key, { method: m, requestTarget, body }, this.userAgent), body, sendOptions(options));
    if (res.status === 204) return undefined;
    const where = `${m} ${redactUrl(url)}`;
    if (res.status === 200) {
      const text = decodeBody(res).toString('utf8');
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new TaskAgentError('TA_PLATFORM_REQUEST_FAILED', `${where}: error parsing JSON response (status 200).`, { details: { status: 200, method: m, url: redactUrl(url), ...sendDetails(res) } });
      }
    }
    throw v2StatusError(res, m, url);
  }

  /** One page of a paged v2 GET (`pageToken` sent first, as the SDK does). */
  async v2Page<T>(path: string, query: Array<[string, unknown]>, parseItem: (v: unknown) => T, options: { pageToken?: string | null; op?: string; what?: string } = {}): Promise<{ results: T[]; nextPageToken: string | null }> {
    const q: Array<[string, unknown]> = [['pageToken', options.pageToken ?? undefined], ...query.filter(([k]) => k !== 'pageToken')];
    const body = await this.v2('GET', path, { query: q, ...(options.op !== undefined && { op: options.op }) });
    return pageFromWire(body, parseItem, options.what ?? 'result');
  }

  /** Every item of a paged v2 GET, fetched lazily page by page. */
  async *v2Paged<T>(path: string, query: Array<[string, unknown]>, parseItem: (v: unknown) => T, options: { op?: string; what?: string } = {}): AsyncGenerator<T> {
    let pageToken: string | null = null;
    do {
      const page: { results: T[]; nextPageToken: string | null } = await this.v2Page(path, query, parseItem, { ...options, pageToken });
      yield* page.results;
      pageToken = page.nextPageToken;
    } while (pageToken !== null);
  }

  /**
   * One v1 RPC call; resolves with the envelope's `response`.
   * @throws TaskAgentError TA_PLATFORM_UNAUTHORIZED, TA_PLATFORM_REQUEST_FAILED (details.v1Code), TA_PLATFORM_UNREACHABLE
   */
  async v1<T = unknown>(queryType: string, queryMethod: V1QueryMethod, options: V1CallOptions): Promise<T> {
    const url = `${this.domain}/public${options.userScoped ? '/user' : ''}`;
    const body = Buffer.from(pythonJsonDumps(v1RequestEnvelope(queryType, queryMethod, options.uid ?? null, options.payload ?? null)), 'utf8');
    this.count(options.op);
    const res = await this.send('POST', url, () => v1Headers(this.key, body, options.resource, this.userAgent), body, sendOptions(options));
    const what = `${queryType} ${queryMethod} (${redactUrl(url)})`;
    let env: { status?: unknown; response?: unknown; payload?: unknown };
    try {
      env = JSON.parse(decodeBody(res).toString('utf8')) as typeof env;
    } catch {
      if (res.status === 401 || res.status === 403) throw unauthorized(`${what}: HTTP ${res.status}.`, { status: res.status });
      throw new TaskAgentError('TA_PLATFORM_REQUEST_FAILED', `${what}: error parsing JSON response (HTTP ${res.status})${attemptsNote(res)}.`, { details: { status: res.status, ...sendDetails(res) } });
    }
    if (typeof env !== 'object' || env === null) {
      throw new TaskAgentError('TA_PLATFORM_REQUEST_FAILED', `${what}: the response is not a v1 envelope (HTTP ${res.status})${attemptsNote(res)}.`, { details: { status: res.status, ...sendDetails(res) } });
    }
    if (env.status === 200) return env.response as T;
    const code = Array.isArray(env.response) && typeof env.response[0] === 'string' ? env.response[0] : 'UNKNOWN_ERROR';
    const extra = typeof env.payload === 'string' ? `: ${redactText(env.payload)}` : env.payload != null ? `: ${redactText(JSON.stringify(env.payload)).slice(0, 500)}` : '';
    const details = { status: typeof env.status === 'number' ? env.status : res.status, v1Code: code, ...sendDetails(res) };
    if (code === 'AUTHENTICATION_ERROR' || code === 'AUTHORISATION_ERROR' || code === 'SSH_KEY_NOT_FOUND_ERROR') {
      throw unauthorized(`${what} was rejected: ${code}${extra}.`, details);
    }
    throw new TaskAgentError('TA_PLATFORM_REQUEST_FAILED', `${what} failed: ${code}${extra}${attemptsNote(res)}.`, { details });
  }

  /**
   * Sends with the retry policy. Headers are rebuilt per attempt (fresh trace id and `created`,
   * so a long Retry-After never makes a signature stale). Resolves with the last response (the
   * caller maps error statuses); network failures that are not retried throw.
   * @throws TaskAgentError TA_PLATFORM_UNREACHABLE (`details.ambiguous` when the request may have been applied)
   */
  async send(method: string, url: string, makeHeaders: () => Record<string, string>, body: Buffer | undefined, options: SendOptions): Promise<SentResponse> {
    const p = this.retry;
    const statusRetriable = options.retryable && p.methods.includes(method);
    let statusRetries = 0;
    let errorRetries = 0;
    let history = 0;
    let attempts = 0;
    let ambiguousBefore = false;
    for (;;) {
      let res: RawResponse;
      const resent = ambiguousBefore;
      try {
        this.attemptCount++;
        attempts++;
        const r = await request(url, {
          method: method, headers: makeHeaders(), ...(body !== undefined && { body }),
          dispatcher: this.dispatcher, headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs,
        });
        res = { status: r.statusCode, headers: r.headers, body: Buffer.from(await r.body.arrayBuffer()) };
      } catch (e) {
        const code = connectionErrorCode(e);
        const where = `${method} ${redactUrl(url)}`;
        if (code === undefined) throw new TaskAgentError('TA_PLATFORM_UNREACHABLE', `${where} failed: ${e instanceof Error ? redactText(e.message) : 'unknown error'}.`, { details: { method, url: redactUrl(url), attempts, resent } });
        const ambiguous = !CONNECT_ERROR_CODES.has(code);
        const stop = errorRetries >= p.maxRetries ? 'limit' : ambiguous && !options.idempotent ? 'ambiguous' : this.budget && !this.budget.take() ? 'budget' : null;
        if (stop !== null) {
          const why = stop === 'budget' ? ' (the run\'s retry budget is spent)' : stop === 'ambiguous' ? ' (not re-sent: the server may have applied it)' : '';
          throw new TaskAgentError('TA_PLATFORM_UNREACHABLE', `${where} failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${code}${why}.`, {
            details: { method, url: redactUrl(url), code, attempts, resent, ...(ambiguous && { ambiguous: true }), ...(stop === 'budget' && { budgetSpent: true }) },
          });
        }
        ambiguousBefore ||= ambiguous;
        errorRetries++;
        history++;
        await sleep(backoffDelayMs(p, history));
        continue;
      }
      const ra = RETRY_AFTER_STATUSES.has(res.status) ? parseRetryAfterMs(res.headers['retry-after'], p.retryAfterUnitMs) : null;
      // A 413 without Retry-After is about the body, which a re-send does not change.
      const transient = statusRetriable && p.statuses.includes(res.status) && (res.status !== 413 || ra !== null);
      if (!transient) {
        this.budget?.answered();
        return { ...res, attempts, resent, budgetSpent: false };
      }
      const ambiguous = !UNAPPLIED_STATUSES.has(res.status);
      if (statusRetries >= p.maxRetries || (ambiguous && !options.idempotent)) return { ...res, attempts, resent, budgetSpent: false };
      if (this.budget && !this.budget.take()) return { ...res, attempts, resent, budgetSpent: true };
      ambiguousBefore ||= ambiguous;
      statusRetries++;
      history++;
      await sleep(ra !== null ? Math.min(ra, p.retryAfterMaxMs) : backoffDelayMs(p, history));
    }
  }

  /** Closes the own connection pool (not an injected dispatcher). */
  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }
}

function decodeBody(res: RawResponse): Buffer {
  const enc = res.headers['content-encoding'];
  if ((Array.isArray(enc) ? enc[0] : enc)?.toLowerCase() === 'gzip' && res.body.length > 0) return gunzipSync(res.body);
  return res.body;
}

function sendOptions(o: { retryable?: boolean; idempotent?: boolean }): SendOptions {
  return { retryable: o.retryable ?? true, idempotent: o.idempotent ?? true };
}

/** What an error built from this response should carry about its attempts. */
function sendDetails(res: SentResponse): Record<string, unknown> {
  return {
    attempts: res.attempts, resent: res.resent,
    ...(res.status >= 500 && { ambiguous: true }), ...(res.budgetSpent && { budgetSpent: true }),
  };
}

/** ` (after N attempts…)` for messages of failed requests that were retried. */
function attemptsNote(res: SentResponse): string {
  if (res.attempts <= 1 && !res.budgetSpent) return '';
  return ` (after ${res.attempts} attempt${res.attempts === 1 ? '' : 's'}${res.budgetSpent ? '; the run\'s retry budget is spent' : ''})`;
}

function unauthorized(message: string, details: Record<string, unknown>): TaskAgentError {
  return new TaskAgentError('TA_PLATFORM_UNAUTHORIZED', message, { details });
}

/** The coded error for a non-200/204 v2 response (message from body `message` or `detail`). */
export function v2StatusError(res: RawResponse | SentResponse, method: string, url: string): TaskAgentError {
  const kind = v2ErrorKind(res.status);
  let message = '';
  if (res.status === 404) message = 'the requested resource was not found';
  else if (res.status === 405) message = 'method not allowed';
  else {
    try {
      const body = JSON.parse(decodeBody(res).toString('utf8')) as { message?: unknown; detail?: unknown };
      const m = body?.message ?? body?.detail;
      if (m !== undefined && m !== null) message = typeof m === 'string' ? m : JSON.stringify(m);
    } catch {
      // not JSON: keep the default text
    }
  }
  const retryAfter = res.headers['retry-after'];
  const ra = typeof retryAfter === 'string' && /^\d+$/.test(retryAfter) ? Number(retryAfter) : undefined;
  const sent = 'attempts' in res ? res : undefined;
  const text = `${method} ${redactUrl(url)} → ${res.status} ${kind}${message ? `: ${redactText(message).slice(0, 1000)}` : ''}${sent ? attemptsNote(sent) : ''}.`;
  const details = { status: res.status, kind, method, url: redactUrl(url), ...(ra !== undefined && { retryAfterSeconds: ra }), ...(sent && sendDetails(sent)) };
  if (res.status === 401 || res.status === 403) return unauthorized(text, details);
  return new TaskAgentError('TA_PLATFORM_REQUEST_FAILED', text, { details });
}
