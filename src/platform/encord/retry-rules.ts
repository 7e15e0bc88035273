/**
 * When a failed Encord API request is sent again, and when it is given up: the SDK's urllib3
 * policy (protocol reference §9.2) plus what a run adds (RetryBudget, `idempotent: false`). These
 * are decisions only; the retry interceptor (http-interceptors.ts) waits and re-sends.
 *
 * - 429/500/502/503 are retried up to `maxRetries` times for GET/POST/PUT, after Retry-After or
 *   the backoff 0, base×2, base×4…; PATCH/DELETE and `retryable: false` calls never on a status.
 *   A 413 only with Retry-After (a body too large stays too large; callers split the bundle).
 * - Network failures are retried up to `maxRetries` times for every method (a separate count).
 * - `idempotent: false` calls are re-sent only after faults that prove the server did not act
 *   (429, a connection that never opened); after an ambiguous one (5xx, a reset mid-request) they
 *   fail with `details.ambiguous`. An attempt that follows an ambiguous fault is `resent`.
 * - Every retry spends one token of the run's budget; an answered request earns some back.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { TaskAgentError } from '../../shared/errors.js';
import { redactText, redactUrl } from './redact.js';
import type { RetryBudget } from './retry-budget.js';

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

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'ECONNABORTED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
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

/** How a call may be retried. */
export interface SendOptions {
  /** Whether statuses are retried (the SDK's `allow_retries`). */
  retryable: boolean;
  /** False: re-sent only after faults that prove the server did not act (see the module comment). */
  idempotent: boolean;
}

/** One request's retries: counts its attempts and decides after each one. */
export class RequestRetries {
  /** Attempts sent, the first included. */
  attempts = 0;
  /** The latest attempt followed an ambiguous failure (the server may have acted on an earlier one). */
  resent = false;
  /** Retrying stopped because the run's retry budget was empty. */
  budgetSpent = false;
  #statusRetries = 0;
  #errorRetries = 0;
  #ambiguousBefore = false;

  /** The request's URL as messages show it (no query string). */
  readonly #url: string;

  constructor(
    private readonly policy: RetryPolicy,
    private readonly budget: RetryBudget | undefined,
    private readonly method: string,
    url: string,
    private readonly options: SendOptions,
  ) {
    this.#url = redactUrl(url);
  }

  /** An attempt is about to be sent. */
  attempt(): void {
    this.attempts++;
    this.resent = this.#ambiguousBefore;
  }

  /** The attempt was answered: ms to wait before sending it again, or null when this is the answer. */
  afterResponse(status: number, headers: IncomingHttpHeaders): number | null {
    const p = this.policy;
    const ra = RETRY_AFTER_STATUSES.has(status) ? parseRetryAfterMs(headers['retry-after'], p.retryAfterUnitMs) : null;
    const transient =
      this.options.retryable && p.methods.includes(this.method) && p.statuses.includes(status) && (status !== 413 || ra !== null);
    if (!transient) {
      this.budget?.answered();
      return null;
    }
    const ambiguous = !UNAPPLIED_STATUSES.has(status);
    if (this.#statusRetries >= p.maxRetries || (ambiguous && !this.options.idempotent)) return null;
    if (this.budget && !this.budget.take()) {
      this.budgetSpent = true;
      return null;
    }
    this.#statusRetries++;
    return this.#retrying(ambiguous, ra !== null ? Math.min(ra, p.retryAfterMaxMs) : undefined);
  }

  /** The attempt failed without an answer: ms to wait before sending it again, or the error to fail with. */
  afterError(e: unknown): number | TaskAgentError {
    const code = connectionErrorCode(e);
    if (code === undefined) {
      const details = { method: this.method, url: this.#url, attempts: this.attempts, resent: this.resent };
      return new TaskAgentError(
        'TA_PLATFORM_UNREACHABLE',
        `${this.method} ${this.#url} failed: ${e instanceof Error ? redactText(e.message) : 'unknown error'}.`,
        { details },
      );
    }
    const ambiguous = !CONNECT_ERROR_CODES.has(code);
    const stop =
      this.#errorRetries >= this.policy.maxRetries
        ? 'limit'
        : ambiguous && !this.options.idempotent
          ? 'ambiguous'
          : this.budget && !this.budget.take()
            ? 'budget'
            : null;
    if (stop === null) {
      this.#errorRetries++;
      return this.#retrying(ambiguous);
    }
    const why =
      stop === 'budget'
        ? " (the run's retry budget is spent)"
        : stop === 'ambiguous'
          ? ' (not re-sent: the server may have applied it)'
          : '';
    return new TaskAgentError(
      'TA_PLATFORM_UNREACHABLE',
      `${this.method} ${this.#url} failed after ${this.attempts} attempt${this.attempts === 1 ? '' : 's'}: ${code}${why}.`,
      {
        details: {
          method: this.method,
          url: this.#url,
          code,
          attempts: this.attempts,
          resent: this.resent,
          ...(ambiguous && { ambiguous: true }),
          ...(stop === 'budget' && { budgetSpent: true }),
        },
      },
    );
  }

  /** Records a retry and returns its wait: Retry-After when given, else the backoff of retry number n (both kinds count). */
  #retrying(ambiguous: boolean, retryAfterMs?: number): number {
    this.#ambiguousBefore ||= ambiguous;
    return retryAfterMs ?? backoffDelayMs(this.policy, this.#statusRetries + this.#errorRetries);
  }
}
