// Starting a lane thread in Node: a worker_thread running node-worker.js,
// under a supervisor thread (node-supervisor.js) that does nothing but
// watch it. While a step runs, the training thread blocks in Atomics.wait,
// so its own event loop cannot hear a worker's 'exit'; the supervisor's
// loop is free, so when the lane ends in a way its own handlers never see
// (terminated, a hard exit, a crash past its JavaScript) the supervisor
// marks it failed in the control block, which wakes the training thread:
// no hang and no timeout.
//
// worker_threads is reached through process.getBuiltinModule, never
// imported, so bundles for a browser never see it. Once started, the
// supervisor is unref'd: a pool left open cannot keep the process alive.

import type { LaneInit } from './lane.ts';
import type { LaneThread } from './pool.ts';

/** How to start a worker_thread on a module: its compiled file, or (from the TypeScript sources, under tsx) code that loads tsx first, which workers do not inherit. */
export interface WorkerEntry {
  code: string;
  evaluated: boolean;
}

/** The entry of module `name` in the directory of module `base` (default: this one). */
export function workerEntry(name: string, base: string = import.meta.url): WorkerEntry {
  return moduleEntry(new URL(`./${name}.${base.endsWith('.ts') ? 'ts' : 'js'}`, base).href);
}

/** The entry of the module at `url`: itself, or for TypeScript code that registers tsx first. */
export function moduleEntry(url: string): WorkerEntry {
  if (!url.endsWith('.ts')) return { code: url, evaluated: false };
  // Resolved through createRequire, not import.meta.resolve, which bundlers try to resolve at build time;
  // require gets tsx's CommonJS build of the API, whose ES build is its .mjs twin beside it.
  const { createRequire } = process.getBuiltinModule('node:module'),
    { pathToFileURL } = process.getBuiltinModule('node:url');
  const tsx = pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  return {
    code: `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url)}); });`,
    evaluated: true,
  };
}

/** A worker_thread running `entry`. */
export function nodeWorker(entry: WorkerEntry, options: import('node:worker_threads').WorkerOptions) {
  const { Worker } = process.getBuiltinModule('node:worker_threads');
  return new Worker(entry.evaluated ? entry.code : new URL(entry.code), { ...options, eval: entry.evaluated });
}

/** What the supervisor gets: the lane's init, and the module the lane runs (node-worker's unless a test gives another). */
export interface SupervisorData {
  init: LaneInit;
  lane: WorkerEntry;
}

/** Messages from the supervisor: the lane joined, or it failed to start. */
export type SupervisorMessage = 'ready' | { error: string };

export function spawnNodeLane(init: LaneInit, lane: WorkerEntry = workerEntry('node-worker')): LaneThread {
  const worker = nodeWorker(workerEntry('node-supervisor'), { workerData: { init, lane } satisfies SupervisorData });
  let exited = false;
  const gone = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (m: SupervisorMessage) => (m === 'ready' ? resolve() : reject(new Error(m.error))));
    worker.on('error', reject);
    void gone.then(() => reject(new Error('the thread exited before it joined')));
  });
  ready.catch(() => {}); // awaited by the pool; a later failure is reported through the control block
  void ready.finally(() => worker.unref()).catch(() => {}); // ref'd while it starts: the pool awaits it
  return {
    ready,
    terminate: async () => {
      if (exited) return;
      worker.ref(); // awaited: its exit must come before the process may end
      worker.postMessage('terminate'); // the supervisor ends the lane, then itself
      await gone;
    },
  };
}
