/**
 * Opens the Encord platform for a project UUID: the run's explicit credentials, else the key from
 * ENCORD_SSH_KEY / ENCORD_SSH_KEY_FILE and the domain from ENCORD_DOMAIN (the emulator's URL when
 * testing); with the run's retry budget a run's retry policy (the SDK's with more retries per
 * request), else the SDK's; the test knobs of retry-overrides.ts on top.
 */
import type { Platform } from '../platform/platform.js';
import { EncordPlatform } from '../platform/encord/encord-platform.js';
import { loadEncordKey, type CredentialsOption } from '../platform/encord/credentials.js';
import type { RetryBudget } from '../platform/encord/retry-budget.js';
import { retryOverrides, runRetryPolicy } from '../platform/encord/retry-overrides.js';

/**
 * The Platform for an Encord project. Credential problems throw TA_AUTH_* and an unreachable or
 * rejecting platform TA_PLATFORM_* on first use; the CLI maps all of them to exit code 3.
 */
export async function openEncordPlatform(projectHash: string, credentials?: CredentialsOption, budget?: RetryBudget): Promise<Platform> {
  const { keyText, domain } = loadEncordKey(process.env, {}, credentials);
  return new EncordPlatform(
    { kind: 'encord', projectHash: projectHash.toLowerCase(), domain, keyText },
    { http: budget ? { retry: runRetryPolicy(), budget } : { retry: retryOverrides() } },
  );
}
