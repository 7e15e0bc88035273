/**
 * The demo agents run by `node dist/main.js` on ./demo-project.
 * - pre-label: decodes the media natively (every 4th frame of videos, the image itself for
 *   images), measures brightness, records it as a "Scene brightness" classification and sets a
 *   priority (darker = look at it sooner).
 * - triage: routes by the priority the first agent set: dark scenes go to a human.
 */
import { Runner, deps, type Frame } from '../index.js';

function meanLuma(f: Frame): number {
  const c = f.content;
  let sum = 0;
  // Every 7th pixel is plenty for a mean and keeps the demo fast.
  for (let i = 0; i < c.length; i += 21) sum += 0.299 * c[i] + 0.587 * c[i + 1] + 0.114 * c[i + 2];
  return sum / Math.ceil(c.length / 21);
}

const runner = new Runner();

runner.stage(
  'pre-label',
  {
    deps: {
      labelRow: deps.labelRow(),
      meta: deps.labelRowMetadata(),
      first: deps.singleFrame(),
      frames: deps.videoFrames({ step: 4, whenNotVideo: 'null' }),
    },
  },
  async ({ labelRow, meta, first, frames }) => {
    let luma = meanLuma(first);
    if (frames) {
      let n = 0;
      let total = 0;
      for await (const f of frames) {
        total += meanLuma(f);
        n++;
      }
      if (n > 0) luma = total / n;
    }
    const answer = luma < 90 ? 'Dark' : luma > 170 ? 'Bright' : 'Normal';
    labelRow.addClassification({
      name: 'Scene brightness',
      frames: meta.dataType === 'VIDEO' ? { start: 0, end: Math.max(0, meta.numberOfFrames - 1) } : 0,
      answer,
    });
    return { pathway: 'labelled', labelRow, priority: Math.round((1 - luma / 255) * 100) / 100 };
  },
);

runner.stage('triage', { willSetPriority: true, deps: { meta: deps.labelRowMetadata() } }, ({ meta }) =>
  (meta.priority ?? 0) >= 0.55 ? 'review' : 'accept',
);

export default runner;
