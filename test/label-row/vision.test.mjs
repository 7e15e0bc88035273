import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  LabelRow,
  coordinatesToBoundingBox,
  cropToBoundingBox,
  cropToObject,
  encodeRle,
  maskToBoundingBox,
  polygonToBoundingBox,
  rotatableBoxToBoundingBox,
  rotatableBoxToPolygon,
} from '../../dist/index.js';
import { code, fixture, ontology } from './helpers.mjs';

const close = (actual, expected, msg) => {
  for (const k of Object.keys(expected))
    assert.ok(Math.abs(actual[k] - expected[k]) < 1e-9, `${msg ?? ''} ${k}: ${actual[k]} vs ${expected[k]}`);
};

/** h×w mask with [y0,y1)×[x0,x1) rectangles set. */
function mask(h, w, ...rects) {
  const m = new Uint8Array(w * h);
  for (const [y0, y1, x0, x1] of rects) for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[y * w + x] = 1;
  return { mask: m, width: w, height: h };
}

// Cases from encord-agents tests/test_vision.py (mask_to_bbox).
const cases = [
  ['square image', mask(100, 100, [20, 40, 50, 70]), { x: 0.5, y: 0.2, w: 0.2, h: 0.2 }],
  ['portrait image', mask(400, 200, [100, 300, 50, 150]), { x: 50 / 200, y: 100 / 400, w: 100 / 200, h: 200 / 400 }],
  ['landscape image', mask(200, 400, [50, 150, 100, 300]), { x: 100 / 400, y: 50 / 200, w: 200 / 400, h: 100 / 200 }],
  ['single pixel', mask(50, 80, [10, 11, 30, 31]), { x: 30 / 80, y: 10 / 50, w: 1 / 80, h: 1 / 50 }],
  ['at origin', mask(100, 100, [0, 30, 0, 40]), { x: 0, y: 0, w: 0.4, h: 0.3 }],
  ['touching bottom right', mask(100, 100, [70, 100, 60, 100]), { x: 0.6, y: 0.7, w: 0.4, h: 0.3 }],
  ['full image', mask(60, 90, [0, 60, 0, 90]), { x: 0, y: 0, w: 1, h: 1 }],
  ['disconnected regions', mask(100, 100, [10, 20, 10, 20], [70, 80, 80, 90]), { x: 0.1, y: 0.1, w: 0.8, h: 0.7 }],
  ['single row', mask(100, 200, [40, 41, 50, 150]), { x: 50 / 200, y: 0.4, w: 0.5, h: 0.01 }],
  ['single column', mask(100, 200, [30, 80, 120, 121]), { x: 120 / 200, y: 0.3, w: 1 / 200, h: 0.5 }],
  ['L shape on a rectangle', mask(100, 200, [20, 80, 40, 60], [70, 90, 40, 140]), { x: 40 / 200, y: 0.2, w: 0.5, h: 0.7 }],
];
for (const [name, m, expected] of cases) {
  test(`maskToBoundingBox: ${name}`, () => {
    close(maskToBoundingBox(m), expected, 'raw');
    close(
      maskToBoundingBox({ top: 0, left: 0, width: m.width, height: m.height, rleString: encodeRle(m.mask, m.width, m.height) }),
      expected,
      'rle',
    );
  });
}

test('maskToBoundingBox: empty mask throws', () => {
  assert.throws(() => maskToBoundingBox(mask(50, 50)), code('TA_LABEL_ROW_INVALID', 'empty bitmask'));
});

test('polygon → bounding box', () => {
  close(
    polygonToBoundingBox([
      { x: 0.3, y: 0.2 },
      { x: 0.1, y: 0.6 },
      { x: 0.5, y: 0.4 },
    ]),
    { x: 0.1, y: 0.2, w: 0.4, h: 0.4 },
  );
});

