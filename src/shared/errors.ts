/**
 * The one error catalog. Every error the runtime raises or reports carries a `TA_<AREA>_<PROBLEM>`
 * code from here, a message that names the input, and a hint that says what to do. Errors cross
 * the worker boundary as plain records (`serializeError`), because structured clone drops `code`.
 * Codes are never renamed or reused; the README's error table is checked against this file.
 */

/** Code → what it means and how to fix it (the README table is generated from / checked against this). */
export const ERROR_CATALOG = {
  TA_CFG_INVALID: {
    when: 'An option or CLI flag has an invalid value, or an option object has a key that is no option.',
    fix: 'Check the value against `--help`; the message lists every invalid field, and the closest option of an unknown key.',
  },
  TA_CFG_PROJECT_NOT_FOUND: {
    when: 'The local project directory does not exist or has no project.db.',
    fix: 'Create it with `task-agents project init DIR`, or pass the right `--project`.',
  },
  TA_CFG_PROJECT_INVALID: {
    when: 'The project database, workflow or ontology is malformed.',
    fix: 'Fix the workflow/ontology JSON (Encord shapes) and re-create the project.',
  },
  TA_CFG_TEMPLATE_UNKNOWN: {
    when: '`task-agents init --template NAME` names no shipped template.',
    fix: 'Use one of the templates listed in the message.',
  },
  TA_CFG_DIR_NOT_EMPTY: { when: '`task-agents init DIR` was given a folder that is not empty.', fix: 'Pass a new or empty folder.' },
  TA_CFG_QUEUE_DEPS_MISSING: {
    when: 'Queue mode (`run --queue`, `worker`) was used without its optional dependencies bullmq and ioredis installed.',
    fix: 'Run `npm install bullmq@^6.7.0 ioredis@^6.0.0` in your project.',
  },
  TA_CFG_INSTALL_FAILED: {
    when: '`npm install` in the folder `task-agents init` created failed.',
    fix: "See npm's output, then run `npm install` there yourself.",
  },
  TA_AGENT_MODULE_NOT_FOUND: { when: 'The agent module path does not exist.', fix: 'Pass the path of a .js, .mjs or .ts file.' },
  TA_AGENT_MODULE_LOAD_FAILED: {
    when: 'Importing the agent module threw (syntax error, missing import, top-level throw).',
    fix: 'Run `node <file>` (TypeScript: `npx tsx <file>`) to see the error outside the runner.',
  },
  TA_AGENT_MODULE_NO_RUNNER: {
    when: 'The agent module has no default export that is a Runner.',
    fix: 'End the module with `export default runner`.',
  },
  TA_AGENT_TS_UNAVAILABLE: {
    when: 'A .ts agent module was given but tsx could not be loaded.',
    fix: 'Install tsx (`npm i tsx`) or compile the agent to .js.',
  },
  TA_AGENT_THREW: {
    when: 'The agent function threw on every attempt.',
    fix: 'See the message and stack; the task stays in its stage and is retried on the next run.',
  },
  TA_AGENT_TIMEOUT: {
    when: 'The agent did not finish within `taskTimeoutMs` (a worker blocked past it, e.g. by a synchronous loop, is recycled).',
    fix: 'Raise `--task-timeout-ms` or make the agent faster; the task stays in its stage.',
  },
  TA_AGENT_LATE_ERROR: {
    when: 'Warning: a callback the agent left running (a timer, an unawaited promise) threw after the agent returned; the decision stands.',
    fix: 'Await or clear the timers and promises the agent starts before it returns.',
  },
  TA_RUN_ABORTED: {
    when: 'The task was in flight when the run was aborted (a second Ctrl-C or SIGTERM); nothing of it was written.',
    fix: 'Run again: the task is still in its stage and is picked up.',
  },
  TA_AGENT_BAD_RETURN: {
    when: 'The agent returned something that is neither a pathway, null, nor `{pathway, labelRow, priority}`.',
    fix: 'Return a pathway name/UUID, null, or a return struct.',
  },
  TA_PATHWAY_UNKNOWN: {
    when: 'The agent returned a pathway name or UUID that the stage does not have.',
    fix: 'Use one of the pathways listed in the message.',
  },
  TA_PRIORITY_INVALID: { when: 'The agent returned a priority outside [0, 1].', fix: 'Return a number between 0 and 1.' },
  TA_STAGE_UNKNOWN: {
    when: 'A stage is registered under a title or UUID the project does not have.',
    fix: 'Use one of the agent stages listed in the message.',
  },
  TA_STAGE_NOT_AGENT: {
    when: 'A stage is registered that exists but is not an AGENT stage.',
    fix: 'Register only AGENT stages (listed in the message).',
  },
  TA_STAGE_DUPLICATE: {
    when: 'The same stage is registered twice (by title or by UUID).',
    fix: 'Remove one registration, or pass `overwrite: true`.',
  },
  TA_STAGE_NONE_REGISTERED: { when: 'The agent module registers no stage.', fix: 'Call `runner.stage(name, options, fn)` at least once.' },
  TA_PRE_EXECUTION_FAILED: {
    when: 'The `preExecution` hook threw; no task was touched.',
    fix: 'Fix the assertion in the hook or the project it checks.',
  },
  TA_DEP_MISSING: {
    when: 'An agent or dependency needs a dependency that is not declared.',
    fix: 'Declare it in the stage `deps`, or fix the `needs` name.',
  },
  TA_DEP_CYCLE: { when: 'Dependencies need each other in a cycle.', fix: 'Break the cycle listed in the message.' },
  TA_DEP_RESERVED_NAME: { when: 'A dependency uses a reserved name (task, project, stage).', fix: 'Rename the dependency.' },
  TA_DEP_DEPRECATED: {
    when: 'Warning: a stage uses a deprecated dependency (deps.dataLookup()).',
    fix: 'Use deps.storageItem(), deps.labelRowMetadata() or deps.client().',
  },
  TA_TWIN_PROJECT_UNAVAILABLE: {
    when: 'A twin project named in deps.twinLabelRow() cannot be read (no such project, or no access); checked before any task runs.',
    fix: 'Check the project hash (locally: the directory) and that your key has access to it.',
  },
  TA_DEP_FAILED: {
    when: 'Creating a dependency threw on every attempt.',
    fix: 'See the cause; the task stays in its stage and is retried on the next run.',
  },
  TA_WORKER_CRASHED: {
    when: 'The worker thread running the task died (native crash, process.exit, out of memory).',
    fix: 'The task is retried on the next run; look for native crashes or `process.exit` in the agent.',
  },
  TA_COMMIT_FAILED: {
    when: 'Writing a decision back to the platform failed after retries.',
    fix: 'The task stays in its stage and is picked up again on the next run.',
  },
  TA_QUEUE_MESSAGE_INVALID: {
    when: 'A runner.handle() message is not a task spec (an Encord AgentTask JSON with `uuid` and `data_hash`).',
    fix: 'Enqueue `task.model_dump_json()` (Python) or the task records of `project tasks --json`; only that message fails.',
  },
  TA_LABEL_ROW_INVALID: { when: 'A label row is not valid Encord label-row JSON.', fix: 'See the path in the message.' },
  TA_LABEL_ROW_MISSING: {
    when: 'The platform returned no label row for a task that needs one.',
    fix: 'Check the data unit still exists in the project.',
  },
  TA_ONTOLOGY_MISMATCH: {
    when: 'A label uses a feature, shape or option the ontology does not have.',
    fix: 'Use the names or feature hashes listed in the message.',
  },
  TA_STORAGE_ITEM_MISSING: {
    when: 'The platform returned no storage item for a task that needs one.',
    fix: 'Check the data unit still exists.',
  },
  TA_MEDIA_MISSING: {
    when: 'The media file of a data unit is missing.',
    fix: 'Restore the file in the project media folder, or re-import it.',
  },
  TA_MEDIA_OUTSIDE_PROJECT: { when: 'A local media path points outside the project media folder.', fix: 'Keep media inside DIR/media.' },
  TA_MEDIA_UNSUPPORTED: {
    when: 'A media dependency was asked of a data type it does not support.',
    fix: 'Use the dependency only in stages whose data has that type (see message).',
  },
  TA_MEDIA_DECODE_FAILED: {
    when: 'The media file is corrupt or not decodable (message names the frame reached).',
    fix: 'Re-encode or replace the file.',
  },
  TA_MEDIA_TRUNCATED: {
    when: 'Warning: a video holds fewer frames than its container declares; its frames ended at the last one present.',
    fix: 'Re-encode or re-upload the file if frames are missing.',
  },
  TA_MEDIA_DOWNLOAD_FAILED: {
    when: 'Downloading the media through its signed URL failed.',
    fix: 'Check connectivity; the task is retried on the next run.',
  },
  TA_MEDIA_DECODER_UNAVAILABLE: {
    when: 'The requested decoder backend cannot be loaded.',
    fix: 'Use `--decoder auto`, or install the backend (see README).',
  },
  TA_MEDIA_SAMPLE_RATE: {
    when: 'videoSampler was called with a rate outside (0, 1].',
    fix: 'Pass a rate in (0, 1] or a list of frame indices.',
  },
  TA_PLATFORM_UNREACHABLE: { when: 'The platform could not be reached.', fix: 'Check the network and `ENCORD_DOMAIN`.' },
  TA_PLATFORM_UNAUTHORIZED: { when: 'The platform rejected the credentials.', fix: 'Check the key is registered with the platform.' },
  TA_PLATFORM_REQUEST_FAILED: {
    when: 'A platform request failed with an error status after retries.',
    fix: 'See the status and message; the tasks it concerned stay in their stage for the next run. Transient faults are retried within `--retry-budget`.',
  },
  TA_PLATFORM_STORAGE_FULL: {
    when: "The local project's database could not be written: the disk (or file system) is full.",
    fix: 'Free space where the project lives (SQLite needs room for its write-ahead log too) and re-run: nothing written was lost, the tasks stay in their stage.',
  },
  TA_PLATFORM_STORAGE_FAILED: {
    when: "The local project's database failed with an I/O error (read-only, locked, unreadable or corrupt file).",
    fix: 'Check the disk, the permissions of the project folder and that no other program holds the database; then re-run.',
  },
  TA_QUEUE_UNREACHABLE: {
    when: 'Queue mode: Redis cannot be reached, or stayed away longer than `--queue-reconnect-ms` during the run (results received before were committed).',
    fix: 'Start or restart redis-server, check `--queue`, and run again: what was not committed is picked up.',
  },
  TA_QUEUE_WORKER_MISMATCH: {
    when: "Queue mode: a `task-agents worker` loads an agent module that registers other stages than the run's; it takes none of the run's chunks.",
    fix: 'Start `task-agents worker` with the same agent module as the run.',
  },
  TA_AUTH_KEY_MISSING: {
    when: 'No ENCORD_SSH_KEY or ENCORD_SSH_KEY_FILE is set.',
    fix: 'Set ENCORD_SSH_KEY_FILE to the path of your ed25519 private key.',
  },
  TA_FAILURE_MEMORY_UNWRITABLE: {
    when: 'Warning: the failures of a run could not be remembered for `--skip-failed-after` (the disk is full, or the state folder or project database is not writable); the run itself goes on.',
    fix: 'Free space or fix the permissions of the project folder (local projects) or of `--state-dir`; failures are remembered again from the next drain.',
  },
  TA_AUTH_BOTH_KEYS: {
    when: 'Warning: both ENCORD_SSH_KEY and ENCORD_SSH_KEY_FILE are set; ENCORD_SSH_KEY is used.',
    fix: 'Unset one of them.',
  },
  TA_AUTH_KEY_IS_PATH: { when: 'ENCORD_SSH_KEY holds a file path instead of key text.', fix: 'Use ENCORD_SSH_KEY_FILE for paths.' },
  TA_AUTH_KEY_INVALID: {
    when: 'The private key is malformed or is not an OpenSSH ed25519 key.',
    fix: 'Generate one with `ssh-keygen -t ed25519`.',
  },
  TA_INTERNAL: { when: 'A bug in task-agents.', fix: 'Please report it with the stack.' },
} as const satisfies Record<string, { when: string; fix: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** An error with a catalog code. Match on `err.code`, never on the class or the message. */
export class TaskAgentError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, extra: { hint?: string; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'TaskAgentError';
    this.code = code;
    this.hint = extra.hint ?? ERROR_CATALOG[code].fix;
    this.details = extra.details;
  }
}

