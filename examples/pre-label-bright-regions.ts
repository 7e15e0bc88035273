/**
 * Pre-labelling a video with a "model": on every 5th frame, find the brightest 32×32 block and
 * add it as a "Bright region" bounding box (one object tracked across frames), with a confidence
 * band, and classify the whole clip's "Scene brightness". Frames are decoded natively in the
 * worker threads; images get one box on frame 0.
 *
 *   task-agents run examples/pre-label-bright-regions.ts --project ./demo-project --threads 4
 */
import { Runner, deps, type Frame } from 'task-agents';

const BLOCK = 32;

/** The brightest BLOCK×BLOCK block (sampled every 4th pixel), as a normalised box, its mean luma and the frame's. */
function brightestBlock(f: Frame): { box: { x: number; y: number; w: number; h: number }; luma: number; frameLuma: number } {
  let total = 0;
  let blocks = 0;
  let best = { x: 0, y: 0, luma: -1 };
  for (let by = 0; by + BLOCK <= f.height; by += BLOCK) {
    for (let bx = 0; bx + BLOCK <= f.width; bx += BLOCK) {
      let sum = 0;
      let n = 0;
      for (let y = by; y < by + BLOCK; y += 4) {
        for (let x = bx; x < bx + BLOCK; x += 4) {
          const i = (y * f.width + x) * 3;
          sum += 0.299 * f.content[i]! + 0.587 * f.content[i + 1]! + 0.114 * f.content[i + 2]!;
          n++;
        }
      }
      total += sum / n;
      blocks++;
      if (sum / n > best.luma) best = { x: bx, y: by, luma: sum / n };
    }
  }
  const w = Math.min(BLOCK, f.width) / f.width;
  const h = Math.min(BLOCK, f.height) / f.height;
  return { box: { x: best.x / f.width, y: best.y / f.height, w, h }, luma: best.luma, frameLuma: total / Math.max(1, blocks) };
}

const runner = new Runner();

runner.stage(
  'pre-label',
  {
    deps: { labelRow: deps.labelRow(), frames: deps.videoFrames({ step: 5, whenNotVideo: 'null' }), first: deps.singleFrame() },
  },
  async ({ labelRow, frames, first }) => {
    const found: Array<ReturnType<typeof brightestBlock> & { frame: number }> = [];
    if (frames) for await (const f of frames) found.push({ frame: f.frame, ...brightestBlock(f) });
    else found.push({ frame: 0, ...brightestBlock(first) });
    const [head, ...rest] = found;
    if (!head) return null; // nothing decoded: leave the task for a human
    const region = labelRow.addObject({
      name: 'Bright region',
      frame: head.frame,
      boundingBox: head.box,
      confidence: head.luma / 255,
      manualAnnotation: false,
      attributes: { 'Confidence band': head.luma > 200 ? 'High' : 'Low' },
    });
    for (const r of rest)
      labelRow.setObjectCoordinates(
        region.objectHash,
        r.frame,
        { boundingBox: r.box },
        { confidence: r.luma / 255, manualAnnotation: false },
      );
    const luma = found.reduce((a, r) => a + r.frameLuma, 0) / found.length;
    const last = found[found.length - 1]!.frame;
    labelRow.addClassification({
      name: 'Scene brightness',
      frames: { start: 0, end: last },
      answer: luma < 90 ? 'Dark' : luma > 170 ? 'Bright' : 'Normal',
      manualAnnotation: false,
    });
    return { pathway: 'labelled', labelRow };
  },
);

export default runner;
runner.runIfMain(import.meta);
