/**
 * A whole HTTP response held in memory, as undici's dispatch handlers see it: a handler that
 * collects one, and the replay of one into another handler. The API client reads every body
 * whole anyway, so its interceptors can decide on (retry) or transform (decode) complete
 * responses instead of streams.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';

export interface BufferedResponse {
  statusCode: number;
  statusMessage: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  trailers: IncomingHttpHeaders;
}

/** Collects one response; `done` is called once, with the response or the error that ended it. */
export class ResponseCollector implements Dispatcher.DispatchHandler {
  #statusCode = 0;
  #statusMessage = '';
  #headers: IncomingHttpHeaders = {};
  #chunks: Buffer[] = [];
  #done = false;

  constructor(
    private readonly done: (error: Error | null, response?: BufferedResponse) => void,
    private readonly started?: (controller: Dispatcher.DispatchController, context: unknown) => void,
  ) {}

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.started?.(controller, context);
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
    statusMessage?: string,
  ): void {
    this.#statusCode = statusCode;
    this.#statusMessage = statusMessage ?? '';
    this.#headers = headers;
    this.#chunks = [];
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#chunks.push(chunk);
  }

  onResponseEnd(_controller: Dispatcher.DispatchController, trailers: IncomingHttpHeaders): void {
    this.#finish(null, {
      statusCode: this.#statusCode,
      statusMessage: this.#statusMessage,
      headers: this.#headers,
      body: this.#chunks.length === 1 ? this.#chunks[0] : Buffer.concat(this.#chunks),
      trailers,
    });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#finish(error);
  }

  #finish(error: Error | null, response?: BufferedResponse): void {
    if (this.#done) return;
    this.#done = true;
    this.done(error, response);
  }
}

/** Plays a collected response into a handler whose request has started. */
export function replayResponse(
  handler: Dispatcher.DispatchHandler,
  controller: Dispatcher.DispatchController,
  res: BufferedResponse,
): void {
  handler.onResponseStart?.(controller, res.statusCode, res.headers, res.statusMessage);
  if (res.body.length > 0) handler.onResponseData?.(controller, res.body);
  handler.onResponseEnd?.(controller, res.trailers);
}
