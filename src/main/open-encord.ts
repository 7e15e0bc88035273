/**
 * Opens the Encord platform for a project UUID: key from ENCORD_SSH_KEY / ENCORD_SSH_KEY_FILE,
 * domain from ENCORD_DOMAIN (the emulator's URL when testing), the SDK's retry policy.
 * Test knobs (not for production): TA_ENCORD_BACKOFF_MS scales every backoff and Retry-After
 * second down to that many ms; TA_ENCORD_MAX_RETRIES overrides the SDK's 3 retries.
 */
import type { Platform } from '../platform/platform.js';
import { createEncordPlatform } from '../platform/encord/encord-platform.js';
import type { RetryPolicy } from '../platform/encord/http.js';

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

/**
 * The Platform for an Encord project. Credential problems throw TA_AUTH_* and an unreachable or
 * rejecting platform TA_PLATFORM_* on first use; the CLI maps all of them to exit code 3.
 */
export async function openEncordPlatform(projectHash: string): Promise<Platform> {
  return createEncordPlatform({ projectHash: projectHash.toLowerCase(), http: { retry: retryOverrides() } });
}
