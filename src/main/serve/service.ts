/**
 * `task-agents serve`: the run as a long-lived service. One run session (warm worker pool, one
 * preflight and preExecution per project) drains the registered stages of every project at start,
 * then whenever a verified task-ready webhook names a stage (POST /webhook), and every
 * `pollSeconds` in case a notification was lost. Drains run one at a time; notifications for a
 * stage that is waiting coalesce, and those for the stage being drained queue one more drain.
 * GET /healthz and GET /metrics (Prometheus text) are served on the same port. `stop()` (SIGTERM)
 * takes no new work, lets the drain in progress finish its tasks in flight and commit them, and
 * closes everything. A long life keeps no history: each drain has its own report, metrics are
 * counters over bounded label sets.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatError, serializeError } from '../../shared/errors.js';
import { verifyWebhook, WEBHOOK_TOLERANCE_SECONDS } from '../../platform/encord/webhook-signature.js';
import { BodyTooLarge, readBody, sendJson } from '../../platform/emulator/http-io.js';
import { RunSession, registeredStage, type ExecuteInput } from '../run-session.js';
import type { ProjectRun } from '../project-run.js';
import type { ResolvedStage } from '../stage-pass.js';
import { formatStageCounts } from '../run-report.js';
import { DrainScheduler, type DrainRequest, type DrainTrigger } from './drain-scheduler.js';
import { Metrics, RateWindow } from './metrics.js';
import { readNotification } from './notification.js';

export interface ServeSettings {
  host: string;
  port: number;
  /** The webhook signing secret (`whsec_…` or plain text). */
  secret: string;
  /** Seconds between fallback polls of every stage. */
  pollSeconds: number;
  /** Where a line per drain (and per refused webhook) goes; nothing with --quiet. */
  log: (line: string) => void;
}

interface StageKey {
  run: ProjectRun;
  stage: ResolvedStage;
}

const MAX_WEBHOOK_BYTES = 1024 * 1024;

/** The families /metrics exposes. */
function serveMetrics(m: Metrics) {
  return {
    tasks: m.counter('task_agents_tasks_total', 'Tasks finished, by project, stage and outcome (moved, stayed, skipped, failed).'),
    failures: m.counter('task_agents_task_failures_total', 'Failed tasks, by project, stage and error code.'),
    tasksPerSecond: m.gauge('task_agents_tasks_per_second', 'Tasks finished per second over the last minute.'),
    rate: new RateWindow(60),
    drains: m.counter('task_agents_drains_total', 'Stage drains, by project, stage and trigger (start, webhook, poll).'),
    drainSeconds: m.counter('task_agents_drain_seconds_total', 'Seconds spent draining, by project and stage.'),
    drainErrors: m.counter(
      'task_agents_drain_errors_total',
      'Drains ended early by a platform error, by project and stage (the next notification or poll tries again).',
    ),
    queueLag: m.gauge(
      'task_agents_queue_lag_seconds',
      "How long the oldest task a stage's last drain listed had waited in the stage, by project and stage.",
    ),
    notificationLag: m.gauge(
      'task_agents_notification_lag_seconds',
      'Seconds from the last webhook notification for a stage to the start of its drain.',
    ),
    webhooks: m.counter(
      'task_agents_webhooks_total',
      'Webhook notifications, by result (queued, coalesced, duplicate, ignored, rejected, invalid).',
    ),
    apiCalls: m.counter('task_agents_api_calls_total', 'Platform operations (requests for Encord), by project and operation.'),
    frames: m.counter('task_agents_decoded_frames_total', 'Video and image frames decoded for the agents, by project.'),
    framesPerSecond: m.gauge('task_agents_decoded_frames_per_second', 'Frames decoded per second over the last minute.'),
    frameRate: new RateWindow(60),
    draining: m.gauge('task_agents_draining', '1 while a drain runs.'),
    pending: m.gauge('task_agents_pending_drains', 'Drains waiting for the one in progress.'),
    rss: m.gauge('process_resident_memory_bytes', 'Resident memory of the serve process (main and worker threads).'),
    heap: m.gauge('nodejs_heap_used_bytes', 'JavaScript heap in use on the main thread.'),
    uptime: m.gauge('task_agents_uptime_seconds', 'Seconds since serve started.'),
  };
}

export class TaskService {
  readonly url: string;
  readonly #session: RunSession;
  readonly #server: Server;
  readonly #settings: ServeSettings;
  readonly #scheduler: DrainScheduler<StageKey>;
  readonly #metrics = new Metrics();
  readonly #started = Date.now();
  /** Webhook ids seen within the replay window, oldest first: a redelivered notification is answered but not acted on twice. */
  readonly #seen = new Map<string, number>();
  #poll: NodeJS.Timeout | undefined;
  #stopping = false;
  readonly #m: ReturnType<typeof serveMetrics>;

