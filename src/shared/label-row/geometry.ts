import { TaskAgentError } from '../errors.js';
import { encodeRle } from './rle.js';
import { jsonText } from './json-text.js';

/** A normalised (0..1) point. */
export interface Point2D {
  x: number;
  y: number;
}

/** Normalised axis-aligned box; `x`,`y` = top-left corner. */
export interface BoundingBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Normalised box rotated by `theta` degrees around its centre. */
export interface RotatableBoundingBox extends BoundingBox {
  theta: number;
}

/** Encord bitmask coordinates (the mask covers the whole media: top=left=0, width/height = media size). */
export interface BitmaskCoordinates {
  top: number;
  left: number;
  width: number;
  height: number;
  rleString: string;
}

/** A raw mask to encode: row-major bytes, non-zero = set. */
export interface BitmaskInput {
  mask: Uint8Array;
  width: number;
  height: number;
}

/** Visibility values of skeleton points. */
export type SkeletonVisibility = 'visible' | 'invisible' | 'occluded' | 'selfOccluded';

/** A skeleton point; name/colour/featureHash come from the ontology's skeleton template when omitted. */
export interface SkeletonPoint {
  x: number;
  y: number;
  name: string;
  color?: string;
  featureHash?: string;
  value?: string;
  visibility?: SkeletonVisibility;
}

/** Coordinates of one object on one frame, discriminated by the ontology shape. */
export type ObjectCoordinates =
  | { shape: 'bounding_box'; boundingBox: BoundingBox }
  | { shape: 'rotatable_bounding_box'; rotatableBoundingBox: RotatableBoundingBox }
  /** `polygon` = the first outer ring; `polygons` = polygons → rings (outer first, then holes) → flat x,y list. */
  | { shape: 'polygon'; polygon: Point2D[]; polygons: number[][][] }
  | { shape: 'polyline'; polyline: Point2D[] }
  | { shape: 'point'; point: Point2D }
  | { shape: 'bitmask'; bitmask: BitmaskCoordinates }
  | { shape: 'skeleton'; skeleton: SkeletonPoint[] }
  /** Shapes this module reads through without interpreting (cuboids, segmentation…). */
  | { shape: 'other'; originalShape: string; raw: unknown };

/**
 * Geometry given to `addObject` / `setObjectCoordinates`: exactly one shape's keys
 * (`polygon` and `polygons` may be combined). The shape must match the ontology object's shape.
 */
export interface GeometryInput {
  boundingBox?: BoundingBox;
  rotatableBoundingBox?: RotatableBoundingBox;
  polygon?: Point2D[];
  polygons?: number[][][];
  polyline?: Point2D[];
  point?: Point2D;
  bitmask?: BitmaskCoordinates | BitmaskInput;
  skeleton?: Array<Partial<SkeletonPoint> & Point2D>;
}

/** Shape → wire key(s). Used to strip old geometry when coordinates are replaced. */
export const GEOMETRY_KEYS: Readonly<Record<string, readonly string[]>> = {
  bounding_box: ['boundingBox'],
  rotatable_bounding_box: ['rotatableBoundingBox'],
  polygon: ['polygon', 'polygons'],
  polyline: ['polyline'],
  point: ['point'],
  bitmask: ['bitmask'],
  skeleton: ['skeleton'],
  cuboid: ['cuboid'],
  cuboid_2d: ['cuboid_2d'],
  segmentation: ['segmentation'],
};

const INPUT_SHAPES: ReadonlyArray<[keyof GeometryInput, string]> = [
  ['boundingBox', 'bounding_box'],
  ['rotatableBoundingBox', 'rotatable_bounding_box'],
  ['polygon', 'polygon'],
  ['polygons', 'polygon'],
  ['polyline', 'polyline'],
  ['point', 'point'],
  ['bitmask', 'bitmask'],
  ['skeleton', 'skeleton'],
];

type Json = Record<string, unknown>;

function invalid(path: string, what: string): never {
  throw new TaskAgentError('TA_LABEL_ROW_INVALID', `${path}: ${what}.`, { details: { path } });
}

function num(v: unknown, path: string): number {
  // Wire values are numbers; tolerate numeric strings like the Python parser (float()).
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) invalid(path, `expected a number, got ${JSON.stringify(v)}`);
  return n;
}

function obj(v: unknown, path: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) invalid(path, 'expected an object');
  return v as Json;
}

/** `{"0":{x,y},"1":…}` or `[{x,y},…]` → ordered entries. */
function indexed(v: unknown, path: string): Json[] {
  if (Array.isArray(v)) return v.map((p, i) => obj(p, `${path}[${i}]`));
  const o = obj(v, path);
  return Object.keys(o)
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => obj(o[k], `${path}.${k}`));
}