export function isTaskAgentError(e: unknown, code?: ErrorCode): e is TaskAgentError {
  if (typeof e !== 'object' || e === null) return false;
  const c = (e as { code?: unknown }).code;
  return typeof c === 'string' && c.startsWith('TA_') && (code === undefined || c === code);
}

/** The plain-record form that crosses threads and lands in the JSON summary. */
export interface SerializedError {
  code: ErrorCode;
  message: string;
  hint?: string;
  name?: string;
  stack?: string;
  details?: Record<string, unknown>;
}

/** Any throwable → a record with a code. Non-coded errors get `fallback` (user code → TA_AGENT_THREW). */
export function serializeError(e: unknown, fallback: ErrorCode = 'TA_INTERNAL'): SerializedError {
  if (isTaskAgentError(e)) {
    const t = e;
    const causeText = t.cause instanceof Error ? `: ${t.cause.message}` : '';
    return {
      code: t.code,
      message: t.message + (causeText && !t.message.includes(causeText.slice(2)) ? causeText : ''),
      ...(t.hint !== undefined && { hint: t.hint }),
      name: t.name,
      // A wrapped throw (a dependency's create, an import) is best located by the cause's stack.
      ...(((t.cause instanceof Error && t.cause.stack) || t.stack) !== undefined && {
        stack: (t.cause instanceof Error && t.cause.stack) || t.stack,
      }),
      ...(t.details !== undefined && { details: t.details }),
    };
  }
  if (e instanceof Error) {
    return {
      code: fallback,
      message: `${e.name}: ${e.message}`,
      hint: ERROR_CATALOG[fallback].fix,
      name: e.name,
      ...(e.stack !== undefined && { stack: e.stack }),
    };
  }
  return { code: fallback, message: String(e), hint: ERROR_CATALOG[fallback].fix };
}

export function deserializeError(s: SerializedError): TaskAgentError {
  const e = new TaskAgentError(s.code, s.message, {
    ...(s.hint !== undefined && { hint: s.hint }),
    ...(s.details !== undefined && { details: s.details }),
  });
  if (s.stack !== undefined) e.stack = s.stack;
  return e;
}

/** `TA_X: message\n  hint: ...` — the one way errors are printed. */
export function formatError(e: SerializedError | TaskAgentError): string {
  return `${e.code}: ${e.message}${e.hint ? `\n  hint: ${e.hint}` : ''}`;
}
