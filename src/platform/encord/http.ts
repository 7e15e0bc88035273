/**
 * The Encord HTTP client on undici: signed v1 RPC and v2 REST calls with the SDK's transport
 * behaviour (protocol reference §1, §3, §9): 180 s timeouts, v1 envelopes unwrapped, v2 statuses
 * mapped to coded errors. Retries follow the SDK's policy with a run's additions (retry-rules.ts:
 * which statuses and failures, backoff and Retry-After, the run's RetryBudget, `idempotent: false`
 * calls that fail with `details.ambiguous` rather than risk applying twice, `details.resent`).
 * The transport is the dispatcher composed with three interceptors (http-interceptors.ts): the
 * retry, headers signed afresh inside it for every attempt, and gzip/deflate/br decoding outside.
 *
 * No secret reaches an error: URLs are printed without their query string, server messages are
 * scrubbed of query strings too, and headers are never echoed.
 */
import { Agent, request, type Dispatcher } from 'undici';
import { isTaskAgentError, TaskAgentError } from '../../shared/errors.js';
import { decodeInterceptor, retryInterceptor, signInterceptor, type EncordDispatchOptions } from './http-interceptors.js';
import { pythonJsonDumps } from './python-json.js';
import { redactText, redactUrl } from './redact.js';
import type { RetryBudget } from './retry-budget.js';
import { RequestRetries, SDK_RETRY_POLICY, type RetryPolicy, type SendOptions } from './retry-rules.js';
import { sdkUserAgent, v1Headers, v2Headers, type V1Resource } from './signing.js';
import type { Ed25519SigningKey } from './ssh-key.js';
import { pageFromWire, v1RequestEnvelope, type V1QueryMethod } from './wire.js';

/** The SDK's connect and read timeout. */
export const SDK_TIMEOUT_MS = 180_000;

/**
 * A query string as Python `requests` builds it from a DTO dict: form encoding (`quote_plus`),
 * lists as repeated keys, booleans `True`/`False`, null/undefined omitted, order kept.
 */
