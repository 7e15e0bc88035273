/**
 * Frame → base64 image in the shapes of the Python `Frame.b64_encoding(image_format, output_format)`:
 * raw base64, a `data:` URL, an OpenAI `image_url` content part, or an Anthropic `image` block.
 * Encoding uses node-av's pooled JPEG/PNG encoders (FFmpeg; faster than @napi-rs/image here).
 */
import type { DecodedFrame } from './frame-decoder.js';
import { loadNodeAvSync } from './node-av-sync.js';
import { native } from './native-gate.js';

export type ImageFormat = 'jpeg' | 'png';
export type B64Output = 'raw' | 'url' | 'openai' | 'anthropic';

export interface OpenAIImagePart {
  type: 'image_url';
  image_url: { url: string };
}
export interface AnthropicImagePart {
  type: 'image';
  source: { type: 'base64'; media_type: string; data: string };
}

type B64Result<A extends B64Output> = A extends 'openai' ? OpenAIImagePart : A extends 'anthropic' ? AnthropicImagePart : string;

const MEDIA_TYPE: Record<ImageFormat, string> = { jpeg: 'image/jpeg', png: 'image/png' };

/**
 * Encodes packed RGB24 pixels to a JPEG or PNG file image (synchronous; worker threads).
 * `quality` is 1–100 for JPEG (default 95, like OpenCV's `imencode`).
 */
export function encodeRgbImage(rgb: Uint8Array, width: number, height: number, format: ImageFormat, quality = 95): Buffer {
  // Native from end to end: inside the gate, so the worker is never terminated in the middle.
  return native(() => encodeNative(rgb, width, height, format, quality));
}

function encodeNative(rgb: Uint8Array, width: number, height: number, format: ImageFormat, quality: number): Buffer {
  const { lib, api, C } = loadNodeAvSync();
  const buf = Buffer.isBuffer(rgb) ? rgb : Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength);
  const frame = lib.Frame.fromVideoBuffer(buf, { width, height, format: C.AV_PIX_FMT_RGB24 });
  const scaler = encoderScaler(api);
  try {
    return format === 'png' ? scaler.toPngSync(frame) : scaler.toJpegSync(frame, { quality });
  } finally {
    frame.free();
  }
}

let scalerCache: import('node-av/api').Scaler | null = null;
function encoderScaler(api: typeof import('node-av/api')): import('node-av/api').Scaler {
  scalerCache ??= new api.Scaler();
  return scalerCache;
}

/**
 * Base64-encodes a decoded frame like Python's `Frame.b64_encoding`:
 * `raw` → base64 string; `url` → `data:image/jpeg;base64,...`;
 * `openai` → `{type:'image_url', image_url:{url}}`;
 * `anthropic` → `{type:'image', source:{type:'base64', media_type, data}}`.
 */
export function frameToBase64<A extends B64Output = 'url'>(
  frame: DecodedFrame,
  opts: { format?: ImageFormat; as?: A; quality?: number } = {},
): B64Result<A> {
  const format = opts.format ?? 'jpeg';
  const as = opts.as ?? 'url';
  const data = encodeRgbImage(frame.content, frame.width, frame.height, format, opts.quality).toString('base64');
  const mediaType = MEDIA_TYPE[format];
  const url = `data:${mediaType};base64,${data}`;
  let out: string | OpenAIImagePart | AnthropicImagePart;
  if (as === 'raw') out = data;
  else if (as === 'url') out = url;
  else if (as === 'openai') out = { type: 'image_url', image_url: { url } };
  else out = { type: 'image', source: { type: 'base64', media_type: mediaType, data } };
  return out as B64Result<A>;
}
