/**
 * The emulator's task-ready notifications, as Encord documents them for an Agent stage with a
 * webhook: every check (Encord: five minutes; here `checkMs`), for each AGENT stage of each served
 * project with tasks waiting, a notification is sent if the batch size is met (that many tasks
 * queued) or the maximum wait is (the longest-waiting task entered the stage that long ago). A met
 * threshold notifies again at every check until the queue is processed. The notification carries no
 * task data; it is signed as webhook-signature.ts describes. Deliveries are counted (sent, failed by
 * status or error) for `GET /_emulator/stats`; a failed one is simply tried again at the next check.
 */
import { randomUUID } from 'node:crypto';
import type { LocalProject } from '../local/local-project.js';
import { signWebhook } from '../encord/webhook-signature.js';

export interface WebhookOptions {
  url: string;
  secret: string;
  /** Notify when this many tasks wait in a stage (default 10). */
  batchSize?: number;
  /** Notify when the longest-waiting task has waited this long, in ms (default 30 min). */
  maxWaitMs?: number;
  /** How often to check, in ms (default 300 000: Encord's five minutes). */
  checkMs?: number;
}

export interface WebhookStats {
  sent: number;
  failed: number;
  /** Deliveries by HTTP status (or "error"). */
  responses: Record<string, number>;
}

export class WebhookNotifier {
  readonly #stats: WebhookStats = { sent: 0, failed: 0, responses: {} };
  readonly #timer: NodeJS.Timeout;
  #checking: Promise<void> | undefined;
  #closed = false;

  constructor(
    private readonly projects: Map<string, LocalProject>,
    private readonly options: WebhookOptions,
  ) {
    this.#timer = setInterval(() => {
      // A slow endpoint must not pile checks up.
      this.#checking ??= this.check().finally(() => {
        this.#checking = undefined;
      });
    }, options.checkMs ?? 300_000);
  }

  /** One check of every agent stage (sends what the thresholds call for). */
  async check(): Promise<void> {
    const batch = this.options.batchSize ?? 10;
    const maxWait = this.options.maxWaitMs ?? 1_800_000;
    const now = Date.now();
    for (const [projectHash, project] of this.projects) {
      const queues = project.queuesByStage();
      for (const stage of project.info.workflow.stages) {
        if (this.#closed) return;
        const q = stage.stageType === 'AGENT' ? queues.get(stage.uuid) : undefined;
        if (!q || q.count === 0) continue;
        if (q.count < batch && now - Date.parse(q.oldestEnteredAt) < maxWait) continue;
        await this.#send({
          uid: randomUUID(),
          version: 1,
          source: 'Encord',
          event_type: 'agent_stage_tasks_ready',
          event_created_timestamp: new Date(now).toISOString(),
          payload: {
            project_hash: projectHash,
            stage_uuid: stage.uuid,
            stage_title: stage.title,
            queued_tasks: q.count,
            oldest_queued_at: q.oldestEnteredAt,
          },
        });
      }
    }
  }

  async #send(notification: { uid: string } & Record<string, unknown>): Promise<void> {
    const body = JSON.stringify(notification);
    const headers = signWebhook(this.options.secret, `msg_${notification.uid}`, Date.now() / 1000, body);
    try {
      const res = await fetch(this.options.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer().catch(() => undefined);
      this.#count(String(res.status), res.ok);
    } catch {
      this.#count('error', false);
    }
  }

  #count(response: string, ok: boolean): void {
    if (ok) this.#stats.sent++;
    else this.#stats.failed++;
    this.#stats.responses[response] = (this.#stats.responses[response] ?? 0) + 1;
  }

  stats(): WebhookStats {
    return { ...this.#stats, responses: { ...this.#stats.responses } };
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#checking;
  }
}
