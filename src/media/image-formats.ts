/** Which FFmpeg demuxers hold a single picture rather than a video. */

/** True for single-picture demuxers (png_pipe, jpeg_pipe, webp_pipe...; image2 without a sequence pattern). */
export function isImageFormat(formatName: string | null | undefined, path: string): boolean {
  if (!formatName) return false;
  return /_pipe$/.test(formatName) || (formatName === 'image2' && !path.includes('%'));
}
