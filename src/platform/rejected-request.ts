/**
 * Whether a platform error means "this request, as sent, is refused" — a 4xx other than auth and
 * rate limits, or a local error that names one bad entry — as opposed to "try later" or "who are
 * you". A bundled write refused this way can be split to find the entry at fault.
 */
import { isTaskAgentError, type ErrorCode } from '../shared/errors.js';

/** 4xx statuses that are not about the request's content. */
const NOT_CONTENT = new Set([401, 403, 407, 408, 429]);

/** Codes a platform raises for one bad entry of a bundle (the local platform rejects the whole transaction). */
const ENTRY_CODES = new Set<ErrorCode>(['TA_LABEL_ROW_INVALID', 'TA_LABEL_ROW_MISSING', 'TA_PATHWAY_UNKNOWN']);

export function isRejectedRequest(e: unknown): boolean {
  if (!isTaskAgentError(e)) return false;
  if (ENTRY_CODES.has(e.code)) return true;
  if (e.code !== 'TA_PLATFORM_REQUEST_FAILED') return false;
  const status = e.details?.['status'];
  return typeof status === 'number' && status >= 400 && status < 500 && !NOT_CONTENT.has(status);
}
