/**
 * The label row a data unit starts with (what Encord's `labelrow` PUT returns for an
 * uninitialised row): Encord label-row JSON (§7.4) with empty labels, one data unit per image
 * (image groups: one per child), timestamps in Encord's label format.
 */
import { randomUUID } from 'node:crypto';
import type { DataType, LabelRowJson, StorageItem } from '../../shared/types.js';
import { labelRowDataType } from './media-types.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Tue, 17 Jan 2023 11:43:52 UTC`, the timestamp format inside label rows. */
export function labelTimestamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]}, ${p(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC`;
}

export interface DataUnitInfo {
  dataHash: string;
  title: string;
  dataType: DataType;
  datasetHash: string;
  datasetTitle: string;
  item: StorageItem;
  children: StorageItem[];
}

function frameLabels(dataType: DataType): Record<string, unknown> {
  return dataType === 'IMAGE' || dataType === 'IMG_GROUP' || dataType === 'GROUP' ? { objects: [], classifications: [] } : {};
}

export function emptyLabelRow(du: DataUnitInfo, branchName = 'main'): LabelRowJson {
  const now = labelTimestamp();
  const units: Record<string, Record<string, unknown>> = {};
  if (du.dataType === 'IMG_GROUP') {
    du.children.forEach((c, i) => {
      units[c.uuid] = {
        data_hash: c.uuid,
        data_title: c.name,
        data_type: c.mimeType,
        data_sequence: String(i),
        data_link: c.url,
        width: c.width,
        height: c.height,
        labels: { objects: [], classifications: [] },
      };
    });
  } else {
    const it = du.item;
    const unit: Record<string, unknown> = {
      data_hash: du.dataHash,
      data_title: du.title,
      data_type: it.mimeType,
      data_sequence: 0,
      data_link: it.url,
      width: it.width ?? 0,
      height: it.height ?? 0,
      labels: frameLabels(du.dataType),
    };
    if (du.dataType === 'VIDEO') {
      unit.data_fps = it.fps ?? 0;
      unit.data_duration = it.duration ?? 0;
    }
    units[du.dataHash] = unit;
  }
  return {
    label_hash: randomUUID(),
    branch_name: branchName,
    created_at: now,
    last_edited_at: now,
    data_hash: du.dataHash,
    dataset_hash: du.datasetHash,
    dataset_title: du.datasetTitle,
    data_title: du.title,
    data_type: labelRowDataType(du.dataType),
    annotation_task_status: 'QUEUED',
    is_shadow_data: false,
    label_status: 'NOT_LABELLED',
    data_units: units,
    object_answers: {},
    classification_answers: {},
    object_actions: {},
    spaces: {},
  };
}
