import { TaskAgentError } from '../errors.js';
import type { BitmaskCoordinates, BitmaskInput, BoundingBox, ObjectCoordinates, Point2D, RotatableBoundingBox } from './geometry.js';
import type { ObjectInstance } from './label-row.js';
import { decodeRle } from './rle.js';

/**
 * Vision helpers mirroring encord-agents' core/vision.py, on plain RGB24 buffers so they run in
 * worker threads without OpenCV. Boxes are normalised (0..1) like Encord coordinates.
 */

/** A decoded frame: RGB24, row-major, `width * height * 3` bytes. */
export interface RgbFrame {
  content: Uint8Array;
  width: number;
  height: number;
}

/**
 * Normalised bounding box around normalised points.
 *
 * @example
 * ```ts
 * polygonToBoundingBox([{ x: 0.1, y: 0.2 }, { x: 0.5, y: 0.2 }, { x: 0.3, y: 0.6 }]); // { x: 0.1, y: 0.2, w: 0.4, h: 0.4 }
 * ```
 */
export function polygonToBoundingBox(points: readonly Point2D[]): BoundingBox {
  if (points.length === 0) throw new TaskAgentError('TA_LABEL_ROW_INVALID', 'Cannot compute a bounding box from no points.');
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -Infinity,
    y1 = -Infinity;
  for (const p of points) {
    x0 = Math.min(x0, p.x);
    y0 = Math.min(y0, p.y);
    x1 = Math.max(x1, p.x);
    y1 = Math.max(y1, p.y);
  }
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/**
 * The four corners, in pixels, of a rotated box on a `width`×`height` image (rotation about the
 * box centre by `theta` degrees, as Encord / cv2.getRotationMatrix2D(centre, 360 − theta) do).
 *
 * @example
 * ```ts
 * rotatableBoxToPolygon({ x: 0.25, y: 0.25, w: 0.5, h: 0.5, theta: 90 }, 100, 100);
 * ```
 */
export function rotatableBoxToPolygon(rbb: RotatableBoundingBox, width: number, height: number): Point2D[] {
  const corners: Point2D[] = [
    { x: rbb.x * width, y: rbb.y * height },
    { x: (rbb.x + rbb.w) * width, y: rbb.y * height },
    { x: (rbb.x + rbb.w) * width, y: (rbb.y + rbb.h) * height },
    { x: rbb.x * width, y: (rbb.y + rbb.h) * height },
  ];
  const cx = (rbb.x + rbb.w / 2) * width;
  const cy = (rbb.y + rbb.h / 2) * height;
  const a = ((360 - rbb.theta) * Math.PI) / 180;
  const alpha = Math.cos(a);
  const beta = Math.sin(a);
  // cv2.getRotationMatrix2D: [[α, β, (1−α)cx − β·cy], [−β, α, β·cx + (1−α)cy]]
  return corners.map((p) => ({
    x: alpha * p.x + beta * p.y + (1 - alpha) * cx - beta * cy,
    y: -beta * p.x + alpha * p.y + beta * cx + (1 - alpha) * cy,
  }));
}

/** Normalised axis-aligned box surrounding a rotated box. */
export function rotatableBoxToBoundingBox(rbb: RotatableBoundingBox, width: number, height: number): BoundingBox {
  return polygonToBoundingBox(rotatableBoxToPolygon(rbb, width, height).map((p) => ({ x: p.x / width, y: p.y / height })));
}

/**
 * Tight normalised box of a bitmask (Encord RLE coordinates or a raw mask). Throws
 * TA_LABEL_ROW_INVALID for an empty mask, as encord-agents' `mask_to_bbox` raises.
 *
 * @example
 * ```ts
 * const mask = new Uint8Array(50 * 80); mask[10 * 80 + 30] = 1;
 * maskToBoundingBox({ mask, width: 80, height: 50 }); // { x: 30/80, y: 10/50, w: 1/80, h: 1/50 }
 * ```
 */
export function maskToBoundingBox(bitmask: BitmaskCoordinates | BitmaskInput): BoundingBox {
  const { width, height } = bitmask;
  const mask = 'mask' in bitmask ? bitmask.mask : decodeRle(bitmask.rleString, width, height);
  if (mask.length !== width * height)
    throw new TaskAgentError('TA_LABEL_ROW_INVALID', `Bitmask has ${mask.length} pixels, expected ${width}×${height}.`);
  let x0 = width,
    y0 = height,
    x1 = -1,
    y1 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (!mask[row + x]) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      y1 = y;
    }
  }
  if (x1 < 0) throw new TaskAgentError('TA_LABEL_ROW_INVALID', 'Cannot compute a bounding box from an empty bitmask.');
  return { x: x0 / width, y: y0 / height, w: (x1 + 1 - x0) / width, h: (y1 + 1 - y0) / height };
}