function pt(p: Json, path: string): Point2D {
  return { x: num(p['x'], `${path}.x`), y: num(p['y'], `${path}.y`) };
}

function box(v: unknown, path: string): BoundingBox {
  const b = obj(v, path);
  return { x: num(b['x'], `${path}.x`), y: num(b['y'], `${path}.y`), w: num(b['w'], `${path}.w`), h: num(b['h'], `${path}.h`) };
}

/** Parse the geometry of a wire frame object (`path` names it in errors). */
export function coordinatesFromWire(fo: Json, path: string): ObjectCoordinates {
  const shape = String(fo['shape']);
  const need = (key: string): unknown => (key in fo ? fo[key] : invalid(path, `a ${shape} object needs a "${key}" key`));
  switch (shape) {
    case 'bounding_box':
      return { shape, boundingBox: box(need('boundingBox'), `${path}.boundingBox`) };
    case 'rotatable_bounding_box': {
      const p = `${path}.rotatableBoundingBox`;
      const b = obj(need('rotatableBoundingBox'), p);
      return { shape, rotatableBoundingBox: { ...box(b, p), theta: num(b['theta'] ?? 0, `${p}.theta`) } };
    }
    case 'polygon': {
      let polygons: number[][][] | undefined;
      if (Array.isArray(fo['polygons'])) {
        polygons = (fo['polygons'] as unknown[]).map((poly, i) =>
          (Array.isArray(poly) ? poly : invalid(`${path}.polygons[${i}]`, 'expected a list of rings')).map((ring, j) =>
            (Array.isArray(ring) ? ring : invalid(`${path}.polygons[${i}][${j}]`, 'expected a flat coordinate list')).map((c, k) =>
              num(c, `${path}.polygons[${i}][${j}][${k}]`),
            ),
          ),
        );
      }
      let polygon: Point2D[];
      if ('polygon' in fo) polygon = indexed(fo['polygon'], `${path}.polygon`).map((p, i) => pt(p, `${path}.polygon.${i}`));
      else if (polygons?.[0]?.[0]) polygon = ringToPoints(polygons[0][0]);
      else invalid(path, 'a polygon object needs a "polygon" or "polygons" key');
      return { shape, polygon, polygons: polygons ?? [[pointsToRing(polygon)]] };
    }
    case 'polyline':
      return { shape, polyline: indexed(need('polyline'), `${path}.polyline`).map((p, i) => pt(p, `${path}.polyline.${i}`)) };
    case 'point': {
      const pts = indexed(need('point'), `${path}.point`);
      if (!pts[0]) invalid(`${path}.point`, 'no point');
      return { shape, point: pt(pts[0], `${path}.point.0`) };
    }
    case 'bitmask': {
      const p = `${path}.bitmask`;
      const b = obj(need('bitmask'), p);
      if (typeof b['rleString'] !== 'string') invalid(`${p}.rleString`, 'expected a string');
      return {
        shape,
        bitmask: {
          top: num(b['top'] ?? 0, `${p}.top`),
          left: num(b['left'] ?? 0, `${p}.left`),
          width: num(b['width'], `${p}.width`),
          height: num(b['height'], `${p}.height`),
          rleString: b['rleString'],
        },
      };
    }
    case 'skeleton':
      return {
        shape,
        skeleton: indexed(need('skeleton'), `${path}.skeleton`).map((p, i) => {
          const out: SkeletonPoint = { ...pt(p, `${path}.skeleton.${i}`), name: jsonText(p['name']) };
          if (typeof p['color'] === 'string') out.color = p['color'];
          if (typeof p['featureHash'] === 'string') out.featureHash = p['featureHash'];
          if (typeof p['value'] === 'string') out.value = p['value'];
          const vis = skeletonVisibility(p);
          if (vis) out.visibility = vis;
          return out;
        }),
      };
    default: {
      const key = GEOMETRY_KEYS[shape]?.[0];
      return { shape: 'other', originalShape: shape, raw: key ? fo[key] : undefined };
    }
  }
}

function skeletonVisibility(p: Json): SkeletonVisibility | undefined {
  if (typeof p['visibility'] === 'string') return p['visibility'] as SkeletonVisibility;
  // Legacy boolean flags (§7.4).
  for (const v of ['invisible', 'occluded', 'selfOccluded', 'visible'] as const) if (p[v] === true) return v;
  return undefined;
}

/** `[x1,y1,x2,y2,…]` → points. */
export function ringToPoints(ring: readonly number[]): Point2D[] {
  const out: Point2D[] = [];
  for (let i = 0; i + 1 < ring.length; i += 2) out.push({ x: ring[i], y: ring[i + 1] });
  return out;
}

