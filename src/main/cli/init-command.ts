/**
 * `task-agents init [DIR] [--template NAME]`: scaffolds a project from `templates/NAME/` shipped
 * in the package (default `default`). Every file is copied; text files get `{{name}}` (the
 * package name, from DIR), `{{version}}` (this task-agents version) and `{{dependency}}` (what
 * package.json depends on: `^VERSION`, or `--dependency SPEC`) filled in; `gitignore` becomes
 * `.gitignore` (npm never packs a `.gitignore`). A template's optional `template.json` (not copied)
 * gives its description (else its package.json's) and whether it wants the demo project. Then `npm install`, unless
 * `--no-install`.
 */
import type { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TaskAgentError } from '../../shared/errors.js';
import { reportError } from './report-error.js';

// This file is bundled into a chunk in dist/; templates/ sits next to dist/ in the package.
export const TEMPLATES_DIR = fileURLToPath(new URL('../templates/', import.meta.url));

interface TemplateMeta {
  description?: string;
  demoProject?: boolean;
}

const TEXT = /\.(ts|mts|cts|js|mjs|cjs|json|md|txt|yml|yaml)$|^gitignore$|^\.env/;

/** template.json, else the template package.json's description. */
function templateMeta(dir: string): TemplateMeta {
  const file = join(dir, 'template.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as TemplateMeta;
  const pkg = join(dir, 'package.json');
  if (!existsSync(pkg)) return {};
  try {
    const description = (JSON.parse(readFileSync(pkg, 'utf8')) as { description?: unknown }).description;
    return typeof description === 'string' ? { description } : {};
  } catch {
    return {}; // a template's package.json may hold placeholders that are not JSON yet
  }
}

/** The shipped templates with their descriptions. */
export function listTemplates(): Array<{ name: string; description: string }> {
  if (!existsSync(TEMPLATES_DIR)) return [];
  return readdirSync(TEMPLATES_DIR)
    .filter((n) => statSync(join(TEMPLATES_DIR, n)).isDirectory())
    .sort((a, b) => (a === 'default' ? -1 : b === 'default' ? 1 : a.localeCompare(b)))
    .map((name) => ({ name, description: templateMeta(join(TEMPLATES_DIR, name)).description ?? '' }));
}

/** An npm package name from a folder name. */
function packageName(dir: string): string {
  const n = basename(resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, '-')
    .replace(/^[._-]+/, '');
  return n || 'task-agents-project';
}

function copyTemplate(from: string, to: string, vars: Record<string, string>): string[] {
  const written: string[] = [];
  const walk = (src: string, dest: string) => {
    mkdirSync(dest, { recursive: true });
    for (const name of readdirSync(src)) {
      if (src === from && name === 'template.json') continue;
      if (name === 'node_modules') continue;
      const s = join(src, name);
      const d = join(dest, name === 'gitignore' ? '.gitignore' : name);
      if (statSync(s).isDirectory()) walk(s, d);
      else {
        if (TEXT.test(name))
          writeFileSync(
            d,
            readFileSync(s, 'utf8').replace(/\{\{(\w+)\}\}/g, (m, k: string) => vars[k] ?? m),
          );
        else copyFileSync(s, d);
        written.push(relative(to, d));
      }
    }
  };
  walk(from, to);
  return written;
}

export interface InitOptions {
  template: string;
  install: boolean;
  dependency?: string;
}

export async function initProject(
  dir: string,
  o: InitOptions,
  version: string,
): Promise<{ dir: string; files: string[]; demoProject: boolean }> {
  const templates = listTemplates();
  const t = templates.find((x) => x.name === o.template);
  if (!t) {
    throw new TaskAgentError('TA_CFG_TEMPLATE_UNKNOWN', `there is no template "${o.template}"`, {
      hint: `available templates: ${templates.map((x) => `${x.name}${x.description ? ` (${x.description})` : ''}`).join('; ') || 'none'}`,
    });
  }
  const target = resolve(dir);
  if (existsSync(target) && readdirSync(target).length > 0) {
    throw new TaskAgentError('TA_CFG_DIR_NOT_EMPTY', `${target} is not empty`, {
      hint: 'pass a new or empty folder: `task-agents init my-agents`',
    });
  }
  const from = join(TEMPLATES_DIR, t.name);
  const files = copyTemplate(from, target, { name: packageName(target), version, dependency: o.dependency ?? `^${version}` });
  const meta = templateMeta(from);
  if (meta.demoProject) {
    // Loaded on use: SQLite, image encoding and FFmpeg are no part of the CLI's start.
    const [{ createDemoProject }, { defaultProber }, { demoMedia }] = await Promise.all([
      import('../../platform/local/demo-project.js'),
      import('./media-prober.js'),
      import('./demo-media.js'),
    ]);
    const p = await createDemoProject(join(target, 'demo-project'), { probe: defaultProber, extraMedia: demoMedia });
    p.close();
  }
  if (o.install) {
    process.stderr.write(`installing dependencies in ${target} (npm install) …\n`);
    const r = spawnSync('npm', ['install', '--no-audit', '--no-fund'], {
      cwd: target,
      stdio: ['ignore', 2, 2],
      env: { SKIP_FFMPEG: 'true', ONNXRUNTIME_NODE_INSTALL: 'skip', ...process.env },
    });
    if (r.status !== 0) {
      throw new TaskAgentError('TA_CFG_INSTALL_FAILED', `npm install in ${target} failed (exit ${r.status ?? r.signal})`, {
        hint: `see npm's output above; then run \`npm install\` in ${target}`,
      });
    }
  }
  return { dir: target, files, demoProject: meta.demoProject === true };
}

export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .description('scaffold a project: an agent, its tsconfig, a test, npm scripts (start, test) and the demo project')
    .argument('[DIR]', 'folder to create (new or empty)', '.')
    .option('--template <NAME>', 'which template (see templates/ in the package)', 'default')
    .option('--no-install', 'do not run `npm install` in DIR')
    .option('--dependency <SPEC>', 'the task-agents dependency written to package.json (default ^VERSION, e.g. a file: tarball)')
    .action(async (dir: string, o: InitOptions) => {
      try {
        const r = await initProject(dir, o, program.version() ?? '0.0.0');
        const cd = relative(process.cwd(), r.dir) || '.';
        process.stdout.write(`created ${r.dir} (${r.files.length} files${r.demoProject ? ' and demo-project/' : ''})\n`);
        const steps = [cd !== '.' ? `cd ${cd}` : '', o.install ? '' : 'npm install', 'npm start', 'npm test'].filter(Boolean);
        process.stdout.write(`next: ${steps.join(' && ')}\n`);
      } catch (e) {
        await reportError(e, false);
      }
    });
}
