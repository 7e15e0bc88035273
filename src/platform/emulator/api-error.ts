/** A request the emulator refuses, with the v2 status/message or v1 code the real API would send. */
export class ApiError extends Error {
  readonly status: number;
  readonly v1Code: string;

  constructor(status: number, message: string, v1Code = status === 404 ? 'RESOURCE_NOT_FOUND_ERROR' : 'INVALID_ARGUMENTS_ERROR') {
    super(message);
    this.status = status;
    this.v1Code = v1Code;
  }
}

/** What a route handler answers: a status and a JSON body (undefined = empty, for 204). */
export interface ApiReply {
  status: number;
  body?: unknown;
}

/** A handled route: its stats key and reply. */
export interface RouteResult extends ApiReply {
  endpoint: string;
  /** What the request was about, for the request log: data hashes (v1 label-row calls), task uuids (actions). */
  items?: string[];
}
