// Two agents for the demo project's workflow: "pre-label" decodes each item's first frame,
// classifies its brightness and sets a priority (darker = sooner); "triage" sends dark items to
// a human review and accepts the rest. `npm start` runs them; `npm test` checks their decisions.
import { Runner, deps, type Frame } from 'task-agents';

export function meanLuma(f: Frame): number {
  const c = f.content;
  let sum = 0;
  let n = 0;
  for (let i = 0; i + 2 < c.length; i += 30, n++) sum += 0.299 * c[i]! + 0.587 * c[i + 1]! + 0.114 * c[i + 2]!;
  return n ? sum / n : 0;
}

const runner = new Runner();

runner.stage(
  'pre-label',
  {
    deps: { labelRow: deps.labelRow(), meta: deps.labelRowMetadata(), first: deps.singleFrame() },
  },
  ({ labelRow, meta, first }) => {
    const luma = meanLuma(first);
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
runner.runIfMain(import.meta);
