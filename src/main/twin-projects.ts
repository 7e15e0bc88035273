/**
 * Twin projects on the main thread. Before any task runs, every twin project the stages read
 * (deps.twinLabelRow) must be readable, so a wrong hash or a missing permission stops the run with
 * one coded error instead of failing every task; deprecated dependencies get one warning. During
 * the run, the commit buffer writes the agents' twin saves and proceeds through these handles.
 */
import { TaskAgentError } from '../shared/errors.js';
import type { Platform, PlatformCallCounts, PlatformDescriptor } from '../platform/platform.js';
import type { RetryBudget } from '../platform/encord/retry-budget.js';
import type { ResolvedStage } from './stage-pass.js';

/** One stderr line per stage that uses a deprecated dependency. */
export function warnDeprecatedDeps(stages: ResolvedStage[]): void {
  for (const s of stages) {
    for (const label of s.manifest.deprecatedDeps) {
      process.stderr.write(
        `warning TA_DEP_DEPRECATED: stage "${s.stage.title}" uses ${label}, which is deprecated (as encord-agents' dep_data_lookup); use deps.storageItem(), deps.labelRowMetadata() or deps.client()\n`,
      );
    }
  }
}

/** The main thread's handles on twin projects: opened by the check before the run, used by the commit buffer, closed after the run. */
export class TwinPlatforms {
  readonly #open = new Map<string, Platform>();
  /** Loaded by check() when a stage reads twins: runs without twins never load the platform clients. */
  #opener: ((ref: string) => Platform) | undefined;

  constructor(
    private readonly base: PlatformDescriptor,
    private readonly budget?: RetryBudget,
  ) {}

  /** Bound, so it can be handed to the commit buffer as a function. */
  readonly platform = (ref: string): Platform => {
    let p = this.#open.get(ref);
    if (!p) {
      if (!this.#opener) throw new TaskAgentError('TA_INTERNAL', `twin project ${ref} was not checked before the run`);
      p = this.#opener(ref);
      this.#open.set(ref, p);
    }
    return p;
  };

  /**
   * Opens every twin project the stages read and reads it once; the handles stay open for the
   * run's twin writes.
   * @throws TaskAgentError TA_TWIN_PROJECT_UNAVAILABLE
   */
  async check(stages: ResolvedStage[]): Promise<void> {
    const firstUse = new Map<string, string>();
    for (const s of stages) for (const t of s.manifest.twins) if (!firstUse.has(t.twinProject)) firstUse.set(t.twinProject, s.stage.title);
    if (firstUse.size === 0) return;
    const { platformOpener, otherProject } = await import('../platform/open-descriptor.js');
    const open = await platformOpener(this.base.kind, this.budget);
    this.#opener = (ref) => open(otherProject(this.base, ref));
    for (const [ref, stage] of firstUse) {
      try {
        await this.platform(ref).getProject();
      } catch (e) {
        throw new TaskAgentError(
          'TA_TWIN_PROJECT_UNAVAILABLE',
          `stage "${stage}": twin project ${ref} cannot be read: ${e instanceof Error ? e.message : String(e)}`,
          {
            hint: 'check the project hash (locally: the directory) and that your key has access to it',
            cause: e,
          },
        );
      }
    }
  }

  /** Operation counts on twin projects, as `twin.<operation>`. */
  callCounts(): PlatformCallCounts {
    const out: PlatformCallCounts = {};
    for (const p of this.#open.values()) {
      for (const [op, n] of Object.entries(p.callCounts())) out[`twin.${op}`] = (out[`twin.${op}`] ?? 0) + n;
    }
    return out;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#open.values()].map((p) => p.close()));
    this.#open.clear();
  }
}
