/**
 * Label rows for agents: the `LabelRow` API, ontology lookup, bitmask RLE, ontology → JSON
 * schema for LLMs, and crop/box helpers. Pure code: safe in main and worker threads.
 */
export { LabelRow, selectFrames } from './label-row.js';
export type {
  AddClassificationInput,
  AddObjectInput,
  ClassificationFrame,
  ClassificationInstance,
  FrameSelector,
  LabelQuery,
  ObjectFrame,
  ObjectInstance,
  SetAnswerOptions,
} from './label-row.js';
export { Ontology } from './ontology.js';
export type {
  AttributeLocation,
  AttributeOwner,
  AttributeType,
  ObjectShape,
  OntologyAttribute,
  OntologyClassification,
  OntologyObject,
  OntologyOption,
  SkeletonTemplate,
  SkeletonTemplatePoint,
} from './ontology.js';
export type { AnswerInput, AnswerValue, AttributeAnswer, DynamicAnswer } from './answers.js';
export type {
  BitmaskCoordinates,
  BitmaskInput,
  BoundingBox,
  GeometryInput,
  ObjectCoordinates,
  Point2D,
  RotatableBoundingBox,
  SkeletonPoint,
  SkeletonVisibility,
} from './geometry.js';
export type { FrameRange } from './ranges.js';
export { encodeRle, decodeRle } from './rle.js';
export { newLabelHash } from './hash.js';
export { OntologyDataModel } from './ontology-schema.js';
export type { ClassificationDraft, ObjectDraft, OntologyDataModelResult } from './ontology-schema.js';
export {
  coordinatesToBoundingBox,
  cropToBoundingBox,
  cropToObject,
  maskToBoundingBox,
  polygonToBoundingBox,
  rotatableBoxToBoundingBox,
  rotatableBoxToPolygon,
} from './vision.js';
export type { RgbFrame } from './vision.js';