/** points → `[x1,y1,x2,y2,…]`. */
export function pointsToRing(points: readonly Point2D[]): number[] {
  return points.flatMap((p) => [p.x, p.y]);
}

const indexedWire = (pts: readonly Json[]): Json => Object.fromEntries(pts.map((p, i) => [String(i), p]));

/** The wire keys for coordinates, as the SDK writes them (polygon writes both `polygon` and `polygons`). */
export function coordinatesToWire(c: ObjectCoordinates): Json {
  switch (c.shape) {
    case 'bounding_box':
      return { boundingBox: { h: c.boundingBox.h, w: c.boundingBox.w, x: c.boundingBox.x, y: c.boundingBox.y } };
    case 'rotatable_bounding_box': {
      const b = c.rotatableBoundingBox;
      return { rotatableBoundingBox: { h: b.h, w: b.w, x: b.x, y: b.y, theta: b.theta } };
    }
    case 'polygon':
      return {
        polygon: indexedWire(c.polygon.map((p) => ({ x: p.x, y: p.y }))),
        polygons: c.polygons.map((poly) => poly.map((r) => [...r])),
      };
    case 'polyline':
      return { polyline: indexedWire(c.polyline.map((p) => ({ x: p.x, y: p.y }))) };
    case 'point':
      return { point: { '0': { x: c.point.x, y: c.point.y } } };
    case 'bitmask':
      return {
        bitmask: {
          top: c.bitmask.top,
          left: c.bitmask.left,
          height: c.bitmask.height,
          width: c.bitmask.width,
          rleString: c.bitmask.rleString,
        },
      };
    case 'skeleton':
      return { skeleton: indexedWire(c.skeleton.map((p) => ({ ...p }))) };
    case 'other': {
      const key = GEOMETRY_KEYS[c.originalShape]?.[0];
      return key ? { [key]: c.raw } : {};
    }
  }
}

/** Context for validating input geometry against the ontology and the media. */
export interface GeometryContext {
  /** Ontology shape of the object. */
  shape: string;
  objectName: string;
  /** Media size, when known (bitmasks must cover it). */
  width?: number | undefined;
  height?: number | undefined;
  /** Template points for skeletons. */
  skeletonTemplate?: ReadonlyArray<{ name: string; color?: string; featureHash?: string; value?: string }> | undefined;
}

function checkPoint(p: unknown, path: string): Point2D {
  const o = obj(p, path);
  return { x: num(o['x'], `${path}.x`), y: num(o['y'], `${path}.y`) };
}

/**
 * Turn `GeometryInput` into coordinates, checking that exactly one shape is given and that it is
 * the ontology object's shape (TA_ONTOLOGY_MISMATCH otherwise) and that the values are well formed.
 */
