/**
 * Stacks of task failures, as users read them (both threads, no I/O): the error line, then the
 * frames of the agent's own code (and the libraries it calls), then one line counting the frames
 * of task-agents, tsx, piscina and Node internals that were dropped. Bounded in lines and bytes,
 * so a deep recursion cannot flood a summary.
 */

/** Frames deeper than this are dropped (the count says how many). */
export const MAX_STACK_FRAMES = 20;
/** A trimmed stack never exceeds this many characters. */
export const MAX_STACK_CHARS = 4000;

// This file is bundled into a chunk directly in dist/, under which every runtime file of ours is.
const OWN_DIR = new URL('.', import.meta.url).href;
const OWN_PATH = OWN_DIR.startsWith('file://') ? decodeURIComponent(OWN_DIR.slice('file://'.length)) : OWN_DIR;

const RUNTIME = [/\bnode:/, /\(internal\//, /^\s*at internal\//, /\/node_modules\/(tsx|piscina|task-agents)\//, /<anonymous>\)?$/];

function isFrame(line: string): boolean {
  return /^\s+at /.test(line);
}

function isRuntimeFrame(line: string): boolean {
  // Frames with no file position (`at async Promise.all (index 0)`) are the runtime's scheduling.
  return !/:\d+:\d+\)?$/.test(line.trimEnd()) || line.includes(OWN_DIR) || line.includes(OWN_PATH) || RUNTIME.some((r) => r.test(line));
}

/** The stack with the agent's frames first and runtime frames replaced by a count; undefined when nothing of it is left. */
export function trimStack(stack: string | undefined): string | undefined {
  if (!stack) return undefined;
  const lines = stack.split('\n');
  const head: string[] = [];
  let i = 0;
  for (; i < lines.length && !isFrame(lines[i]); i++) head.push(lines[i]);
  const frames = lines.slice(i).filter(isFrame);
  const agent = frames.filter((f) => !isRuntimeFrame(f));
  const kept = agent.slice(0, MAX_STACK_FRAMES).map((f) => f.trimEnd());
  const dropped = frames.length - kept.length;
  const out = [...head.slice(0, 5), ...kept];
  if (dropped > 0) out.push(`    … ${dropped} ${agent.length > kept.length ? 'more frames' : 'runtime frames'} hidden`);
  let text = out.join('\n');
  if (text.length > MAX_STACK_CHARS) text = `${text.slice(0, MAX_STACK_CHARS - 12)}\n    … (cut)`;
  return text;
}
