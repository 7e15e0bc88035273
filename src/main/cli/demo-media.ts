/** Two short demo videos, encoded in-process (node-av) so the demo needs no ffmpeg CLI. */
import { join } from 'node:path';
import { writeDemoVideo } from '../../media/encode-demo.js';

export async function demoMedia(dir: string): Promise<void> {
  writeDemoVideo(join(dir, 'drive-1.mp4'), { width: 320, height: 180, frames: 48, fps: 24, seed: 1 });
  writeDemoVideo(join(dir, 'drive-2.mp4'), { width: 320, height: 180, frames: 36, fps: 12, seed: 2 });
}
