/** The prober `project import` uses to read media properties. */
import { probeImageOnly } from '../../platform/local/probe-image.js';
import type { MediaProber } from '../../platform/local/import-files.js';

export const defaultProber: MediaProber = probeImageOnly;
