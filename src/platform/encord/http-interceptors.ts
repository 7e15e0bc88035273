/**
 * The Encord API transport as undici interceptors: `dispatcher.compose(sign, retry, decode)`
 * (compose applies the last one outermost), so a request is decoded once, after the retry
 * interceptor settled on its answer, and every attempt the retry sends is signed afresh.
 *
 * A request opts in through two dispatch options: `signHeaders()` makes its headers for one
 * attempt (new trace id, new `created`, so a long Retry-After never leaves a stale signature),
 * and `retries` (RequestRetries, retry-rules.ts) decides after each attempt.
 *
 * Why not undici's own (7.30.2):
 * - `interceptors.retry` (RetryHandler) passes a 2xx response on as soon as its headers arrive;
 *   when the body then breaks it resumes with a `Range` request, which an API answers with a
 *   whole 200, and it fails with UND_ERR_REQ_RETRY "server does not support the range header and
 *   the payload was partially consumed". Tried with RequestRetries as its `retry` callback: every
 *   test of test/encord/http*.test.mjs passed but that one (a body broken after a 200's headers).
 *   urllib3, and this client, send the request again. Making RetryHandler re-send needs a collecting layer under it
 *   that honours its undocumented pause-before-`retry`-callback, and it keeps one counter for
 *   statuses and network failures where the SDK counts them apart; what would be left of it is
 *   the re-dispatch, a few lines here.
 * - `interceptors.decompress` is marked experimental and calls process.emitWarning once per
 *   thread: 3 `ExperimentalWarning` lines on stderr for a process with 2 worker threads
 *   (measured), on every CLI run. The answer reaches it whole from the retry interceptor, so
 *   zlib's sync decoders do it on the collected body.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import type { Dispatcher } from 'undici';
import { TaskAgentError } from '../../shared/errors.js';
import { ResponseCollector, replayResponse, type BufferedResponse } from './buffered-response.js';
import { redactUrl } from './redact.js';
import type { RequestRetries } from './retry-rules.js';

/** Dispatch options of a request through the Encord transport. */
export interface EncordDispatchOptions extends Dispatcher.DispatchOptions {
  /** The request's headers for one attempt; called before every attempt. */
  signHeaders?: () => Record<string, string>;
  /** This request's retry decisions; without them it is sent once. */
  retries?: RequestRetries;
}

type Interceptor = Dispatcher.DispatcherComposeInterceptor;

/** Headers made afresh for every dispatch (it sits inside the retry, so once per attempt). */
export const signInterceptor: Interceptor = (dispatch) => (opts, handler) => {
  const { signHeaders } = opts as EncordDispatchOptions;
  return dispatch(signHeaders ? { ...opts, headers: signHeaders() } : opts, handler);
};

/**
 * Sends a request until its RequestRetries call an answer final: each attempt is collected
 * whole, then either replayed to the caller or, after the wait the rules give, sent again.
 */
export const retryInterceptor: Interceptor = (dispatch) => (opts, handler) => {
  const { retries } = opts as EncordDispatchOptions;
  if (!retries) return dispatch(opts, handler);
  const controller = new AttemptsController((reason) => fail(reason));
  const fail = (error: Error): void => {
    if (controller.settle()) handler.onResponseError?.(controller, error);
  };
  const send = (): void => {
    if (controller.aborted) return;
    retries.attempt();
    try {
      dispatch(opts, new ResponseCollector(settled, (attempt) => (controller.attempt = attempt)));
    } catch (e) {
      fail(e instanceof Error ? e : new Error(String(e)));
    }
  };
  const settled = (error: Error | null, res?: BufferedResponse): void => {
    controller.attempt = null;
    if (controller.aborted) return fail(controller.reason ?? new Error('aborted'));
    const wait = error !== null || res === undefined ? retries.afterError(error) : retries.afterResponse(res.statusCode, res.headers);
    if (wait instanceof Error) return fail(wait);
    if (wait !== null) return controller.wait(wait, send);
    if (controller.settle()) replayResponse(handler, controller, res as BufferedResponse);
  };
  handler.onRequestStart?.(controller, {});
  send();
  return true;
};

