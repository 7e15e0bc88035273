/**
 * What a task-ready notification names. Encord's notification "contains no task data" (its docs):
 * it says that an Agent stage of a project has tasks waiting. The emulator sends
 * `{uid, version, source, event_type: "agent_stage_tasks_ready", event_created_timestamp,
 * payload: {project_hash, stage_uuid, stage_title, queued_tasks, oldest_queued_at}}`; the project and
 * stage are also read at the top level and in camelCase. A notification that names neither asks
 * for every registered stage.
 */
export interface Notification {
  projectHash?: string;
  /** A stage UUID (or title). */
  stage?: string;
}

const str = (o: Record<string, unknown> | undefined, ...keys: string[]): string | undefined => {
  for (const k of keys) {
    const v = o?.[k];
    if (typeof v === 'string' && v.length > 0) return v;
  }
  return undefined;
};

/** The notification in a webhook body, or null when the body is not a JSON object. */
export function readNotification(body: Buffer): Notification | null {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const top = value as Record<string, unknown>;
  const inner = typeof top['payload'] === 'object' && top['payload'] !== null ? (top['payload'] as Record<string, unknown>) : undefined;
  const projectHash = str(inner, 'project_hash', 'projectHash') ?? str(top, 'project_hash', 'projectHash');
  const stage = str(inner, 'stage_uuid', 'stageUuid', 'stage_title') ?? str(top, 'stage_uuid', 'stageUuid', 'stage_title');
  return { ...(projectHash && { projectHash }), ...(stage && { stage }) };
}
