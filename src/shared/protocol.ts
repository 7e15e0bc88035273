/**
 * Messages between the main thread and the worker threads (piscina). Plain data only: functions
 * never cross, errors cross as SerializedError records. Tasks travel in chunks so one message
 * carries many tasks (piscina moves ~22k messages/s but ~700k tasks/s at 100 per message).
 */
import type { SerializedError } from './errors.js';
import type {
  LabelRowIncludeArgs,
  LabelRowInitArgs,
  LabelRowJson,
  LabelRowMetadata,
  ProjectInfo,
  StorageItem,
  TaskRecord,
} from './types.js';
import type { PlatformDescriptor } from './platform-descriptor.js';
import type { WorkerSettings } from './run-options.js';

export const PROTOCOL_VERSION = 1;

/** One project a pool's workers run tasks of. */
export interface WorkerProject {
  project: ProjectInfo;
  platform: PlatformDescriptor;
}

/** What every worker is started with (piscina `workerData`): its agent module and where it reports. */
export interface WorkerStart {
  protocol: number;
  agentModuleUrl: string;
  /**
   * Int32Array over a SharedArrayBuffer (RUN_STATE_BYTES): [0] is the run's state, RUN_GOING,
   * RUN_STOPPING or RUN_ABORTED; [1] `--max-failures` (0: none); [2] the tasks the workers failed.
   */
  runState: SharedArrayBuffer;
  /** BroadcastChannel name for WorkerEvents (per-task progress, captured output); none: no events. */
  events?: string;
  /**
   * Where agents' stdout/stderr go: as they are (`inherit`), or prefixed with the task's title to
   * stderr (`stderr`: stdout carries JSON) or above the progress lines (`events`). Captured output
   * travels as log events when there is an events channel (the main thread prints it).
   */
  output?: 'inherit' | 'stderr' | 'events';
  /** The run's media temp folder (see shared/media-temp.ts); removed by the main thread when the run closes. */
  mediaTemp?: string;
}

/** The preflight worker: it loads the agent module and reports its manifest (or why it cannot load), before any project is open. It runs no task. */
export interface PreflightInit extends WorkerStart {
  role: 'preflight';
}

/** A worker of a run's pool (or of a queue worker's): it runs the tasks of the run's projects with the run's worker settings. */
export interface WorkerInit extends WorkerStart, WorkerSettings {
  role: 'run';
  /** The first project (the only one but in a run over several projects). */
  project: ProjectInfo;
  platform: PlatformDescriptor;
  /** Every project of the run, in `--project` order; chunks name theirs by index. */
  projects: WorkerProject[];
  decoderThreads: number;
}

export type WorkerData = PreflightInit | WorkerInit;

/** The size of WorkerStart.runState. */
export const RUN_STATE_BYTES = 12;
/** The run goes on. */
export const RUN_GOING = 0;
/** A first Ctrl-C / SIGTERM: attempts in progress finish, tasks not started yet are not started. */
export const RUN_STOPPING = 1;
/** A second one: the signals of the attempts in progress fire, no attempt starts. */
export const RUN_ABORTED = 2;

/** Worker → main, on the run's BroadcastChannel (see worker/worker-events.ts). */
export type WorkerEvent =
  { type: 'progress'; stageUuid: string; done: number; failed: number; frames: number } | { type: 'log'; text: string };

/** What one registered stage needs, as reported by the worker's manifest. */
export interface StageManifest {
  /** The title or UUID the agent registered (resolved against the project by the main thread). */
  ref: string;
  needsLabelRow: boolean;
  needsMetadata: boolean;
  needsStorageItem: boolean;
  /** Child items of image groups and sequences (media dependencies read frames from them). */
  needsChildren: boolean;
  willSetPriority: boolean;
  labelRowInclude: LabelRowIncludeArgs;
  labelRowInit: LabelRowInitArgs;
  /** Twin projects the stage's deps.twinLabelRow() declarations read (checked before the run). */
  twins: TwinSpec[];
  /** Deprecated built-ins the stage uses (a warning at start). */
  deprecatedDeps: string[];
  /** The stage's failure pathway (StageOptions.onFailure), as plain data. */
  onFailure?: FailurePathway;
}

/**
 * Where a task whose attempts are exhausted goes, and where its error is written: a text
 * classification of the ontology on its label row, or a key of its storage item's client metadata.
 */
export interface FailurePathway {
  pathway: string;
  record?: { classification: string } | { clientMetadata: string };
}

