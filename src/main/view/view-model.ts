/**
 * What `project view` shows, read from a local project opened read-only: stage counts, pages of
 * data units, and one unit's labels per frame as plain JSON for the page (main thread).
 */
import { isTaskAgentError, serializeError } from '../../shared/errors.js';
import { LabelRow, rotatableBoxToPolygon } from '../../shared/label-row/index.js';
import { stringToRuns } from '../../shared/label-row/rle.js';
import type { ObjectCoordinates } from '../../shared/label-row/index.js';
import type { LabelRowMetadata, StorageItem } from '../../shared/types.js';
import type { LocalProject } from '../../platform/local/local-project.js';

export interface StageView {
  uuid: string;
  title: string;
  stageType: string;
  count: number;
}

export interface UnitSummary {
  dataHash: string;
  title: string;
  dataType: string;
  stage: { uuid: string; title: string } | null;
  frames: number;
  width: number | null;
  height: number | null;
  objects: number;
  classifications: number;
}

export interface ObjectView {
  objectHash: string;
  name: string;
  color: string;
  shape: string;
  /** Bitmasks carry their decoded run lengths (zeros first) as `runs`; rotated boxes their normalised `corners`. */
  frames: Array<{
    frame: number;
    confidence: number;
    manual: boolean;
    coordinates: ObjectCoordinates;
    runs?: number[];
    corners?: Array<{ x: number; y: number }>;
  }>;
}

export interface ClassificationView {
  classificationHash: string;
  name: string;
  answer: string | number | string[] | null;
  frames: number[];
  confidence: number;
}

export interface UnitView extends UnitSummary {
  fps: number | null;
  labelStatus: string;
  objectsList: ObjectView[];
  classificationsList: ClassificationView[];
  /** Set when the label row could not be read (it is shown without labels). */
  labelError: { code: string; message: string } | null;
}

/** Where frame `n` of a unit comes from: an image file served as it is, or a video frame to extract. */
export type FrameSource = { kind: 'file'; path: string; mimeType: string | null } | { kind: 'video'; path: string; frame: number };

export function projectView(p: LocalProject): { title: string; projectHash: string; dataUnits: number; stages: StageView[] } {
  const counts = p.countsByStage();
  const stages = p.info.workflow.stages.map((s) => ({
    uuid: s.uuid,
    title: s.title,
    stageType: s.stageType,
    count: counts.get(s.uuid) ?? 0,
  }));
  return { title: p.info.title, projectHash: p.info.projectHash, dataUnits: stages.reduce((a, s) => a + s.count, 0), stages };
}

/** The unit's label row; a stored row that is not valid JSON or not a valid label row is reported, not thrown. */
function readLabelRow(p: LocalProject, dataHash: string): { row: LabelRow | null; error: UnitView['labelError'] } {
  try {
    const json = p.peekLabelRow(dataHash);
    return { row: json ? new LabelRow(json, p.info.ontology) : null, error: null };
  } catch (e) {
    if (e instanceof SyntaxError)
      return { row: null, error: { code: 'TA_LABEL_ROW_INVALID', message: `the stored label row is not JSON: ${e.message}` } };
    if (!isTaskAgentError(e)) throw e;
    const s = serializeError(e);
    return { row: null, error: { code: s.code, message: s.message } };
  }
}

function summary(meta: LabelRowMetadata, row: LabelRow | null): UnitSummary {
  return {
    dataHash: meta.dataHash,
    title: meta.dataTitle,
    dataType: meta.dataType,
    stage: meta.workflowGraphNode ?? null,
    frames: meta.numberOfFrames,
    width: meta.width ?? null,
    height: meta.height ?? null,
    objects: row?.objects().length ?? 0,
    classifications: row?.classifications().length ?? 0,
  };
}

/** A page of data units in task order, optionally of one stage. */
export function unitsView(
  p: LocalProject,
  { stage, offset, limit }: { stage?: string; offset: number; limit: number },
): { total: number; offset: number; units: UnitSummary[] } {
  const tasks = p.allTasks(stage);
  const page = tasks.slice(offset, offset + limit).map((t) => t.dataHash);
  const units = p.listLabelRowMetadata(page).map((m) => summary(m, readLabelRow(p, m.dataHash).row));
  return { total: tasks.length, offset, units };
}

/** Corners of a rotated box, normalised (the rotation happens in pixels, so it needs the media size). */
function rotatedCorners(box: Parameters<typeof rotatableBoxToPolygon>[0], width: number, height: number): Array<{ x: number; y: number }> {
  return rotatableBoxToPolygon(box, width, height).map((p) => ({ x: p.x / width, y: p.y / height }));
}

/** One unit with every label, or null when the project has no such data unit. */
export function unitView(p: LocalProject, dataHash: string): UnitView | null {
  const [meta] = p.listLabelRowMetadata([dataHash]);
  if (!meta) return null;
  const { row, error } = readLabelRow(p, dataHash);
  const objectsList: ObjectView[] = (row?.objects() ?? []).map((o) => ({
    objectHash: o.objectHash,
    name: o.name,
    color: o.color,
    shape: o.shape,
    frames: o.frames.map((f) => ({
      frame: f.frame,
      confidence: f.confidence,
      manual: f.manualAnnotation,
      coordinates: f.coordinates,
      ...(f.coordinates.shape === 'bitmask' && { runs: stringToRuns(f.coordinates.bitmask.rleString) }),
      ...(f.coordinates.shape === 'rotatable_bounding_box' && {
        corners: rotatedCorners(f.coordinates.rotatableBoundingBox, meta.width ?? 1, meta.height ?? 1),
      }),
    })),
  }));
  const classificationsList: ClassificationView[] = (row?.classifications() ?? []).map((c) => ({
    classificationHash: c.classificationHash,
    name: c.name,
    answer: c.answer ?? null,
    frames: c.frames,
    confidence: c.frameInfo[0]?.confidence ?? 1,
  }));
  return {
    ...summary(meta, row),
    fps: meta.framesPerSecond ?? null,
    labelStatus: meta.labelStatus,
    objectsList,
    classificationsList,
    labelError: error,
  };
}

/**
 * The media behind frame `n`: the image itself (n = 0), the n-th image of a group or sequence, or
 * frame n of a video. Paths are confined to the project's media folder (TA_MEDIA_OUTSIDE_PROJECT).
 * Null when the unit or frame does not exist.
 */
export function frameSource(p: LocalProject, dataHash: string, n: number): FrameSource | null {
  const [meta] = p.listLabelRowMetadata([dataHash]);
  if (!meta?.backingItemUuid || !Number.isInteger(n) || n < 0 || n >= Math.max(1, meta.numberOfFrames)) return null;
  const [item] = p.getStorageItems([meta.backingItemUuid]);
  if (!item) return null;
  const children = p.getChildItems(item.uuid);
  const file = (it: StorageItem): FrameSource | null =>
    it.url ? { kind: 'file', path: p.mediaPath(it.url), mimeType: it.mimeType } : null;
  if (children.length > 0) return children[n] ? file(children[n]) : null;
  if (item.itemType === 'image') return n === 0 ? file(item) : null;
  if (item.itemType === 'video' && item.url) return { kind: 'video', path: p.mediaPath(item.url), frame: n };
  return null;
}