  private constructor(session: RunSession, server: Server, settings: ServeSettings) {
    this.#session = session;
    this.#server = server;
    this.#settings = settings;
    const { port } = server.address() as AddressInfo;
    const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
    this.url = `http://${host}:${port}`;
    this.#scheduler = new DrainScheduler<StageKey>(
      (k) => `${k.run.index}:${k.stage.stage.uuid}`,
      (r) => this.#drain(r),
    );
    this.#m = serveMetrics(this.#metrics);
    session.onTask = (e) => {
      const labels = { project: e.projectHash, stage: e.stage };
      this.#m.tasks.inc({ ...labels, outcome: e.outcome });
      if (e.outcome === 'failed') this.#m.failures.inc({ ...labels, code: e.error.code });
      this.#m.rate.add(1);
    };
  }

  /**
   * Opens the run (preflight: nothing of any project is touched if it fails) and starts listening;
   * no drain has started yet (see begin()).
   */
  static async start(input: ExecuteInput, settings: ServeSettings): Promise<TaskService> {
    const { refreshEvery: _poll, ...run } = input;
    const session = await RunSession.open({ ...run, quiet: true, json: true });
    let service: TaskService | undefined;
    const server = createServer((req, res) => {
      if (!service) return sendJson(res, 503, { status: 'starting' });
      service.#handle(req, res).catch((e: unknown) => {
        settings.log(`serve: internal error: ${e instanceof Error ? e.message : String(e)}`);
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        else res.destroy();
      });
    });
    server.keepAliveTimeout = 5000;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(settings.port, settings.host, () => resolve());
      });
    } catch (e) {
      await session.close();
      throw e;
    }
    service = new TaskService(session, server, settings);
    return service;
  }

  /** Every registered stage of every project, then the fallback poll. */
  begin(): void {
    this.#requestAll('start');
    this.#poll = setInterval(() => this.#requestAll('poll'), this.#settings.pollSeconds * 1000);
    this.#poll.unref();
  }

  #stages(): StageKey[] {
    return this.#session.projects.flatMap((run) => run.selected.map((stage) => ({ run, stage })));
  }

  #requestAll(trigger: DrainTrigger): void {
    for (const k of this.#stages()) this.#scheduler.request(k, trigger);
  }

  /** One drain, with a fresh report; failures are logged and counted, never thrown (the loop goes on). */
  async #drain({ key: { run, stage }, trigger, requestedAt }: DrainRequest<StageKey>): Promise<void> {
    const labels = { project: run.project.projectHash, stage: stage.stage.title };
    const start = Date.now();
    if (trigger === 'webhook') this.#m.notificationLag.set(labels, (start - requestedAt) / 1000);
    const report = run.freshReport();
    const frames = run.framesDecoded;
    let oldest = Infinity;
    let error: string | undefined;
    try {
      await this.#session.drain(run, stage, {
        onListed: (tasks) => {
          for (const t of tasks) oldest = Math.min(oldest, Date.parse(t.updatedAt) || Infinity);
        },
      });
    } catch (e) {
      error = formatError(serializeError(e, 'TA_PLATFORM_REQUEST_FAILED'));
      this.#m.drainErrors.inc(labels);
    }
    const ms = Date.now() - start;
    this.#m.queueLag.set(labels, Number.isFinite(oldest) ? Math.max(0, (start - oldest) / 1000) : 0);
    this.#m.drains.inc({ ...labels, trigger });
    this.#m.drainSeconds.inc(labels, ms / 1000);
    const decoded = run.framesDecoded - frames;
    if (decoded > 0) {
      this.#m.frames.inc({ project: labels.project }, decoded);
      this.#m.frameRate.add(decoded);
    }
    const counts = report.stages.get(stage.stage.uuid);
    const what = `drain "${stage.stage.title}" of "${run.project.title}" (${trigger})`;
    if (error) this.#settings.log(`${what} failed after ${ms} ms: ${error}`);
    else if (counts) this.#settings.log(`${what}: ${formatStageCounts(counts)} in ${ms} ms`);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://serve').pathname;
    const method = req.method ?? 'GET';
    if (path === '/webhook' && method === 'POST') return this.#webhook(req, res);
    if (path === '/healthz' && (method === 'GET' || method === 'HEAD')) {
      return sendJson(res, this.#stopping ? 503 : 200, {
        status: this.#stopping ? 'stopping' : 'ok',
        draining: this.#scheduler.current ?? null,
        pending: this.#scheduler.pending,
        projects: this.#session.projects.length,
        uptimeSeconds: Math.round((Date.now() - this.#started) / 1000),
      });
    }
    if (path === '/metrics' && method === 'GET') {
      const text = this.#renderMetrics();
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
      return void res.end(text);
    }
    req.resume();
    sendJson(res, 404, { error: 'no such endpoint (POST /webhook, GET /healthz, GET /metrics)' });
  }

  async #webhook(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: Buffer;
    try {
      body = await readBody(req, MAX_WEBHOOK_BYTES);
    } catch (e) {
      if (e instanceof BodyTooLarge) return sendJson(res, 413, { error: `a notification is at most ${MAX_WEBHOOK_BYTES} bytes` });
      throw e;
    }
    if (this.#stopping) return sendJson(res, 503, { status: 'stopping' });
    const verdict = verifyWebhook(this.#settings.secret, req.headers, body);
    if (!verdict.ok) {
      this.#m.webhooks.inc({ result: 'rejected' });
      this.#settings.log(`webhook refused: ${verdict.reason}`);
      return sendJson(res, 401, { error: `invalid webhook signature: ${verdict.reason}` });
    }
    if (this.#seen.has(verdict.id)) {
      this.#m.webhooks.inc({ result: 'duplicate' });
      return sendJson(res, 200, { status: 'duplicate' });
    }
    this.#remember(verdict.id);
    const note = readNotification(body);
    if (!note) {
      this.#m.webhooks.inc({ result: 'invalid' });
      return sendJson(res, 400, { error: 'the notification is not a JSON object' });
    }
    const targets = this.#stages().filter(
      ({ run, stage }) =>
        (!note.projectHash || run.project.projectHash.toLowerCase() === note.projectHash.toLowerCase()) &&
        (!note.stage || registeredStage([stage], run.project, note.stage) !== undefined),
    );
    if (targets.length === 0) {
      this.#m.webhooks.inc({ result: 'ignored' });
      return sendJson(res, 202, { status: 'ignored', reason: 'no registered stage of a served project matches the notification' });
    }
    const results = targets.map((k) => this.#scheduler.request(k, 'webhook'));
    const status = results.includes('queued') ? 'queued' : 'coalesced';
    this.#m.webhooks.inc({ result: status });
    sendJson(res, 202, { status, stages: targets.length });
  }

  /** Remembers a webhook id for twice the signature tolerance (older ones could not verify anyway). */
  #remember(id: string): void {
    const now = Date.now();
    for (const [seen, at] of this.#seen) {
      if (now - at < 2 * WEBHOOK_TOLERANCE_SECONDS * 1000 && this.#seen.size < 100_000) break;
      this.#seen.delete(seen);
    }
    this.#seen.set(id, now);
  }

  #renderMetrics(): string {
    const m = this.#m;
    m.tasksPerSecond.set({}, m.rate.perSecond());
    m.framesPerSecond.set({}, m.frameRate.perSecond());
    m.draining.set({}, this.#scheduler.current ? 1 : 0);
    m.pending.set({}, this.#scheduler.pending);
    const mem = process.memoryUsage();
    m.rss.set({}, mem.rss);
    m.heap.set({}, mem.heapUsed);
    m.uptime.set({}, Math.round((Date.now() - this.#started) / 1000));
    for (const run of this.#session.projects) {
      const calls = { ...run.platform.callCounts(), ...run.twins.callCounts() };
      for (const [operation, n] of Object.entries(calls)) m.apiCalls.set({ project: run.project.projectHash, operation }, n);
    }
    return this.#metrics.render();
  }

  /** A second signal: agents in flight see their `signal` aborted; workers that do not come back are recycled. */
  abort(): void {
    this.#session.abort();
  }

  /**
   * Takes no new work (webhooks answer 503, health says stopping), lets the drain in progress finish
   * the tasks in flight and commit them, then closes the pool, the platforms and the server.
   */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    clearInterval(this.#poll);
    this.#session.control.stopping = true;
    await this.#scheduler.stop();
    try {
      await this.#session.finish();
    } finally {
      await this.#session.close();
      await new Promise<void>((resolve) => {
        this.#server.close(() => resolve());
        this.#server.closeAllConnections();
      });
    }
  }

  /** Resolves once every drain asked for so far is done (tests, and a caller that wants a quiet moment). */
  idle(): Promise<void> {
    return this.#scheduler.idle();
  }
}
