/**
 * Text detection with PaddleOCR's PP-OCRv4 detection model (a DB "differentiable binarization"
 * network) on onnxruntime-node, with the pre- and post-processing PaddleOCR applies around it:
 *
 *   RGB frame → resize to a multiple of 32 (longest side ≤ maxSide) → BGR, (x/255 − mean)/std, NCHW
 *   → model → probability map (1×1×H×W) → threshold → connected components → minimum-area
 *   rectangle of each → score (mean probability) → unclip (grow by area × ratio / perimeter)
 *   → rectangle in source pixels, as a normalised box and a 4-point polygon.
 *
 * Pure functions except `TextDetector`, which owns one InferenceSession. No OpenCV: the contour
 * and clipper steps of PaddleOCR's DBPostProcess are replaced by their exact geometry for the
 * rectangles it keeps.
 */
import ort from 'onnxruntime-node';

/** A point in normalised (0..1) image coordinates. */
export interface Point {
  x: number;
  y: number;
}

/** One detected text region: its axis-aligned box and rotated rectangle (normalised), and a score in 0..1. */
export interface TextRegion {
  box: { x: number; y: number; w: number; h: number };
  /** Corners of the (possibly rotated) rectangle, clockwise from top-left. */
  polygon: Point[];
  confidence: number;
}

export interface DetectOptions {
  /** The longest side of the model input (PaddleOCR's `limit_side_len`, type max). Default 960. */
  maxSide?: number;
  /** Probability above which a map pixel is text (`thresh`). Default 0.3. */
  binaryThreshold?: number;
  /** Minimum mean probability of a region (`box_thresh`). Default 0.6. */
  boxThreshold?: number;
  /** How far a region grows back out of the model's shrunk text kernel (`unclip_ratio`). Default 1.5. */
  unclipRatio?: number;
  /** Regions whose short side (map pixels) is below this are dropped (`min_size`). Default 3. */
  minSize?: number;
}

const DEFAULTS: Required<DetectOptions> = { maxSide: 960, binaryThreshold: 0.3, boxThreshold: 0.6, unclipRatio: 1.5, minSize: 3 };
// PaddleOCR's det config: ImageNet statistics applied to BGR channels (the model was trained on cv2 images).
const MEAN_BGR = [0.406, 0.456, 0.485] as const;
const STD_BGR = [0.225, 0.224, 0.229] as const;
const STRIDE = 32;

/** Model input size for a source image: aspect kept, longest side ≤ maxSide, both sides a multiple of 32. */
export function inputSize(width: number, height: number, maxSide = DEFAULTS.maxSide): { width: number; height: number } {
  const scale = Math.max(width, height) > maxSide ? maxSide / Math.max(width, height) : 1;
  const snap = (v: number) => Math.max(STRIDE, Math.round((v * scale) / STRIDE) * STRIDE);
  return { width: snap(width), height: snap(height) };
}

/**
 * Packed RGB24 (`height*width*3`) → the model's NCHW float input (BGR planes, normalised),
 * resized bilinearly to `size`.
 */
export function toModelInput(rgb: Uint8Array, width: number, height: number, size: { width: number; height: number }): Float32Array {
  const { width: W, height: H } = size;
  const plane = W * H;
  const out = new Float32Array(3 * plane);
  const sx = width / W;
  const sy = height / H;
  for (let y = 0; y < H; y++) {
    const fy = Math.min(height - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(height - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < W; x++) {
      const fx = Math.min(width - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(width - 1, x0 + 1);
      const wx = fx - x0;
      const a = (y0 * width + x0) * 3,
        b = (y0 * width + x1) * 3,
        c = (y1 * width + x0) * 3,
        d = (y1 * width + x1) * 3;
      const o = y * W + x;
      for (let ch = 0; ch < 3; ch++) {
        const top = rgb[a + ch]! + (rgb[b + ch]! - rgb[a + ch]!) * wx;
        const bottom = rgb[c + ch]! + (rgb[d + ch]! - rgb[c + ch]!) * wx;
        const v = (top + (bottom - top) * wy) / 255;
        const bgr = 2 - ch; // R goes to plane 2, B to plane 0
        out[bgr * plane + o] = (v - MEAN_BGR[bgr]!) / STD_BGR[bgr]!;
      }
    }
  }
  return out;
}

type Vec = [number, number];

/** Convex hull (monotone chain) of pixel-corner points, counter-clockwise in image coordinates. */
function convexHull(points: Vec[]): Vec[] {
  const pts = points.slice().sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  if (pts.length < 3) return pts;
  const cross = (o: Vec, a: Vec, b: Vec) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: Vec[] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: Vec[] = [];
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, p) <= 0) upper.pop();
    upper.push(p);
  }
  return lower.slice(0, -1).concat(upper.slice(0, -1));
}

