/** deps.dataLookup() (deprecated, as in encord-agents): lookups by data hash on this worker's platform handle. */
import { dataLookup } from '../../deps/builtins.js';
import type { Provider } from './provider.js';

export const dataLookupProvider: Provider = {
  declaration: dataLookup,
  prefetch: [],
  // One TA_DEP_DEPRECATED warning at start (main/twin-projects.ts reads the list).
  contribute(dep, stage) {
    if (!stage.deprecatedDeps.includes(dep.label)) stage.deprecatedDeps.push(dep.label);
  },
  resolve: async ({ init, runtime }) => (await import('../client-deps.js')).createDataLookup(await runtime.platforms(), init.platform),
};
