/**
 * Synchronous node-av loading for code that cannot await (image encoding in `frameToBase64`).
 * node-av is ESM; Node 20.17+ can `require()` it (require(esm)).
 */
import { createRequire } from 'node:module';
import { decoderUnavailable } from './decode-errors.js';
import { native } from './native-gate.js';

export interface NodeAvSync {
  lib: typeof import('node-av/lib');
  api: typeof import('node-av/api');
  C: typeof import('node-av/constants');
}

let cached: NodeAvSync | null = null;

/** node-av's lib/api/constants, loaded once; FFmpeg logging set to errors only. */
export function loadNodeAvSync(): NodeAvSync {
  if (cached) return cached;
  try {
    const req = createRequire(import.meta.url);
    // Inside the native gate: a thread terminated while it loads the binding aborts the process.
    const m: NodeAvSync = native(() => ({
      lib: req('node-av/lib') as NodeAvSync['lib'],
      api: req('node-av/api') as NodeAvSync['api'],
      C: req('node-av/constants') as NodeAvSync['C'],
    }));
    m.lib.Log.setLevel(m.C.AV_LOG_ERROR);
    cached = m;
    return m;
  } catch (e) {
    throw decoderUnavailable('node-av', e);
  }
}
