/**
 * Domain records shared by the platforms, the runner and the workers. They mirror Encord's wire
 * shapes (see the protocol reference) in camelCase, so a platform maps one-to-one onto them.
 */
import type { RunOptions } from './run-options.js';

export type StageType =
  'AGENT' | 'ANNOTATION' | 'REVIEW' | 'USER_ROUTER' | 'PERCENTAGE_ROUTER' | 'CONSENSUS_ANNOTATION' | 'CONSENSUS_REVIEW' | 'DONE';

export interface Pathway {
  uuid: string;
  /** Pathway title (the Python SDK calls it `name`). */
  title: string;
  destinationUuid: string;
}

export interface WorkflowStage {
  stageType: StageType;
  uuid: string;
  title: string;
  /** Present on AGENT stages. */
  pathways?: Pathway[];
}

export interface Workflow {
  stages: WorkflowStage[];
}

/** Ontology structure in Encord's `editor` shape (§4.3); kept as JSON, typed loosely here. */
export interface OntologyStructure {
  objects: Array<Record<string, unknown> & { featureNodeHash: string; name: string; shape: string }>;
  classifications: Array<Record<string, unknown> & { featureNodeHash: string; attributes: Array<Record<string, unknown>> }>;
  skeleton_templates?: unknown[];
}

export interface ProjectInfo {
  projectHash: string;
  title: string;
  description: string;
  ontologyHash: string;
  ontology: OntologyStructure;
  workflow: Workflow;
}

export type TaskStatus = 'NEW' | 'ASSIGNED' | 'RELEASED' | 'SKIPPED' | 'REOPENED' | 'COMPLETED';

/** An agent-stage task as the platform lists it (Encord `AgentTask`). */
export interface TaskRecord {
  uuid: string;
  createdAt: string;
  updatedAt: string;
  status: TaskStatus;
  dataHash: string;
  dataTitle: string;
  labelBranchName: string;
  assignee: string | null;
  lastActionedBy: string | null;
}

/** Encord's upper-case data types as used in label-row metadata. */
export type DataType =
  'VIDEO' | 'IMG_GROUP' | 'IMAGE' | 'AUDIO' | 'PLAIN_TEXT' | 'PDF' | 'DICOM' | 'DICOM_STUDY' | 'NIFTI' | 'GROUP' | 'SCENE';

/** Label-row metadata (`list_label_rows_v2`), camelCased. */
export interface LabelRowMetadata {
  labelHash: string | null;
  branchName: string;
  dataHash: string;
  dataTitle: string;
  dataType: DataType;
  datasetHash: string;
  datasetTitle: string;
  dataLink: string | null;
  labelStatus: string;
  workflowGraphNode?: { uuid: string; title: string } | null;
  numberOfFrames: number;
  framesPerSecond?: number | null;
  duration?: number | null;
  width?: number | null;
  height?: number | null;
  taskUuid?: string | null;
  priority?: number | null;
  clientMetadata?: Record<string, unknown> | null;
  fileType?: string | null;
  backingItemUuid: string | null;
  createdAt?: string | null;
  lastEditedAt?: string | null;
  imagesData?: Array<{ index: number; title: string; fileType: string; height: number; width: number; imageHash: string }> | null;
}

export type StorageItemType =
  | 'video'
  | 'image'
  | 'group'
  | 'imageGroup'
  | 'imageSequence'
  | 'dicomFile'
  | 'dicomSeries'
  | 'audio'
  | 'nifti'
  | 'plainText'
  | 'pdf'
  | 'scene';

/** Encord StorageItem DTO (§8.1). `url` is a project-relative media path on the local platform. */
export interface StorageItem {
  uuid: string;
  parent: string;
  itemType: StorageItemType;
  name: string;
  description: string;
  clientMetadata: string;
  createdAt: string;
  lastEditedAt: string;
  backedDataUnitsCount: number;
  storageLocation: string;
  url: string | null;
  signedUrl: string | null;
  fileSize: number | null;
  mimeType: string | null;
  duration: number | null;
  fps: number | null;
  height: number | null;
  width: number | null;
  frameCount: number | null;
  /** Local platform extras: video codec name and the import warning, if any. */
  codec?: string | null;
}

/** `list_label_rows_v2` include arguments (Python `LabelRowMetadataIncludeArgs`). */
export interface LabelRowIncludeArgs {
  includeWorkflowGraphNode?: boolean;
  includeClientMetadata?: boolean;
  includeImagesData?: boolean;
  includeAllLabelBranches?: boolean;
  branchName?: string | null;
  includeChildren?: boolean;
}

/** `initialise_labels` arguments (Python `LabelRowInitialiseLabelsArgs`). */
export interface LabelRowInitArgs {
  includeObjectFeatureHashes?: string[] | null;
  includeClassificationFeatureHashes?: string[] | null;
  includeReviews?: boolean;
  overwrite?: boolean;
  includeSignedUrl?: boolean;
}

/** Encord label-row JSON (§7.4), snake_case as on the wire. */
export type LabelRowJson = Record<string, unknown> & {
  label_hash: string | null;
  data_hash: string;
  data_type: string;
  data_units: Record<string, Record<string, unknown>>;
  object_answers: Record<string, unknown>;
  classification_answers: Record<string, unknown>;
  object_actions: Record<string, unknown>;
};

/** Media properties read at import (FFmpeg probe). */
/**
 * Explicit Encord credentials for a run (`new Runner({ credentials })`, `execute()`, `serve`),
 * used instead of ENCORD_SSH_KEY / ENCORD_SSH_KEY_FILE by the run, its workers, deps.client() and
 * twin projects. Give a key or a key file; a domain alone overrides ENCORD_DOMAIN. Declared (and
 * validated) by the run options' schema.
 */
export type EncordCredentialsOption = NonNullable<RunOptions['credentials']>;

export interface ProbedMedia {
  width: number | null;
  height: number | null;
  fps: number | null;
  frameCount: number | null;
  duration: number | null;
  codec: string | null;
}
