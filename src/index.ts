/**
 * task-agents public API: register agents per workflow stage on a Runner, declare their
 * dependencies, and run them (CLI `task-agents run` or `runner.execute()`). The Encord client
 * (EncordPlatform, signing, credentials) is `task-agents/encord`: kept out of this entry, which
 * every worker thread loads with the agent module, so workers start without the HTTP stack.
 */
export {
  Runner,
  isRunner,
  type AgentFunction,
  type AgentReturn,
  type StageOptions,
  type RunnerOptions,
  type RunStageOptions,
  type PreExecutionContext,
} from './agent/runner.js';
export type {
  RunOptions,
  RunSummary,
  RunWarning,
  StageSummary,
  ProjectSummary,
  TaskFailure,
  TaskDecision,
  TaskResult,
  TaskEvent,
  UnfinishedCause,
} from './agent/run-types.js';
export type { EncordCredentialsOption } from './shared/types.js';
export { defineDep, isDep, type Dep, type DepScope, type TaskContext, type DefineDepOptions } from './deps/define.js';
export * as deps from './deps/builtins.js';
export type { Frame, FrameSampler, Client, ProjectClient, Twin, TwinOptions, DataLookup } from './deps/builtins.js';
export { TaskAgentError, isTaskAgentError, ERROR_CATALOG, type ErrorCode, type SerializedError } from './shared/errors.js';
export {
  LabelRow,
  Ontology,
  OntologyDataModel,
  encodeRle,
  decodeRle,
  newLabelHash,
  coordinatesToBoundingBox,
  cropToBoundingBox,
  cropToObject,
  maskToBoundingBox,
  polygonToBoundingBox,
  rotatableBoxToBoundingBox,
  rotatableBoxToPolygon,
  type AddClassificationInput,
  type AddObjectInput,
  type AnswerInput,
  type AnswerValue,
  type AttributeAnswer,
  type BitmaskCoordinates,
  type BitmaskInput,
  type BoundingBox,
  type ClassificationDraft,
  type ClassificationInstance,
  type DynamicAnswer,
  type FrameSelector,
  type GeometryInput,
  type LabelQuery,
  type ObjectCoordinates,
  type ObjectDraft,
  type ObjectInstance,
  type OntologyAttribute,
  type OntologyClassification,
  type OntologyObject,
  type OntologyOption,
  type Point2D,
  type RgbFrame,
  type RotatableBoundingBox,
  type SkeletonPoint,
} from './shared/label-row/index.js';
export type {
  ProjectInfo,
  Workflow,
  WorkflowStage,
  Pathway,
  TaskRecord,
  LabelRowMetadata,
  StorageItem,
  LabelRowJson,
  OntologyStructure,
  LabelRowIncludeArgs,
  LabelRowInitArgs,
} from './shared/types.js';
export type {
  Platform,
  PlatformDescriptor,
  PlatformCallCounts,
  TaskPagesOptions,
  ProceedAction,
  ProceedResult,
  LabelSave,
} from './platform/platform.js';
