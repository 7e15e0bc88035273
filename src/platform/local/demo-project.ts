/**
 * The embedded demo project (`./demo-project` on first `node dist/main.js`): the default workflow
 * and ontology and a few synthetic, real-looking images (gradients, a sun, hills, noise),
 * generated here so the demo needs nothing but Node and npm.
 */
import { mkdirSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transformer } from '@napi-rs/image';
import { defaultOntology, defaultWorkflow } from './default-project.js';
import { LocalProject } from './local-project.js';
import { importPaths, type MediaProber } from './import-files.js';

/** A deterministic landscape-like RGBA image. */
export function syntheticImage(width: number, height: number, seed: number): Uint8Array {
  const px = new Uint8Array(width * height * 4);
  let s = (seed * 2654435761) >>> 0;
  const rand = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const sunX = width * (0.2 + 0.6 * rand());
  const sunY = height * (0.15 + 0.25 * rand());
  const sunR = Math.min(width, height) * (0.06 + 0.06 * rand());
  const hill = (x: number) => height * (0.6 + 0.1 * Math.sin((x / width) * 6.28 * (1 + (seed % 3)) + seed));
  const dusk = rand();
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const t = y / height;
      let r = 60 + 120 * dusk + 60 * t,
        g = 120 + 60 * t,
        b = 220 - 80 * t;
      if ((x - sunX) ** 2 + (y - sunY) ** 2 < sunR ** 2) {
        r = 255;
        g = 220;
        b = 90;
      }
      if (y > hill(x)) {
        r = 40 + 20 * Math.sin(x * 0.05);
        g = 110 + 40 * (1 - t);
        b = 50;
      }
      const n = (rand() - 0.5) * 12;
      px[i] = Math.max(0, Math.min(255, r + n));
      px[i + 1] = Math.max(0, Math.min(255, g + n));
      px[i + 2] = Math.max(0, Math.min(255, b + n));
      px[i + 3] = 255;
    }
  }
  return px;
}

export interface DemoOptions {
  images?: number;
  probe: MediaProber;
  /** Extra media writers (e.g. demo videos) run into the staging folder before import. */
  extraMedia?: (stagingDir: string) => Promise<void>;
}

export async function createDemoProject(dir: string, options: DemoOptions): Promise<LocalProject> {
  const project = LocalProject.create(dir, { workflow: defaultWorkflow(), ontology: defaultOntology(), title: 'task-agents demo' });
  const staging = mkdtempSync(join(tmpdir(), 'ta-demo-'));
  try {
    const n = options.images ?? 6;
    mkdirSync(staging, { recursive: true });
    for (let i = 0; i < n; i++) {
      const w = 640,
        h = 360;
      const t = Transformer.fromRgbaPixels(syntheticImage(w, h, i + 1), w, h);
      const name = i % 2 === 0 ? `street-${i}.jpg` : `field-${i}.png`;
      writeFileSync(join(staging, name), i % 2 === 0 ? t.jpegSync(88) : t.pngSync());
    }
    await options.extraMedia?.(staging);
    await importPaths(project, [staging], { probe: options.probe });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return project;
}
