// The imputer's worker script: worker-api.ts exposed through comlink, on
// the port imputer.ts handed over in Node (a worker_threads Worker), on the
// worker's own scope in a browser (a module Web Worker). worker_threads is
// reached through process.getBuiltinModule, never imported, so no bundle
// for a browser sees it.

import { expose, transfer } from 'comlink';
import { api } from './worker-api.ts';

const threads = globalThis.process?.getBuiltinModule?.('node:worker_threads');
const exposed = {
  ...api,
  // The result is new: handed back as a transfer, not copied.
  impute: async (...a: Parameters<typeof api.impute>) => {
    const y = await api.impute(...a);
    return transfer(y, [y.buffer]);
  },
};
if (threads && !threads.isMainThread) expose(exposed, threads.workerData.port);
else expose(exposed);