test('rotatable box: theta 0 is the box itself, 90° swaps extents in pixels', () => {
  const rbb = { x: 0.2, y: 0.4, w: 0.4, h: 0.2, theta: 0 };
  close(rotatableBoxToBoundingBox(rbb, 100, 100), { x: 0.2, y: 0.4, w: 0.4, h: 0.2 });
  // Centre (40, 50); a 40×20 px box turned 90° becomes 20×40 px.
  close(rotatableBoxToBoundingBox({ ...rbb, theta: 90 }, 100, 100), { x: 0.3, y: 0.3, w: 0.2, h: 0.4 });
  // On a 200×100 image the same normalised box is 80×20 px → 20×80 px rotated.
  close(rotatableBoxToBoundingBox({ ...rbb, theta: 90 }, 200, 100), { x: 70 / 200, y: 10 / 100, w: 20 / 200, h: 80 / 100 });
  const corners = rotatableBoxToPolygon({ ...rbb, theta: 45 }, 100, 100);
  const cx = corners.reduce((s, p) => s + p.x, 0) / 4;
  assert.ok(Math.abs(cx - 40) < 1e-9, 'rotation keeps the centre');
});

/** A w×h RGB24 frame whose pixel (x, y) = [x, y, 7]. */
function frame(w, h) {
  const content = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) content.set([x, y, 7], (y * w + x) * 3);
  return { content, width: w, height: h };
}

test('cropToBoundingBox rounds like crop_to_bbox and clips to the frame', () => {
  const f = frame(20, 10);
  const c = cropToBoundingBox(f, { x: 0.3, y: 0.4, w: 0.2, h: 0.1 });
  assert.deepEqual([c.width, c.height], [4, 1]);
  assert.deepEqual([...c.content.subarray(0, 3)], [6, 4, 7]);
  assert.deepEqual([...c.content.subarray(9, 12)], [9, 4, 7]);
  const clipped = cropToBoundingBox(f, { x: 0.9, y: 0.9, w: 0.5, h: 0.5 });
  assert.deepEqual([clipped.width, clipped.height], [2, 1]);
  assert.throws(
    () => cropToBoundingBox({ content: new Uint8Array(5), width: 2, height: 2 }, { x: 0, y: 0, w: 1, h: 1 }),
    code('TA_MEDIA_DECODE_FAILED'),
  );
});

test('cropToObject for instances of each croppable shape', () => {
  const lr = new LabelRow(fixture('image-minimal'), ontology()); // 20×10
  const f = frame(20, 10);
  const box = lr.objectInstance('obj0'); // x .3 y .4 w .2 h .1
  const c1 = cropToObject(f, box);
  assert.deepEqual([c1.width, c1.height, c1.content[0], c1.content[1]], [4, 1, 6, 4]);
  const poly = lr.addObject({
    name: 'Person',
    polygon: [
      { x: 0.5, y: 0.2 },
      { x: 0.75, y: 0.2 },
      { x: 0.75, y: 0.6 },
    ],
  });
  const c2 = cropToObject(f, poly, { frame: 0 });
  assert.deepEqual([c2.width, c2.height, c2.content[0], c2.content[1]], [5, 4, 10, 2]);
  const m = mask(10, 20, [3, 5, 2, 8]);
  const road = lr.addObject({ name: 'Road', bitmask: m });
  const c3 = cropToObject(f, road);
  assert.deepEqual([c3.width, c3.height, c3.content[0], c3.content[1]], [6, 2, 2, 3]);
  const plate = lr.addObject({ name: 'Plate', rotatableBoundingBox: { x: 0.25, y: 0.2, w: 0.5, h: 0.2, theta: 0 } });
  const c4 = cropToObject(f, plate);
  assert.deepEqual([c4.width, c4.height], [10, 2]);
  assert.throws(() => cropToObject(f, box, { frame: 3 }), code('TA_LABEL_ROW_INVALID', 'frame 3'));
  const kp = lr.addObject({ name: 'Keypoint', point: { x: 0.5, y: 0.5 } });
  assert.throws(() => cropToObject(f, kp), code('TA_ONTOLOGY_MISMATCH', 'point'));
  close(coordinatesToBoundingBox(road.frames[0].coordinates, 20, 10), { x: 0.1, y: 0.3, w: 0.3, h: 0.2 });
});