/** Minimum-area enclosing rectangle of a convex polygon (one of its sides lies on a hull edge). */
function minAreaRect(hull: Vec[]): { cx: number; cy: number; w: number; h: number; ux: number; uy: number } {
  let best = { area: Infinity, cx: 0, cy: 0, w: 0, h: 0, ux: 1, uy: 0 };
  for (let i = 0; i < hull.length; i++) {
    const p = hull[i]!,
      q = hull[(i + 1) % hull.length]!;
    const len = Math.hypot(q[0] - p[0], q[1] - p[1]);
    if (len === 0) continue;
    const ux = (q[0] - p[0]) / len,
      uy = (q[1] - p[1]) / len;
    let minU = Infinity,
      maxU = -Infinity,
      minV = Infinity,
      maxV = -Infinity;
    for (const [x, y] of hull) {
      const u = x * ux + y * uy,
        v = -x * uy + y * ux;
      minU = Math.min(minU, u);
      maxU = Math.max(maxU, u);
      minV = Math.min(minV, v);
      maxV = Math.max(maxV, v);
    }
    const area = (maxU - minU) * (maxV - minV);
    if (area < best.area) {
      const cu = (minU + maxU) / 2,
        cv = (minV + maxV) / 2;
      best = { area, cx: cu * ux - cv * uy, cy: cu * uy + cv * ux, w: maxU - minU, h: maxV - minV, ux, uy };
    }
  }
  return best;
}

/** Corners of a rectangle, clockwise in image coordinates starting from the top-left-most. */
function corners(r: { cx: number; cy: number; w: number; h: number; ux: number; uy: number }): Vec[] {
  const hx = [(r.ux * r.w) / 2, (r.uy * r.w) / 2];
  const hy = [(-r.uy * r.h) / 2, (r.ux * r.h) / 2];
  const pts: Vec[] = [
    [r.cx - hx[0]! - hy[0]!, r.cy - hx[1]! - hy[1]!],
    [r.cx + hx[0]! - hy[0]!, r.cy + hx[1]! - hy[1]!],
    [r.cx + hx[0]! + hy[0]!, r.cy + hx[1]! + hy[1]!],
    [r.cx - hx[0]! + hy[0]!, r.cy - hx[1]! + hy[1]!],
  ];
  // Order clockwise (y down) by angle around the centre, then start at the corner nearest the top-left.
  pts.sort((a, b) => Math.atan2(a[1] - r.cy, a[0] - r.cx) - Math.atan2(b[1] - r.cy, b[0] - r.cx));
  let start = 0;
  for (let i = 1; i < 4; i++) if (pts[i]![0] + pts[i]![1] < pts[start]![0] + pts[start]![1]) start = i;
  return [0, 1, 2, 3].map((k) => pts[(start + k) % 4]!);
}

/**
 * DB post-processing on a probability map (`mapWidth × mapHeight`, values 0..1): text regions in
 * normalised coordinates of the source image (the map covers the whole image), highest score first
 * within reading order (top to bottom, left to right).
 */
