/**
 * Opens the Encord platform for a project UUID: key from ENCORD_SSH_KEY / ENCORD_SSH_KEY_FILE,
 * domain from ENCORD_DOMAIN (the emulator's URL when testing), a run's retry policy (the SDK's
 * with more retries per request, the test knobs of retry-overrides.ts) and the run's retry budget.
 */
import type { Platform } from '../platform/platform.js';
import { createEncordPlatform } from '../platform/encord/encord-platform.js';
import type { RetryBudget } from '../platform/encord/retry-budget.js';
import { retryOverrides, runRetryPolicy } from '../platform/encord/retry-overrides.js';

/**
 * The Platform for an Encord project. Credential problems throw TA_AUTH_* and an unreachable or
 * rejecting platform TA_PLATFORM_* on first use; the CLI maps all of them to exit code 3.
 */
export async function openEncordPlatform(projectHash: string, budget?: RetryBudget): Promise<Platform> {
  return createEncordPlatform({ projectHash: projectHash.toLowerCase(), http: budget ? { retry: runRetryPolicy(), budget } : { retry: retryOverrides() } });
}
