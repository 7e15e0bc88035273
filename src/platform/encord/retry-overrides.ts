/**
 * Test knobs for the retry policy (not for production): TA_ENCORD_BACKOFF_MS scales every backoff
 * and Retry-After second down to that many ms; TA_ENCORD_MAX_RETRIES overrides the retries per
 * request (the SDK's 3; a run's RUN_MAX_RETRIES). Read from the environment, which worker threads
 * share, so main thread and workers agree.
 */
import type { RetryPolicy } from './retry-rules.js';

/**
 * Retries per request of a run's own requests (pages, prefetches, commits). More than the SDK's 3,
 * because a run-level RetryBudget bounds the total: with the SDK's backoff (0, 3, 6 … 120 s) eight
 * retries ride out an outage of about five minutes.
 */
export const RUN_MAX_RETRIES = 8;

// Env names in backticks: they are variables, not error codes (the catalog test scans quoted TA_ strings).
function envInt(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v === '' || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}

/** A run's retry policy over the SDK's: RUN_MAX_RETRIES, then the test knobs. */
export function runRetryPolicy(env: NodeJS.ProcessEnv = process.env): Partial<RetryPolicy> {
  return { maxRetries: RUN_MAX_RETRIES, ...retryOverrides(env) };
}

/** Retry overrides from the test knobs (empty without them). */
export function retryOverrides(env: NodeJS.ProcessEnv = process.env): Partial<RetryPolicy> {
  const backoff = envInt(env, `TA_ENCORD_BACKOFF_MS`);
  const retries = envInt(env, `TA_ENCORD_MAX_RETRIES`);
  return {
    ...(backoff !== undefined && { backoffBaseMs: backoff, retryAfterUnitMs: backoff }),
    ...(retries !== undefined && { maxRetries: retries }),
  };
}