export function encodeQuery(params: Array<[string, unknown]> | Record<string, unknown>): string {
  const entries = Array.isArray(params) ? params : Object.entries(params);
  const enc = (s: string): string =>
    encodeURIComponent(s)
      .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
      .replace(/%20/g, '+');
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

/** The SDK exception class a v2 status maps to (§9.1). */
export function v2ErrorKind(status: number): string {
  switch (status) {
    case 400:
      return 'InvalidArgumentsError';
    case 401:
      return 'AuthenticationError';
    case 403:
      return 'AuthorisationError';
    case 404:
      return 'ResourceNotFoundError';
    case 405:
      return 'MethodNotAllowedError';
    case 413:
      return 'PayloadTooLargeError';
    case 429:
      return 'RateLimitExceededError';
    default:
      return 'UnknownException';
  }
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
  /** The dispatcher with the retry, signing and decoding interceptors. */
  private readonly transport: Dispatcher;
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
    this.dispatcher =
      options.dispatcher ??
      new Agent({ connect: { timeout: this.timeoutMs }, headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs });
    this.transport = this.dispatcher.compose(signInterceptor, retryInterceptor, decodeInterceptor);
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
    const res = await this.send(
      m,
      url,
      () => v2Headers(this.key, { method: m, requestTarget, body }, this.userAgent),
      body,
      sendOptions(options),
    );
    if (res.status === 204) return undefined;
    const where = `${m} ${redactUrl(url)}`;
    if (res.status === 200) {
      const text = res.body.toString('utf8');
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new TaskAgentError('TA_PLATFORM_REQUEST_FAILED', `${where}: error parsing JSON response (status 200).`, {
          details: { status: 200, method: m, url: redactUrl(url), ...sendDetails(res) },
        });
      }
    }
    throw v2StatusError(res, m, url);
  }

  /** One page of a paged v2 GET (`pageToken` sent first, as the SDK does). */
  async v2Page<T>(
    path: string,
    query: Array<[string, unknown]>,
    parseItem: (v: unknown) => T,
    options: { pageToken?: string | null; op?: string; what?: string } = {},
  ): Promise<{ results: T[]; nextPageToken: string | null }> {
    const q: Array<[string, unknown]> = [['pageToken', options.pageToken ?? undefined], ...query.filter(([k]) => k !== 'pageToken')];
    const body = await this.v2('GET', path, { query: q, ...(options.op !== undefined && { op: options.op }) });
    return pageFromWire(body, parseItem, options.what ?? 'result');
  }

  /** Every item of a paged v2 GET, fetched lazily page by page. */
  async *v2Paged<T>(
    path: string,
    query: Array<[string, unknown]>,
    parseItem: (v: unknown) => T,
    options: { op?: string; what?: string } = {},
  ): AsyncGenerator<T> {
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
    const body = Buffer.from(
      pythonJsonDumps(v1RequestEnvelope(queryType, queryMethod, options.uid ?? null, options.payload ?? null)),
      'utf8',
    );
    this.count(options.op);
    const res = await this.send('POST', url, () => v1Headers(this.key, body, options.resource, this.userAgent), body, sendOptions(options));
    const what = `${queryType} ${queryMethod} (${redactUrl(url)})`;
    let env: { status?: unknown; response?: unknown; payload?: unknown };
    try {
      env = JSON.parse(res.body.toString('utf8')) as typeof env;
    } catch {
      if (res.status === 401 || res.status === 403) throw unauthorized(`${what}: HTTP ${res.status}.`, { status: res.status });
      throw new TaskAgentError(
        'TA_PLATFORM_REQUEST_FAILED',
        `${what}: error parsing JSON response (HTTP ${res.status})${attemptsNote(res)}.`,
        { details: { status: res.status, ...sendDetails(res) } },
      );
    }
    if (typeof env !== 'object' || env === null) {
      throw new TaskAgentError(
        'TA_PLATFORM_REQUEST_FAILED',
        `${what}: the response is not a v1 envelope (HTTP ${res.status})${attemptsNote(res)}.`,
        { details: { status: res.status, ...sendDetails(res) } },
      );
    }
    if (env.status === 200) return env.response as T;
    const code = Array.isArray(env.response) && typeof env.response[0] === 'string' ? env.response[0] : 'UNKNOWN_ERROR';
    const extra =
      typeof env.payload === 'string'
        ? `: ${redactText(env.payload)}`
        : env.payload != null
          ? `: ${redactText(JSON.stringify(env.payload)).slice(0, 500)}`
          : '';
    const details = { status: typeof env.status === 'number' ? env.status : res.status, v1Code: code, ...sendDetails(res) };
    if (code === 'AUTHENTICATION_ERROR' || code === 'AUTHORISATION_ERROR' || code === 'SSH_KEY_NOT_FOUND_ERROR') {
      throw unauthorized(`${what} was rejected: ${code}${extra}.`, details);
    }
    throw new TaskAgentError('TA_PLATFORM_REQUEST_FAILED', `${what} failed: ${code}${extra}${attemptsNote(res)}.`, { details });
  }

  /**
   * Sends with the retry policy. Headers are made by `makeHeaders` for every attempt. Resolves
   * with the final response, its body decoded (the caller maps error statuses); network failures
   * that are not retried throw.
   * @throws TaskAgentError TA_PLATFORM_UNREACHABLE (`details.ambiguous` when the request may have been applied)
   */
  async send(
    method: string,
    url: string,
    makeHeaders: () => Record<string, string>,
    body: Buffer | undefined,
    options: SendOptions,
  ): Promise<SentResponse> {
    const retries = new RequestRetries(this.retry, this.budget, method, url, options);
    const signHeaders = (): Record<string, string> => {
      this.attemptCount++;
      return makeHeaders();
    };
    const sent: Omit<EncordDispatchOptions, 'path' | 'origin'> = {
      method,
      ...(body !== undefined && { body }),
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      signHeaders,
      retries,
    };
    try {
      const r = await request(url, { ...sent, dispatcher: this.transport });
      const res = { status: r.statusCode, headers: r.headers, body: Buffer.from(await r.body.arrayBuffer()) };
      return { ...res, attempts: retries.attempts, resent: retries.resent, budgetSpent: retries.budgetSpent };
    } catch (e) {
      if (isTaskAgentError(e)) throw e; // the retry rules' own verdict, or a body that did not decode
      throw new TaskAgentError(
        'TA_PLATFORM_UNREACHABLE',
        `${method} ${redactUrl(url)} failed: ${e instanceof Error ? redactText(e.message) : 'unknown error'}.`,
        {
          details: { method, url: redactUrl(url), attempts: retries.attempts, resent: retries.resent },
        },
      );
    }
  }

  /** Closes the own connection pool (not an injected dispatcher). */
  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }
}

function sendOptions(o: { retryable?: boolean; idempotent?: boolean }): SendOptions {
  return { retryable: o.retryable ?? true, idempotent: o.idempotent ?? true };
}

/** What an error built from this response should carry about its attempts. */
function sendDetails(res: SentResponse): Record<string, unknown> {
  return {
    attempts: res.attempts,
    resent: res.resent,
    ...(res.status >= 500 && { ambiguous: true }),
    ...(res.budgetSpent && { budgetSpent: true }),
  };
}

/** ` (after N attempts…)` for messages of failed requests that were retried. */
function attemptsNote(res: SentResponse): string {
  if (res.attempts <= 1 && !res.budgetSpent) return '';
  return ` (after ${res.attempts} attempt${res.attempts === 1 ? '' : 's'}${res.budgetSpent ? "; the run's retry budget is spent" : ''})`;
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
      const body = JSON.parse(res.body.toString('utf8')) as { message?: unknown; detail?: unknown };
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
  const details = {
    status: res.status,
    kind,
    method,
    url: redactUrl(url),
    ...(ra !== undefined && { retryAfterSeconds: ra }),
    ...(sent && sendDetails(sent)),
  };
  if (res.status === 401 || res.status === 403) return unauthorized(text, details);
  return new TaskAgentError('TA_PLATFORM_REQUEST_FAILED', text, { details });
}