/**
 * The controller the caller's handler keeps across attempts. Abort reaches the attempt in flight
 * or ends the wait; pause/resume have nothing to do (the answer is replayed from memory).
 */
class AttemptsController implements Dispatcher.DispatchController {
  attempt: Dispatcher.DispatchController | null = null;
  #reason: Error | null = null;
  #timer: NodeJS.Timeout | undefined;
  #settled = false;

  constructor(private readonly onAbortWhileWaiting: (reason: Error) => void) {}

  get aborted(): boolean {
    return this.#reason !== null;
  }

  get paused(): boolean {
    return false;
  }

  get reason(): Error | null {
    return this.#reason;
  }

  abort(reason: Error): void {
    if (this.#settled || this.#reason !== null) return;
    this.#reason = reason;
    clearTimeout(this.#timer);
    if (this.attempt) this.attempt.abort(reason);
    else this.onAbortWhileWaiting(reason);
  }

  pause(): void {}

  resume(): void {}

  wait(ms: number, then: () => void): void {
    this.#timer = setTimeout(then, ms);
  }

  /** Marks the request answered or failed; false when it already was. */
  settle(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    return true;
  }
}

/** `Content-Encoding` tokens decoded (RFC 9110 §8.4.1), applied last to first. */
const DECODERS: Record<string, (body: Buffer) => Buffer> = {
  gzip: gunzipSync,
  'x-gzip': gunzipSync,
  deflate: inflateSync,
  br: brotliDecompressSync,
};

/**
 * Decodes gzip, deflate and br bodies (of any status: v1 errors and v2 messages are read too),
 * dropping Content-Encoding and Content-Length; an unknown coding is passed on untouched.
 * A body that does not decode fails the request with TA_PLATFORM_REQUEST_FAILED.
 */
export const decodeInterceptor: Interceptor = (dispatch) => (opts, handler) => {
  let controller: Dispatcher.DispatchController | undefined;
  const done = (error: Error | null, res?: BufferedResponse): void => {
    const c = controller as Dispatcher.DispatchController;
    if (error !== null || res === undefined) return handler.onResponseError?.(c, error ?? new Error('no response'));
    let decoded: BufferedResponse;
    try {
      decoded = decodeResponse(res);
    } catch (e) {
      const url = redactUrl(`${String(opts.origin ?? '')}${opts.path}`);
      const coding = String(res.headers['content-encoding']);
      const message = `${opts.method} ${url}: the ${coding} response body (HTTP ${res.statusCode}) does not decode: ${e instanceof Error ? e.message : String(e)}.`;
      return handler.onResponseError?.(
        c,
        new TaskAgentError('TA_PLATFORM_REQUEST_FAILED', message, {
          details: { status: res.statusCode, method: opts.method, url, contentEncoding: coding },
        }),
      );
    }
    replayResponse(handler, c, decoded);
  };
  return dispatch(
    opts,
    new ResponseCollector(done, (c, context) => {
      controller = c;
      handler.onRequestStart?.(c, context);
    }),
  );
};

function decodeResponse(res: BufferedResponse): BufferedResponse {
  const coding = res.headers['content-encoding'];
  const codings = (Array.isArray(coding) ? coding.join(',') : (coding ?? ''))
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter(Boolean);
  if (codings.length === 0 || !codings.every((c) => c in DECODERS)) return res;
  let body = res.body;
  if (body.length > 0) for (const c of codings.reverse()) body = DECODERS[c](body);
  const headers: IncomingHttpHeaders = { ...res.headers };
  delete headers['content-encoding'];
  delete headers['content-length'];
  return { ...res, headers, body };
}
