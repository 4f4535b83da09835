// Starting a lane thread in Node: a worker_thread running node-worker.js.
// worker_threads is reached through process.getBuiltinModule, never
// imported, so bundles for a browser never see it. The thread is unref'd:
// a pool left open cannot keep the process alive.

import type { LaneInit } from './lane.ts';
import type { LaneThread } from './pool.ts';

/** The worker's entry: the compiled file; from the TypeScript sources (tests, benches under tsx) a script that loads tsx first, which workers do not inherit. */
function entry(): [string | URL, boolean] {
  if (!import.meta.url.endsWith('.ts')) return [new URL('./node-worker.js', import.meta.url), false];
  const tsx = import.meta.resolve('tsx/esm/api'),
    file = new URL('./node-worker.ts', import.meta.url).href;
  return [
    `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(file)}); });`,
    true,
  ];
}

export function spawnNodeLane(init: LaneInit): LaneThread {
  const { Worker } = process.getBuiltinModule('node:worker_threads');
  const [file, evalCode] = entry();
  const worker = new Worker(file, { workerData: init, eval: evalCode });
  worker.unref();
  const ready = new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.on('error', reject); // later errors too: the control block has already told the owner
    worker.once('exit', (code) => reject(new Error(`the thread exited with code ${code}`)));
  });
  ready.catch(() => {}); // awaited by the pool; a later failure is reported through the control block
  return {
    ready,
    terminate: async () => {
      await worker.terminate();
    },
  };
}