export function regionsFromProbabilityMap(
  prob: Float32Array,
  mapWidth: number,
  mapHeight: number,
  options: DetectOptions = {},
): TextRegion[] {
  const o = { ...DEFAULTS, ...options };
  const n = mapWidth * mapHeight;
  const label = new Int32Array(n); // 0 = unvisited background or text; >0 = component id
  const stack = new Int32Array(n);
  const regions: TextRegion[] = [];
  let id = 0;
  for (let start = 0; start < n; start++) {
    if (label[start] !== 0 || !(prob[start]! > o.binaryThreshold)) continue;
    id++;
    // 8-connected flood fill; boundary pixels contribute their corners to the hull.
    let top = 0,
      count = 0,
      sum = 0;
    const edge: Vec[] = [];
    stack[top++] = start;
    label[start] = id;
    while (top > 0) {
      const p = stack[--top]!;
      const x = p % mapWidth,
        y = (p - x) / mapWidth;
      count++;
      sum += prob[p]!;
      let boundary = false;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          if (dx === 0 && dy === 0) continue;
          const nx = x + dx,
            ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= mapWidth || ny >= mapHeight) {
            boundary = true;
            continue;
          }
          const q = ny * mapWidth + nx;
          if (!(prob[q]! > o.binaryThreshold)) {
            boundary = true;
            continue;
          }
          if (label[q] === 0) {
            label[q] = id;
            stack[top++] = q;
          }
        }
      }
      if (boundary) edge.push([x, y]);
    }
    const rect = minAreaRect(convexHull(edge));
    if (Math.min(rect.w, rect.h) < o.minSize) continue;
    const confidence = sum / count;
    if (confidence < o.boxThreshold) continue;
    // PaddleOCR's unclip: offset the polygon by area × ratio / perimeter (a rectangle stays one).
    const d = (rect.w * rect.h * o.unclipRatio) / (2 * (rect.w + rect.h));
    const grown = { ...rect, w: rect.w + 2 * d, h: rect.h + 2 * d };
    if (Math.min(grown.w, grown.h) < o.minSize + 2) continue;
    const clamp = (v: number) => Math.min(1, Math.max(0, v));
    const polygon = corners(grown).map(([x, y]) => ({ x: clamp(x / mapWidth), y: clamp(y / mapHeight) }));
    const xs = polygon.map((p) => p.x),
      ys = polygon.map((p) => p.y);
    const x0 = Math.min(...xs),
      y0 = Math.min(...ys);
    regions.push({ box: { x: x0, y: y0, w: Math.max(...xs) - x0, h: Math.max(...ys) - y0 }, polygon, confidence });
  }
  return regions.sort((a, b) => a.box.y - b.box.y || a.box.x - b.box.x);
}

/** One InferenceSession of the detection model. Not safe to run concurrently: one call at a time per detector. */
export class TextDetector {
  readonly #session: ort.InferenceSession;

  private constructor(session: ort.InferenceSession) {
    this.#session = session;
  }

  /**
   * Loads the model. `threads` is onnxruntime's intra-op thread count: 1 in a worker-scoped
   * dependency (the runner scales across tasks), the core count in a plain sequential loop.
   */
  static async create(modelPath: string, { threads = 1 }: { threads?: number } = {}): Promise<TextDetector> {
    const session = await ort.InferenceSession.create(modelPath, {
      executionProviders: ['cpu'],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    return new TextDetector(session);
  }

  /** Text regions in a packed RGB24 frame. */
  async detect(rgb: Uint8Array, width: number, height: number, options: DetectOptions = {}): Promise<TextRegion[]> {
    const size = inputSize(width, height, options.maxSide);
    const input = new ort.Tensor('float32', toModelInput(rgb, width, height, size), [1, 3, size.height, size.width]);
    const outputs = await this.#session.run({ [this.#session.inputNames[0]!]: input });
    const map = outputs[this.#session.outputNames[0]!]!;
    try {
      const [, , h, w] = map.dims as number[];
      return regionsFromProbabilityMap(map.data as Float32Array, w!, h!, options);
    } finally {
      input.dispose();
      map.dispose();
    }
  }

  async release(): Promise<void> {
    await this.#session.release();
  }
}
