/**
 * Imports the user's agent module inside a worker thread. `.ts` modules go through tsx's ESM
 * loader, registered in this thread only (Node 20 cannot pass `--import tsx` to workers). Import
 * errors are reported with their original message, never swallowed or replaced.
 */
import { TaskAgentError, isTaskAgentError } from '../shared/errors.js';
import { isRunner, type Runner } from '../agent/runner.js';

let tsRegistered = false;

async function enableTypeScript(url: string): Promise<void> {
  if (tsRegistered) return;
  try {
    const api = (await import('tsx/esm/api')) as { register: () => unknown };
    api.register();
    tsRegistered = true;
  } catch (cause) {
    throw new TaskAgentError('TA_AGENT_TS_UNAVAILABLE', `cannot load TypeScript agent ${url}: tsx is not available`, { cause });
  }
}

export async function loadRunner(url: string): Promise<Runner> {
  if (/\.[cm]?tsx?$/.test(url)) await enableTypeScript(url);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (cause) {
    if (isTaskAgentError(cause)) throw cause; // e.g. a duplicate stage registration at import
    const what = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    throw new TaskAgentError('TA_AGENT_MODULE_LOAD_FAILED', `could not import agent module ${url}: ${what}`, {
      cause, hint: 'run it with `node <file>` to see the error outside the runner',
    });
  }
  const runner = isRunner(mod.default) ? mod.default : Object.values(mod).find(isRunner);
  if (!runner) {
    throw new TaskAgentError('TA_AGENT_MODULE_NO_RUNNER', `${url} does not export a Runner`, { hint: 'end the module with `export default runner`' });
  }
  if (runner.registrations.length === 0) {
    throw new TaskAgentError('TA_STAGE_NONE_REGISTERED', `${url} registers no stage`, { hint: 'call runner.stage(name, options, fn)' });
  }
  return runner;
}
