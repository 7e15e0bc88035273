/** Maps backend failures to catalog errors whose messages name only the file's basename. */
import { basename, dirname } from 'node:path';
import { stat } from 'node:fs/promises';
import { TaskAgentError, isTaskAgentError } from '../shared/errors.js';

/** FFmpeg messages sometimes echo the full path; keep only the basename. */
function reasonOf(path: string, e: unknown): string {
  const raw = e instanceof Error ? e.message : String(e);
  return raw
    .split(path)
    .join(basename(path))
    .split(dirname(path) + '/')
    .join('');
}

/** TA_MEDIA_DECODE_FAILED naming the frame index the decode had reached. */
export function decodeFailed(path: string, frame: number, e: unknown): TaskAgentError {
  if (isTaskAgentError(e)) return e;
  return new TaskAgentError('TA_MEDIA_DECODE_FAILED', `Cannot decode ${basename(path)} at frame ${frame}: ${reasonOf(path, e)}`, {
    details: { file: basename(path), frame },
  });
}

/** The TA_MEDIA_TRUNCATED warning: the file ends (or is cut) after `frames` frames. */
export function truncated(path: string, frames: number, declared: number | null): TaskAgentError {
  const why = declared !== null && declared > frames ? `its container declares ${declared}` : 'its last packet is cut short';
  return new TaskAgentError('TA_MEDIA_TRUNCATED', `${basename(path)} holds ${frames} decodable frames (${why}); its frames end there`, {
    details: { file: basename(path), frames, ...(declared !== null && { declared }) },
  });
}

/** Throws TA_MEDIA_MISSING when the file is absent (checked before any native open). */
export async function assertMediaExists(path: string): Promise<void> {
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new Error('not a file');
  } catch {
    throw new TaskAgentError('TA_MEDIA_MISSING', `Media file ${basename(path)} does not exist`, { details: { file: basename(path) } });
  }
}

export function decoderUnavailable(name: string, e: unknown): TaskAgentError {
  const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
  return new TaskAgentError('TA_MEDIA_DECODER_UNAVAILABLE', `The ${name} decoder cannot be loaded: ${why}`, { cause: e });
}
