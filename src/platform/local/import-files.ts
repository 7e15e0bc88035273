/**
 * `project import`: copy files into DIR/media and register each as a data unit with a task in
 * the first stage. Folders are walked (or become one image group / image sequence with `--as`).
 * A file that cannot be probed is still imported, with a warning recorded and returned: never
 * silently skipped, and it never stops the others.
 */
import { copyFileSync, mkdirSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { TaskAgentError } from '../../shared/errors.js';
import type { LocalProject, NewDataUnit, NewStorageItem } from './local-project.js';
import { relativeMediaPath } from './local-project.js';
import { mediaKindOf } from './media-types.js';
import type { ProbedMedia } from '../../shared/types.js';

export type ImportAs = 'files' | 'image-group' | 'image-sequence';

/** Reads media properties; throws for unreadable/corrupt files (the import records a warning). */
export type MediaProber = (path: string, kind: 'image' | 'video' | 'audio') => Promise<ProbedMedia>;

/** Encodes an image sequence's images into one video at `dest` (as Encord stores sequences). */
export type SequenceEncoder = (
  images: string[],
  dest: string,
  opts: { width: number; height: number; fps: number },
) => { codec: string; width: number; height: number };

export interface ImportResult {
  imported: Array<{ title: string; dataHash: string; dataType: string }>;
  warnings: Array<{ path: string; warning: string }>;
}

/**
 * The files under `dir`. A symbolic link to a regular file counts as that file (inside the folder
 * or not: its content is copied in); any other link is skipped with a warning: broken, to a folder
 * (not followed, so no loops), or to something that is not a regular file.
 */
function walk(dir: string, warnings: ImportResult['warnings']): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }))) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p, warnings));
    else if (e.isFile()) out.push(p);
    else if (e.isSymbolicLink()) {
      const skipped = skippedLink(p);
      if (skipped) warnings.push({ path: p, warning: skipped });
      else out.push(p);
    }
  }
  return out;
}

/** Why a symbolic link is not imported, or null when it points to a regular file. */
function skippedLink(p: string): string | null {
  let st;
  try {
    st = statSync(p);
  } catch {
    return 'broken symbolic link (its target does not exist), not imported';
  }
  if (st.isFile()) return null;
  if (st.isDirectory()) return 'symbolic link to a folder, not followed (pass the folder itself to import it)';
  return 'symbolic link to something that is not a regular file, not imported';
}

/** The media kind of a file by its name, or (a link named without the extension) by its target's. */
function kindOf(src: string): ReturnType<typeof mediaKindOf> {
  const kind = mediaKindOf(src);
  if (kind) return kind;
  try {
    return mediaKindOf(realpathSync(src));
  } catch {
    return null;
  }
}

export async function importPaths(
  project: LocalProject,
  paths: string[],
  options: { as?: ImportAs; probe: MediaProber; encodeSequence?: SequenceEncoder },
): Promise<ImportResult> {
  const as = options.as ?? 'files';
  const result: ImportResult = { imported: [], warnings: [] };
  const units: NewDataUnit[] = [];
  const batchDir = randomUUID().slice(0, 8);

  const copyIn = (src: string): { rel: string; size: number } => {
    const destDir = join(project.mediaDir, batchDir);
    mkdirSync(destDir, { recursive: true });
    let dest = join(destDir, basename(src));
    for (let i = 1; statIsFile(dest); i++) dest = join(destDir, `${basename(src, extname(src))}-${i}${extname(src)}`);
    copyFileSync(src, dest);
    return { rel: relativeMediaPath(project.mediaDir, dest), size: statSync(dest).size };
  };

  const describe = async (src: string): Promise<{ item: NewStorageItem; dataType: NewDataUnit['dataType'] } | null> => {
    const kind = kindOf(src);
    if (!kind) {
      result.warnings.push({ path: src, warning: `unsupported file type "${extname(src) || '(none)'}", not imported` });
      return null;
    }
    const { rel, size } = copyIn(src);
    const item: NewStorageItem = { itemType: kind.itemType, name: basename(src), relPath: rel, mimeType: kind.mimeType, fileSize: size };
    if (kind.dataType === 'IMAGE' || kind.dataType === 'VIDEO' || kind.dataType === 'AUDIO') {
      try {
        Object.assign(item, await options.probe(src, kind.dataType === 'IMAGE' ? 'image' : kind.dataType === 'VIDEO' ? 'video' : 'audio'));
        if (kind.dataType === 'IMAGE') item.frameCount = 1;
      } catch (e) {
        const warning = `could not read media: ${e instanceof Error ? e.message : String(e)}`;
        item.importWarning = warning;
        result.warnings.push({ path: src, warning });
      }
    }
    return { item, dataType: kind.dataType };
  };

  for (const p of paths.map((x) => resolve(x))) {
    let st;
    try {
      st = statSync(p);
    } catch {
      result.warnings.push({ path: p, warning: 'no such file or folder, not imported' });
      continue;
    }
    if (st.isDirectory() && as !== 'files') {
      const images = walk(p, result.warnings).filter((f) => kindOf(f)?.dataType === 'IMAGE');
      if (images.length === 0) {
        result.warnings.push({ path: p, warning: `no images found for --as ${as}` });
        continue;
      }
      const children: NewStorageItem[] = [];
      for (const f of images) {
        const d = await describe(f);
        if (d) children.push(d.item);
      }
      const first = children[0];
      const isGroup = as === 'image-group';
      const item: NewStorageItem = {
        itemType: isGroup ? 'imageGroup' : 'imageSequence',
        name: basename(p),
        relPath: null,
        mimeType: isGroup ? null : 'video/mp4',
        width: first.width ?? null,
        height: first.height ?? null,
        frameCount: children.length,
        fps: isGroup ? null : 1,
        duration: isGroup ? null : children.length,
      };
      // A sequence is also one video, as Encord stores it (its file is what a signed URL and
      // deps.asset() give); the frames stay as children, decoded exactly by deps.videoFrames().
      if (!isGroup && options.encodeSequence && first.width && first.height) {
        const dest = join(project.mediaDir, batchDir, `${basename(p)}.mp4`);
        try {
          const v = options.encodeSequence(
            images.filter((_, i) => children[i]?.width),
            dest,
            { width: first.width, height: first.height, fps: 1 },
          );
          Object.assign(item, { relPath: relativeMediaPath(project.mediaDir, dest), codec: v.codec, fileSize: statSync(dest).size });
        } catch (e) {
          const warning = `could not encode the sequence's video: ${e instanceof Error ? e.message : String(e)}`;
          item.importWarning = warning;
          result.warnings.push({ path: p, warning });
        }
      }
      units.push({ title: basename(p), dataType: isGroup ? 'IMG_GROUP' : 'VIDEO', item, children });
      continue;
    }
    for (const f of st.isDirectory() ? walk(p, result.warnings) : [p]) {
      const d = await describe(f);
      if (d) units.push({ title: basename(f), dataType: d.dataType, item: d.item });
    }
  }
  if (units.length === 0 && result.warnings.length === 0) {
    throw new TaskAgentError('TA_CFG_INVALID', 'nothing to import', { hint: 'pass files or folders' });
  }
  const hashes = project.addDataUnits(units);
  units.forEach((u, i) => result.imported.push({ title: u.title, dataHash: hashes[i], dataType: u.dataType }));
  return result;
}

function statIsFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
