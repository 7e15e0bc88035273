/**
 * Encord platform internals, built to `dist/platform/encord/index.js` for tests and for the
 * emulator (which reuses the wire shapes and the signature verification). Not public API.
 */
export * from './credentials.js';
export * from './ssh-key.js';
export * from './signing.js';
export * from './python-json.js';
export * from './http.js';
export * from './wire.js';
export * from './media-download.js';
export * from './encord-platform.js';
export * from './retry-budget.js';
export * from './retry-rules.js';
export * from './redact.js';
export { RUN_MAX_RETRIES, runRetryPolicy } from './retry-overrides.js';
export * from './webhook-signature.js';
