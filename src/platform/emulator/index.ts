/**
 * The Encord emulator, built to `dist/platform/emulator/index.js` for tests and the bench.
 * Not public API.
 */
export * from './emulator-server.js';
export * from './fault-injector.js';
export * from './signed-urls.js';
export * from './request-stats.js';
export * from './webhook-notifier.js';
export { sqlLike, parseTime } from './label-row-filters.js';
