/** File-extension → Encord data type / storage item type / MIME, for `project import`. */
import { extname } from 'node:path';
import type { DataType, StorageItemType } from '../../shared/types.js';

/** The media folder inside a local project directory (all media paths are confined to it). */
export const MEDIA_DIR = 'media';

export interface MediaKind {
  dataType: DataType;
  itemType: StorageItemType;
  mimeType: string;
}

const BY_EXT: Record<string, MediaKind> = {
  '.jpg': { dataType: 'IMAGE', itemType: 'image', mimeType: 'image/jpeg' },
  '.jpeg': { dataType: 'IMAGE', itemType: 'image', mimeType: 'image/jpeg' },
  '.png': { dataType: 'IMAGE', itemType: 'image', mimeType: 'image/png' },
  '.bmp': { dataType: 'IMAGE', itemType: 'image', mimeType: 'image/bmp' },
  '.webp': { dataType: 'IMAGE', itemType: 'image', mimeType: 'image/webp' },
  '.gif': { dataType: 'IMAGE', itemType: 'image', mimeType: 'image/gif' },
  '.tif': { dataType: 'IMAGE', itemType: 'image', mimeType: 'image/tiff' },
  '.tiff': { dataType: 'IMAGE', itemType: 'image', mimeType: 'image/tiff' },
  '.mp4': { dataType: 'VIDEO', itemType: 'video', mimeType: 'video/mp4' },
  '.m4v': { dataType: 'VIDEO', itemType: 'video', mimeType: 'video/mp4' },
  '.mov': { dataType: 'VIDEO', itemType: 'video', mimeType: 'video/quicktime' },
  '.mkv': { dataType: 'VIDEO', itemType: 'video', mimeType: 'video/x-matroska' },
  '.webm': { dataType: 'VIDEO', itemType: 'video', mimeType: 'video/webm' },
  '.avi': { dataType: 'VIDEO', itemType: 'video', mimeType: 'video/x-msvideo' },
  '.mp3': { dataType: 'AUDIO', itemType: 'audio', mimeType: 'audio/mpeg' },
  '.wav': { dataType: 'AUDIO', itemType: 'audio', mimeType: 'audio/wav' },
  '.flac': { dataType: 'AUDIO', itemType: 'audio', mimeType: 'audio/flac' },
  '.ogg': { dataType: 'AUDIO', itemType: 'audio', mimeType: 'audio/ogg' },
  '.m4a': { dataType: 'AUDIO', itemType: 'audio', mimeType: 'audio/mp4' },
  '.aac': { dataType: 'AUDIO', itemType: 'audio', mimeType: 'audio/aac' },
  '.txt': { dataType: 'PLAIN_TEXT', itemType: 'plainText', mimeType: 'text/plain' },
  '.md': { dataType: 'PLAIN_TEXT', itemType: 'plainText', mimeType: 'text/markdown' },
  '.html': { dataType: 'PLAIN_TEXT', itemType: 'plainText', mimeType: 'text/html' },
  '.json': { dataType: 'PLAIN_TEXT', itemType: 'plainText', mimeType: 'application/json' },
  '.csv': { dataType: 'PLAIN_TEXT', itemType: 'plainText', mimeType: 'text/csv' },
  '.pdf': { dataType: 'PDF', itemType: 'pdf', mimeType: 'application/pdf' },
};

export function mediaKindOf(path: string): MediaKind | null {
  return BY_EXT[extname(path).toLowerCase()] ?? null;
}

/** Encord's lower-case `data_type` in label-row JSON (§7.4). */
export function labelRowDataType(t: DataType): string {
  return t === 'IMG_GROUP' ? 'img_group' : t.toLowerCase();
}

/** Suffix for an asset copy, from its MIME type (Python download_asset's table, simplified). */
export function suffixForMime(mime: string | null): string {
  for (const [ext, k] of Object.entries(BY_EXT)) if (k.mimeType === mime) return ext;
  return '';
}
