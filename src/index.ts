/** Public API of task-agents: explicit named exports only. */
export { TaskAgentError, isTaskAgentError, ERROR_CATALOG, formatError, serializeError, deserializeError } from './shared/errors.js';
export type { ErrorCode, SerializedError } from './shared/errors.js';
export type * from './shared/types.js';
export type {
  Platform, PlatformDescriptor, PlatformCallCounts, TaskPage, ListTasksOptions, ProceedAction, ProceedResult, LabelSave,
} from './platform/platform.js';
export { createEncordPlatform, EncordPlatform } from './platform/encord/encord-platform.js';
export type { EncordPlatformOptions, EncordLimits } from './platform/encord/encord-platform.js';
export { readEncordCredentials, DEFAULT_ENCORD_DOMAIN } from './platform/encord/credentials.js';
export type { EncordCredentials } from './platform/encord/credentials.js';