export function coordinatesFromInput(input: GeometryInput, ctx: GeometryContext): ObjectCoordinates {
  const given = INPUT_SHAPES.filter(([k]) => input[k] !== undefined);
  const shapes = [...new Set(given.map(([, s]) => s))];
  if (shapes.length === 0) {
    throw new TaskAgentError(
      'TA_ONTOLOGY_MISMATCH',
      `No coordinates given for "${ctx.objectName}" (a ${ctx.shape}); pass ${inputKeysFor(ctx.shape)}.`,
      { details: { shape: ctx.shape } },
    );
  }
  if (shapes.length > 1 || shapes[0] !== ctx.shape) {
    throw new TaskAgentError(
      'TA_ONTOLOGY_MISMATCH',
      `"${ctx.objectName}" is a ${ctx.shape} in the ontology but ${given.map(([k]) => k).join(' + ')} was given; pass ${inputKeysFor(ctx.shape)}.`,
      { details: { shape: ctx.shape, given: given.map(([k]) => k) } },
    );
  }
  const path = ctx.objectName;
  switch (ctx.shape) {
    case 'bounding_box': {
      const b = box(input.boundingBox, `${path}.boundingBox`);
      if (b.w < 0 || b.h < 0) invalid(`${path}.boundingBox`, 'width and height must be ≥ 0');
      return { shape: 'bounding_box', boundingBox: b };
    }
    case 'rotatable_bounding_box': {
      const b = box(input.rotatableBoundingBox, `${path}.rotatableBoundingBox`);
      return {
        shape: 'rotatable_bounding_box',
        rotatableBoundingBox: { ...b, theta: num(input.rotatableBoundingBox!.theta ?? 0, `${path}.rotatableBoundingBox.theta`) },
      };
    }
    case 'polygon': {
      let polygons: number[][][] | undefined;
      if (input.polygons !== undefined) {
        if (!Array.isArray(input.polygons) || input.polygons.length === 0)
          invalid(`${path}.polygons`, 'expected a non-empty list of polygons');
        polygons = input.polygons.map((poly, i) => {
          if (!Array.isArray(poly) || poly.length === 0) invalid(`${path}.polygons[${i}]`, 'expected a non-empty list of rings');
          return poly.map((ring, j) => {
            if (!Array.isArray(ring) || ring.length < 6 || ring.length % 2)
              invalid(`${path}.polygons[${i}][${j}]`, 'a ring needs ≥ 3 x,y pairs');
            return ring.map((c, k) => num(c, `${path}.polygons[${i}][${j}][${k}]`));
          });
        });
      }
      let polygon: Point2D[];
      if (input.polygon !== undefined) {
        if (!Array.isArray(input.polygon) || input.polygon.length < 3) invalid(`${path}.polygon`, 'a polygon needs ≥ 3 points');
        polygon = input.polygon.map((p, i) => checkPoint(p, `${path}.polygon[${i}]`));
      } else polygon = ringToPoints(polygons![0][0]);
      return { shape: 'polygon', polygon, polygons: polygons ?? [[pointsToRing(polygon)]] };
    }
    case 'polyline': {
      if (!Array.isArray(input.polyline) || input.polyline.length < 2) invalid(`${path}.polyline`, 'a polyline needs ≥ 2 points');
      return { shape: 'polyline', polyline: input.polyline.map((p, i) => checkPoint(p, `${path}.polyline[${i}]`)) };
    }
    case 'point':
      return { shape: 'point', point: checkPoint(input.point, `${path}.point`) };
    case 'bitmask': {
      const b = input.bitmask!;
      let coords: BitmaskCoordinates;
      if ('mask' in b) {
        if (!(b.mask instanceof Uint8Array)) invalid(`${path}.bitmask.mask`, 'expected a Uint8Array');
        coords = { top: 0, left: 0, width: b.width, height: b.height, rleString: encodeRle(b.mask, b.width, b.height) };
      } else {
        if (typeof b.rleString !== 'string') invalid(`${path}.bitmask.rleString`, 'expected a string');
        coords = {
          top: num(b.top ?? 0, `${path}.bitmask.top`),
          left: num(b.left ?? 0, `${path}.bitmask.left`),
          width: num(b.width, `${path}.bitmask.width`),
          height: num(b.height, `${path}.bitmask.height`),
          rleString: b.rleString,
        };
      }
      // Encord requires the mask to cover the media exactly (§7.4).
      if (ctx.width !== undefined && ctx.height !== undefined && (coords.width !== ctx.width || coords.height !== ctx.height)) {
        invalid(`${path}.bitmask`, `the mask is ${coords.width}×${coords.height} but the media is ${ctx.width}×${ctx.height}`);
      }
      return { shape: 'bitmask', bitmask: coords };
    }
    case 'skeleton': {
      const pts = input.skeleton!;
      if (!Array.isArray(pts) || pts.length === 0) invalid(`${path}.skeleton`, 'expected a non-empty list of points');
      const tpl = ctx.skeletonTemplate;
      if (tpl && tpl.length > 0 && pts.length !== tpl.length) {
        throw new TaskAgentError(
          'TA_ONTOLOGY_MISMATCH',
          `The skeleton template of "${ctx.objectName}" has ${tpl.length} points (${tpl.map((t) => t.name).join(', ')}) but ${pts.length} were given.`,
        );
      }
      return {
        shape: 'skeleton',
        skeleton: pts.map((p, i) => {
          const t = tpl?.[i];
          const out: SkeletonPoint = { ...checkPoint(p, `${path}.skeleton[${i}]`), name: p.name ?? t?.name ?? String(i) };
          const color = p.color ?? t?.color;
          const featureHash = p.featureHash ?? t?.featureHash;
          const value = p.value ?? t?.value;
          if (color !== undefined) out.color = color;
          if (featureHash !== undefined) out.featureHash = featureHash;
          if (value !== undefined) out.value = value;
          if (p.visibility !== undefined) out.visibility = p.visibility;
          return out;
        }),
      };
    }
    default:
      throw new TaskAgentError(
        'TA_ONTOLOGY_MISMATCH',
        `Objects of shape "${ctx.shape}" ("${ctx.objectName}") cannot be added with coordinates by this API.`,
      );
  }
}

function inputKeysFor(shape: string): string {
  const keys = INPUT_SHAPES.filter(([, s]) => s === shape).map(([k]) => `\`${k}\``);
  return keys.length ? keys.join(' or ') : '(no coordinate form is supported)';
}
