/**
 * Dependency declarations (both threads). A dependency is plain data plus, for user-defined ones,
 * a `create` function; the worker resolves them per task or once per worker thread. Built-in
 * dependencies carry only their name and options: their implementation lives in the worker.
 * Objects are branded with a global symbol, so a copy of this library that the user's agent
 * module imports separately is still recognised.
 */
import type { TaskRecord, ProjectInfo, WorkflowStage } from '../shared/types.js';

export const DEP_BRAND = Symbol.for('task-agents.dep');

export type DepScope = 'task' | 'worker';

/** The built-in dependencies; each has a declaration (./builtins.ts) and a provider (src/worker/deps/). */
export type BuiltinDepName =
  | 'labelRow'
  | 'labelRowMetadata'
  | 'storageItem'
  | 'client'
  | 'asset'
  | 'singleFrame'
  | 'videoFrames'
  | 'videoSampler'
  | 'twinLabelRow'
  | 'dataLookup';

/** The context every dependency and agent receives: the task, its project and stage. */
export interface TaskContext {
  task: TaskRecord;
  project: ProjectInfo;
  stage: WorkflowStage & { pathways: NonNullable<WorkflowStage['pathways']> };
  /** Aborted when the task times out or the run is interrupted twice; check it in long loops. */
  signal: AbortSignal;
}

/** A declared dependency producing a value of type `T`. */
export interface Dep<T> {
  readonly [DEP_BRAND]: true;
  readonly scope: DepScope;
  readonly builtin?: BuiltinDepName;
  readonly options?: unknown;
  readonly needs: Readonly<Record<string, Dep<unknown> | string>>;
  // any: each dep's input type differs; the resolver builds it from `needs`, checked by defineDep's types.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly create?: (input: any) => T | Promise<T>;
  readonly dispose?: (value: T) => void | Promise<void>;
  /** Shown in error messages. */
  readonly label: string;
  /** Phantom field carrying `T` for inference. */
  readonly __type?: T;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any: a record of deps of different value types
export type AnyDep = Dep<any>;

type NeedValue<N> = N extends Dep<infer T> ? T : unknown;
export type NeedsValues<N extends Record<string, AnyDep | string>> = { [K in keyof N]: NeedValue<N[K]> };

export interface DefineDepOptions<T, N extends Record<string, AnyDep | string>> {
  /** Other dependencies this one is built from: dependency objects, or names of deps declared on the stage. */
  needs?: N;
  /** `task` (default): created for every task attempt and disposed after it. `worker`: once per worker thread. */
  scope?: DepScope;
  /** Builds the value. Receives the task context (task scope only) and the values of `needs`. */
  create: (input: NeedsValues<N> & Partial<TaskContext>) => T | Promise<T>;
  /** Tear-down, run after the task (even when the agent threw) or when the worker stops. */
  dispose?: (value: T) => void | Promise<void>;
  /** A name for error messages. */
  name?: string;
}

/**
 * Declare a dependency for agents.
 *
 * @example
 * const model = defineDep({ scope: 'worker', create: () => loadModel(), dispose: (m) => m.close() });
 * const scorer = defineDep({ needs: { model, labelRow: deps.labelRow() }, create: ({ model, labelRow }) => new Scorer(model, labelRow) });
 */
// {} is "no needs": an empty key set, as in Runner.stage.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export function defineDep<T, const N extends Record<string, AnyDep | string> = {}>(options: DefineDepOptions<T, N>): Dep<T> {
  const needs = options.needs ?? ({} as N);
  return Object.freeze({
    [DEP_BRAND]: true as const,
    scope: options.scope ?? 'task',
    needs,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see Dep.create
    create: options.create as (input: any) => T | Promise<T>,
    ...(options.dispose && { dispose: options.dispose }),
    label: options.name ?? 'custom dependency',
  });
}

/** Internal: a built-in dependency record. */
export function builtinDep<T>(builtin: BuiltinDepName, options?: unknown, scope: DepScope = 'task'): Dep<T> {
  return Object.freeze({
    [DEP_BRAND]: true as const,
    scope,
    builtin,
    options,
    needs: {},
    label: `deps.${builtin}()`,
  });
}

export function isDep(v: unknown): v is AnyDep {
  return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[DEP_BRAND] === true;
}
