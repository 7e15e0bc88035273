/**
 * Imports the user's agent module inside a worker thread, whatever package it lives in. The
 * module's format is Node's: `.mjs`/`.mts` are ES modules, `.cjs`/`.cts` CommonJS, `.js`/`.ts`
 * follow the nearest package.json `type` (none, as after `npm init -y` or with no package.json:
 * CommonJS). CommonJS-format modules are `require`d, ES modules `import`ed: loading a CommonJS
 * TypeScript file through the ESM loader fails on Node 20 ("Cannot require() ES Module … in a
 * cycle"). TypeScript goes through tsx, both its CommonJS and ESM hooks, registered in this
 * thread only (Node 20 cannot pass `--import tsx` to workers), with the tsconfig.json nearest the
 * module (so `paths` resolve). Import errors keep their original message and stack.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TaskAgentError, isTaskAgentError } from '../shared/errors.js';
import { isRunner, type Runner } from '../agent/runner.js';

const TS_FILE = /\.[cm]?tsx?$/;

let tsRegistered = false;

/** The nearest `name` above `from` (its own directory first), or undefined. */
function findUp(from: string, name: string): string | undefined {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Whether Node would load `path` as CommonJS. */
export function isCommonJsFile(path: string): boolean {
  if (/\.c[jt]sx?$/.test(path)) return true;
  if (/\.m[jt]sx?$/.test(path)) return false;
  const pkg = findUp(path, 'package.json');
  if (!pkg) return true;
  try {
    return (JSON.parse(readFileSync(pkg, 'utf8')) as { type?: unknown }).type !== 'module';
  } catch {
    return true;
  }
}

async function enableTypeScript(path: string): Promise<void> {
  if (tsRegistered) return;
  const tsconfig = findUp(path, 'tsconfig.json');
  // tsx's CommonJS hook reads its tsconfig from this variable (this thread's copy of the environment).
  if (tsconfig && process.env.TSX_TSCONFIG_PATH === undefined) process.env.TSX_TSCONFIG_PATH = tsconfig;
  try {
    const require = createRequire(import.meta.url);
    (require('tsx/cjs/api') as { register: () => unknown }).register();
    const esm = (await import('tsx/esm/api')) as { register: (o?: { tsconfig?: string }) => unknown };
    esm.register(tsconfig ? { tsconfig } : {});
    tsRegistered = true;
  } catch (cause) {
    throw new TaskAgentError('TA_AGENT_TS_UNAVAILABLE', `cannot load TypeScript agent ${path}: tsx is not available`, { cause });
  }
}

/** `export default runner` compiled to CommonJS arrives as `{ default: runner }` under the module's own default. */
function findRunner(mod: Record<string, unknown>): Runner | undefined {
  const candidates = [mod.default, (mod.default as Record<string, unknown> | undefined)?.default, ...Object.values(mod)];
  return candidates.find(isRunner);
}

export async function loadRunner(url: string): Promise<Runner> {
  const path = url.startsWith('file:') ? fileURLToPath(url) : url;
  if (TS_FILE.test(path)) await enableTypeScript(path);
  let mod: Record<string, unknown>;
  try {
    if (isCommonJsFile(path)) {
      const exported = createRequire(import.meta.url)(path) as unknown;
      mod = { default: exported, ...(typeof exported === 'object' && exported !== null ? exported : {}) };
    } else {
      mod = (await import(url)) as Record<string, unknown>;
    }
  } catch (cause) {
    if (isTaskAgentError(cause)) throw cause; // e.g. a duplicate stage registration at import
    const what = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    const hint = TS_FILE.test(path)
      ? 'run it with `npx tsx <file>` to see the error outside the runner'
      : 'run it with `node <file>` to see the error outside the runner';
    const err = new TaskAgentError('TA_AGENT_MODULE_LOAD_FAILED', `could not import agent module ${url}: ${what}`, { cause, hint });
    if (cause instanceof Error && cause.stack) err.stack = cause.stack;
    throw err;
  }
  const runner = findRunner(mod);
  if (!runner) {
    throw new TaskAgentError('TA_AGENT_MODULE_NO_RUNNER', `${url} does not export a Runner`, {
      hint: 'end the module with `export default runner` (CommonJS: `module.exports = runner`)',
    });
  }
  if (runner.registrations.length === 0) {
    throw new TaskAgentError('TA_STAGE_NONE_REGISTERED', `${url} registers no stage`, { hint: 'call runner.stage(name, options, fn)' });
  }
  return runner;
}
