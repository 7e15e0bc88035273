/** Opens the Encord platform for a project UUID (credentials from the environment). */
import { TaskAgentError } from '../shared/errors.js';
import type { Platform } from '../platform/platform.js';

export async function openEncordPlatform(projectHash: string): Promise<Platform> {
  throw new TaskAgentError('TA_CFG_INVALID', `project ${projectHash} looks like an Encord project UUID, but the Encord platform is not available in this build`, {
    hint: 'pass a local project directory',
  });
}
