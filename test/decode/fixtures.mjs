// Test media generated with the ffmpeg CLI (the oracle) into a temp dir; shared by the decode tests.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, truncateSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0 && spawnSync('ffprobe', ['-version']).status === 0;

function ff(args) {
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Clips small enough that the whole suite stays fast; odd widths exercise linesize padding. */
export function makeFixtures(prefix = 'ta-decode-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const p = (n) => join(dir, n);
  const src = (size, rate = 25) => ['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${rate}`];
  ff([...src('320x240'), '-frames:v', '30', '-c:v', 'libx264', '-g', '10', '-pix_fmt', 'yuv420p', p('h264.mp4')]);
  ff([...src('100x50'), '-frames:v', '12', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', p('h264-odd.mp4')]);
  ff([
    ...src('160x120'),
    '-frames:v',
    '20',
    '-c:v',
    'libvpx-vp9',
    '-g',
    '8',
    '-deadline',
    'realtime',
    '-cpu-used',
    '8',
    '-pix_fmt',
    'yuv420p',
    p('vp9.webm'),
  ]);
  ff([...src('176x144'), '-frames:v', '15', '-c:v', 'mjpeg', p('mjpeg.avi')]);
  ff([...src('96x64'), '-frames:v', '1', p('img.png')]);
  ff([...src('96x64'), '-frames:v', '1', p('img.jpg')]);
  // Truncated: moov first (faststart) so the early frames stay decodable.
  ff([
    ...src('320x240'),
    '-frames:v',
    '30',
    '-c:v',
    'libx264',
    '-g',
    '10',
    '-pix_fmt',
    'yuv420p',
    '-movflags',
    '+faststart',
    p('trunc.mp4'),
  ]);
  truncateSync(p('trunc.mp4'), Math.floor(statSync(p('trunc.mp4')).size * 0.5));
  // Cut exactly after a packet: the container declares 30 frames, the file holds whole packets only.
  ff([
    ...src('320x240'),
    '-frames:v',
    '30',
    '-c:v',
    'libx264',
    '-g',
    '10',
    '-pix_fmt',
    'yuv420p',
    '-movflags',
    '+faststart',
    p('cut-at-packet.mp4'),
  ]);
  const pkts = JSON.parse(
    String(
      execFileSync('ffprobe', [
        '-v',
        'error',
        '-select_streams',
        'v:0',
        '-show_entries',
        'packet=pos,size',
        '-of',
        'json',
        p('cut-at-packet.mp4'),
      ]),
    ),
  )
    .packets.map((k) => [Number(k.pos), Number(k.size)])
    .sort((a, b) => a[0] - b[0]);
  truncateSync(p('cut-at-packet.mp4'), pkts[17][0] + pkts[17][1]);
  // Garbage in the middle of the stream, whole file after it: a real decode error, not a short file.
  ff([
    ...src('320x240'),
    '-frames:v',
    '30',
    '-c:v',
    'libx264',
    '-g',
    '10',
    '-pix_fmt',
    'yuv420p',
    '-movflags',
    '+faststart',
    p('corrupt-mid.mp4'),
  ]);
  const mid = readFileSync(p('corrupt-mid.mp4'));
  const at = pkts[12][0];
  randomBytes(4000).copy(mid, at);
  writeFileSync(p('corrupt-mid.mp4'), mid);
  writeFileSync(p('junk.mp4'), randomBytes(50_000));
  return { dir, p, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * All frames as packed RGB24, decoded by the ffmpeg CLI with its default swscale flags. With
 * `{ passthrough: true }` every decoded frame once, as decoded (no frame rate conversion: a damaged
 * file otherwise gets frames duplicated or dropped by timestamp).
 */
export function ffmpegRgb(file, { passthrough = false } = {}) {
  return execFileSync(
    'ffmpeg',
    [
      '-v',
      passthrough ? 'quiet' : 'error',
      '-i',
      file,
      ...(passthrough ? ['-vsync', 'passthrough'] : []),
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-',
    ],
    { maxBuffer: 1 << 30 },
  );
}

export function ffprobeFrames(file) {
  const out = execFileSync('ffprobe', [
    '-v',
    'error',
    '-count_frames',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=nb_read_frames',
    '-of',
    'csv=p=0',
    file,
  ]);
  return Number(String(out).trim());
}

export function meanAbsDiff(a, b) {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

export { readFileSync, ff };
