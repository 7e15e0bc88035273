/** deps.client(): the run's platform through this worker's own handles (worker-scoped: one per thread). */
import { client } from '../../deps/builtins.js';
import type { Provider } from './provider.js';

export const clientProvider: Provider = {
  declaration: client,
  prefetch: [],
  // The client's code (and with it the HTTP stack) loads on first use, not at worker start.
  resolve: async ({ init, runtime }) => (await import('../client-deps.js')).createClient(await runtime.platforms(), init.platform),
};
