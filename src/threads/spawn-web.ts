// Starting a lane thread in a browser: a module Web Worker running
// web-worker.js, sent the lane's init (the shared memory, the compiled
// module and the control block travel by postMessage, which a
// cross-origin isolated page allows). The worker is created with the
// literal `new Worker(new URL('./web-worker.js', import.meta.url), { type:
// 'module' })` that Vite, webpack 5 and Rollup follow to bundle it (its
// options static, as Vite requires), or from where initThreads says: a
// bundler that does not follow the pattern (esbuild) passes its URL.

import type { LaneInit } from './lane.ts';
import type { LaneThread } from './pool.ts';

let workerUrl: URL | string | undefined;

/** Where the training threads' Web Worker script is (the bundle of jpvae's threads/web-worker.js); browsers only. */
export function initThreads(o: { workerUrl: URL | string }): void {
  workerUrl = o.workerUrl;
}

export function spawnWebLane(init: LaneInit): LaneThread {
  const worker = workerUrl
    ? new Worker(workerUrl, { type: 'module', name: 'jpvae-training-thread' })
    : new Worker(new URL('./web-worker.js', import.meta.url), { type: 'module', name: 'jpvae-training-thread' });
  const ready = new Promise<void>((resolve, reject) => {
    worker.addEventListener('message', () => resolve(), { once: true });
    // A script that fails to load or throws at the top: the owner has not started waiting yet (it awaits `ready`).
    worker.addEventListener('error', (e) =>
      reject(
        new Error(
          e.message ||
            `cannot start ${workerUrl ?? "web-worker.js beside jpvae's threads module"} (a bundle that does not keep it there passes ` +
              'its URL to initThreads({ workerUrl }); threads: 1 trains without threads)',
        ),
      ),
    );
  });
  ready.catch(() => {}); // awaited by the pool; a later failure is reported through the control block
  worker.postMessage(init);
  return { ready, terminate: async () => worker.terminate() };
}
