/**
 * Caps on text echoed back to the user (both threads): an agent's 20 MB error message or returned
 * string must not become a 40 MB summary. What is cut is said, with how much.
 */
import type { SerializedError } from './errors.js';

/** Characters kept of an error message in summaries and outcome records. */
export const MESSAGE_CAP = 4096;
/** Characters kept of a stack trace. */
export const STACK_CAP = 16_384;
/** Characters kept of a value quoted inside a message (a returned pathway, a key). */
export const VALUE_CAP = 200;

/** Room for the "… [N more characters cut]" note: text capped once is not cut again. */
const NOTE_ROOM = 64;

/** `text` if it has at most `max` characters (plus room for a note), else its start and how much was cut. */
export function capText(text: string, max: number): string {
  if (text.length <= max + NOTE_ROOM) return text;
  let end = max;
  // Do not split a surrogate pair.
  const c = text.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return `${text.slice(0, end)}… [${text.length - end} more characters cut]`;
}

/** A serialized error with its message, hint and stack capped (a no-op for ordinary errors). */
export function capError(e: SerializedError): SerializedError {
  const { message, hint, stack } = e;
  const fits = (t: string | undefined, max: number) => t === undefined || t.length <= max + NOTE_ROOM;
  if (fits(message, MESSAGE_CAP) && fits(hint, MESSAGE_CAP) && fits(stack, STACK_CAP)) return e;
  return {
    ...e,
    message: capText(message, MESSAGE_CAP),
    ...(hint !== undefined && { hint: capText(hint, MESSAGE_CAP) }),
    ...(stack !== undefined && { stack: capText(stack, STACK_CAP) }),
  };
}