/** Twin-project writes of one task attempt, in the order the agent made them (per kind). */
export interface TwinWrites {
  saves: Array<{ twinProject: string; dataHash: string; labelHash: string | null; labelRow: LabelRowJson }>;
  proceeds: Array<{ twinProject: string; stageUuid: string; taskUuid: string; pathwayUuid: string; dataHash?: string }>;
}

/** A deps.twinLabelRow() declaration, as plain data. */
export interface TwinSpec {
  twinProject: string;
  initLabels: boolean;
  includeTask: boolean;
}

export interface AgentManifest {
  protocol: number;
  stages: StageManifest[];
  hasPreExecution: boolean;
  /** The plain-data options given to `new Runner({...})` (project, threads, …): defaults under the CLI flags. */
  runnerOptions: Record<string, unknown>;
}

export interface TaskPayload {
  task: TaskRecord;
  metadata?: LabelRowMetadata;
  labelRow?: LabelRowJson;
  storageItem?: StorageItem;
  /** Child items of image groups and image sequences, in frame order. */
  children?: StorageItem[];
}

export interface RunChunkRequest {
  /** Index of the project in WorkerInit.projects (default 0). */
  projectIndex?: number;
  /** Index of the stage in the manifest. */
  stageIndex: number;
  stageUuid: string;
  tasks: TaskPayload[];
  /** A task re-run alone after its chunk was lost (see RunChunkMessage.isolated). */
  isolated?: boolean;
}

export type TaskOutcome =
  | {
      ok: true;
      taskUuid: string;
      dataHash: string;
      attempts: number;
      /** Resolved pathway, or null when the agent left the task in its stage. */
      pathway: { uuid: string; title: string } | null;
      labelRow?: LabelRowJson;
      priority?: number;
      /** Writes to twin projects the agent asked for (twin.save() / twin.proceed()), committed with the task. */
      twinWrites?: TwinWrites;
      /** Warnings of the last attempt (e.g. a clip that ends before the frames its container declares). */
      warnings?: SerializedError[];
    }
  | {
      ok: false;
      taskUuid: string;
      dataHash: string;
      attempts: number;
      error: SerializedError;
      warnings?: SerializedError[];
      /** The run stopped before this task started: it was not attempted (it stays in its stage). */
      notStarted?: true;
    };

/** A warning about a task that may not be in the chunk that reports it (an error thrown after its agent returned). */
export interface TaskWarning {
  taskUuid: string;
  dataTitle: string;
  stageUuid: string;
  warning: SerializedError;
}

export interface RunChunkResponse {
  outcomes: TaskOutcome[];
  late?: TaskWarning[];
  /** Video and image frames the chunk's agents received (decoded). */
  framesDecoded?: number;
  /** How long the worker spent on the chunk (a queue worker's pool measures it too; absent when not measured). */
  busyMs?: number;
}

/** Tasks as they cross to the worker: flat TaskRecord fields (packed and unpacked in chunk-wire.ts). */
export interface PackedTasks {
  /** The chunk-wire.ts TASK_FIELDS values of each task, task after task. */
  records: unknown[];
  /** The rest of each payload (metadata, label row, storage item, …), or 0 when it is the task alone. */
  extras: Array<Omit<TaskPayload, 'task'> | 0>;
}

/** Outcomes as they cross back: plain decisions as two numbers each (see chunk-wire.ts). */
export interface PackedOutcomes {
  /** Per outcome: attempts, then the index of its pathway in the stage (STAYED, or FULL: the next of `full`). */
  codes: number[];
  /** The outcomes that are not plain decisions, in order. */
  full: TaskOutcome[];
}

/** A RunChunkRequest as it crosses to the worker (tasks packed, see chunk-wire.ts). */
export interface RunChunkMessage {
  projectIndex?: number;
  stageIndex: number;
  stageUuid: string;
  packed: PackedTasks;
  /** The chunk's shared state (see chunk-state.ts) and the main thread's Date.now() when it sent the chunk. */
  state: SharedArrayBuffer;
  epoch: number;
  /**
   * One task re-run alone after its chunk was lost: the worker tags the attempt's callbacks, so an
   * error thrown later by a timer it left running is put on the right task.
   */
  isolated?: boolean;
}

/** A RunChunkResponse as it crosses back (outcomes packed against the chunk's tasks and the stage's pathways). */
export interface RunChunkReply {
  packed: PackedOutcomes;
  late?: TaskWarning[];
  framesDecoded?: number;
  /** Milliseconds the worker spent on the chunk, from its arrival to its reply (sizes later chunks, see chunk-sizing.ts). */
  busyMs?: number;
}
