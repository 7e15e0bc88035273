/** deps.twinLabelRow(): the task's twin in another project, fetched for the whole chunk at once (see twin-deps.ts). */
import { twinLabelRow } from '../../deps/builtins.js';
import type { TwinSpec } from '../../shared/protocol.js';
import type { Provider } from './provider.js';

export const twinLabelRowProvider: Provider = {
  declaration: twinLabelRow,
  prefetch: [],
  // The main thread checks every twin project before the run starts.
  contribute(dep, stage) {
    stage.twins.push(dep.options as TwinSpec);
  },
  async resolve({ dep, ctx, init, chunk, runtime, scope }) {
    const twins = chunk.once('twins', () =>
      import('../twin-deps.js').then(
        (m) =>
          new m.ChunkTwins(
            runtime,
            init,
            chunk.tasks.map((p) => p.task.dataHash),
          ),
      ),
    );
    return (await twins).twin(dep.options as TwinSpec, ctx.task.dataHash, scope.twinWrites);
  },
};
