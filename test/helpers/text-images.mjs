// Images and videos with known text, rendered by the ffmpeg CLI (drawtext) with Debian's
// fonts-dejavu-core, and the ink box of every word as ground truth: the word is rendered alone at
// the same place and the box is read from the pixels that differ from the background.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const FONT_DIR = '/usr/share/fonts/truetype/dejavu';
export const FONTS = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSerif.ttf', 'DejaVuSansMono-Bold.ttf'].map((f) => `${FONT_DIR}/${f}`);
const WORDS = ['Encord', 'label', 'TASK', 'agent', 'Frame42', 'worker', 'QUEUE', 'pixel', 'review', 'Model7', 'thread', 'VIDEO'];

/** Why rendered-text tests cannot run here, or null. */
export function textRenderingMissing() {
  if (spawnSync('ffmpeg', ['-version']).status !== 0) return 'the ffmpeg CLI is not installed (scripts/setup.sh installs it)';
  const missing = FONTS.filter((f) => !existsSync(f));
  if (missing.length) return `fonts-dejavu-core is not installed (missing ${missing.join(', ')}; scripts/setup.sh installs it)`;
  return null;
}

const pick = (rand, list) => list[Math.floor(rand() * list.length)];
const drawtext = (w) =>
  `drawtext=fontfile=${w.font}:text=${w.text}:x=${w.x}:y=${w.y}:fontsize=${w.size}:fontcolor=${w.color}${w.enable ? `:enable='${w.enable}'` : ''}`;

/**
 * A random layout: one word per row (rows far enough apart that the detector cannot merge them),
 * random font, size, colour and horizontal offset.
 */
export function randomWords(rand, { width, height, count }) {
  const rowHeight = Math.floor(height / count);
  const colors = ['black', 'navy', 'darkred', 'darkgreen', '0x402060'];
  return Array.from({ length: count }, (_, i) => {
    const size = Math.min(Math.floor(rowHeight * 0.5), 32 + Math.floor(rand() * 32));
    return {
      text: pick(rand, WORDS),
      font: pick(rand, FONTS),
      size,
      color: pick(rand, colors),
      x: 16 + Math.floor(rand() * (width / 2 - 32)),
      y: i * rowHeight + Math.floor(rand() * (rowHeight - size * 1.4)),
    };
  });
}

/** Renders words on a background with ffmpeg to `file` (PNG or JPEG by extension). */
export function renderImage(file, { width, height, background = 'white', words }) {
  const vf = words.length ? ['-vf', words.map(drawtext).join(',')] : [];
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `color=${background}:s=${width}x${height}`,
    ...vf,
    '-frames:v',
    '1',
    file,
  ]);
}

/** Renders a video (H.264, yuv420p) of `seconds` at `fps`; words may carry an ffmpeg `enable` expression. */
export function renderVideo(file, { width, height, fps, seconds, background = 'white', words }) {
  const vf = words.length ? ['-vf', words.map(drawtext).join(',')] : [];
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `color=${background}:s=${width}x${height}:r=${fps}:d=${seconds}`,
    ...vf,
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-pix_fmt',
    'yuv420p',
    file,
  ]);
}

/** The ink box (pixels, {x, y, w, h}) of one word rendered alone on the background. */
export function inkBox(word, { width, height, background = 'white' }) {
  const rgb = execFileSync(
    'ffmpeg',
    [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      `color=${background}:s=${width}x${height}`,
      '-vf',
      drawtext({ ...word, enable: undefined }),
      '-frames:v',
      '1',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      'pipe:1',
    ],
    { maxBuffer: width * height * 3 + 1024 },
  );
  const bg = [rgb[0], rgb[1], rgb[2]];
  let x0 = width,
    y0 = height,
    x1 = -1,
    y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      if (Math.abs(rgb[i] - bg[0]) + Math.abs(rgb[i + 1] - bg[1]) + Math.abs(rgb[i + 2] - bg[2]) > 60) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < 0) throw new Error(`word ${word.text} left no ink (layout ${JSON.stringify(word)})`);
  return { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

/** Intersection over union of two {x, y, w, h} boxes in the same units. */
export function iou(a, b) {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  const inter = ix * iy;
  return inter / (a.w * a.h + b.w * b.h - inter);
}