/**
 * Normalised bounding box of any box-like coordinates (box, rotated box, polygon, polyline,
 * skeleton, bitmask). `width`/`height` are the media size (needed for rotated boxes).
 */
export function coordinatesToBoundingBox(coords: ObjectCoordinates, width: number, height: number): BoundingBox {
  switch (coords.shape) {
    case 'bounding_box':
      return { ...coords.boundingBox };
    case 'rotatable_bounding_box':
      return rotatableBoxToBoundingBox(coords.rotatableBoundingBox, width, height);
    case 'polygon': {
      // Outer rings of every polygon; holes cannot extend the box.
      const outer = coords.polygons.flatMap((poly) => poly[0] ?? []);
      const pts: Point2D[] = [];
      for (let i = 0; i + 1 < outer.length; i += 2) pts.push({ x: outer[i], y: outer[i + 1] });
      return polygonToBoundingBox(pts.length ? pts : coords.polygon);
    }
    case 'polyline':
      return polygonToBoundingBox(coords.polyline);
    case 'skeleton':
      return polygonToBoundingBox(coords.skeleton);
    case 'bitmask':
      return maskToBoundingBox(coords.bitmask);
    default:
      throw new TaskAgentError(
        'TA_ONTOLOGY_MISMATCH',
        `Cannot compute a bounding box for a ${coords.shape === 'other' ? coords.originalShape : coords.shape}.`,
      );
  }
}

function checkFrame(frame: RgbFrame): void {
  if (frame.content.length !== frame.width * frame.height * 3) {
    throw new TaskAgentError(
      'TA_MEDIA_DECODE_FAILED',
      `Frame buffer has ${frame.content.length} bytes; an RGB24 ${frame.width}×${frame.height} frame has ${frame.width * frame.height * 3}.`,
    );
  }
}

/**
 * Crop an RGB24 frame to a normalised box, rounding like encord-agents' `crop_to_bbox`
 * (start = round(W·x), size = round(W·w)), clipped to the frame.
 */
export function cropToBoundingBox(frame: RgbFrame, bbox: BoundingBox): RgbFrame {
  checkFrame(frame);
  const clamp = (v: number, max: number): number => Math.min(Math.max(v, 0), max);
  const fx = Math.floor(frame.width * bbox.x + 0.5);
  const fy = Math.floor(frame.height * bbox.y + 0.5);
  const tx = fx + Math.floor(frame.width * bbox.w + 0.5);
  const ty = fy + Math.floor(frame.height * bbox.h + 0.5);
  const x0 = clamp(fx, frame.width),
    x1 = clamp(tx, frame.width);
  const y0 = clamp(fy, frame.height),
    y1 = clamp(ty, frame.height);
  const w = Math.max(0, x1 - x0);
  const h = Math.max(0, y1 - y0);
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const src = ((y0 + y) * frame.width + x0) * 3;
    out.set(frame.content.subarray(src, src + w * 3), y * w * 3);
  }
  return { content: out, width: w, height: h };
}

/**
 * Crop an RGB24 frame to an object: its bounding box for boxes, rotated boxes, polygons,
 * polylines, skeletons and bitmasks. Given an ObjectInstance, uses `opts.frame` (default: the
 * instance's first frame).
 *
 * @example
 * ```ts
 * const frame = await deps.singleFrame();           // { content, width, height }, RGB24
 * for (const obj of lr.objects({ frame: 0 })) {
 *   const crop = cropToObject(frame, obj, { frame: 0 });
 * }
 * ```
 */
export function cropToObject(frame: RgbFrame, target: ObjectInstance | ObjectCoordinates, opts: { frame?: number } = {}): RgbFrame {
  let coords: ObjectCoordinates;
  if ('objectHash' in target) {
    const f = opts.frame === undefined ? target.frames[0] : target.frames.find((x) => x.frame === opts.frame);
    if (!f) {
      throw new TaskAgentError(
        'TA_LABEL_ROW_INVALID',
        `Object ${target.objectHash} has no coordinates on frame ${opts.frame ?? '(any)'}; its frames: ${target.frames.map((x) => x.frame).join(', ') || '(none)'}.`,
      );
    }
    coords = f.coordinates;
  } else coords = target;
  return cropToBoundingBox(frame, coordinatesToBoundingBox(coords, frame.width, frame.height));
}
