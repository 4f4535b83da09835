// How many threads a training run gets: what was asked for, capped at what
// a step can use (MAX_TRAINING_THREADS), and one when the environment
// cannot share memory between threads (a browser page served without
// COOP/COEP), the backend is the js twin, or there is no thread bootstrap
// here yet: then with a one-line warning, never a hang.

import type { BackendChoice } from '../core/index.ts';
import { sharedMemoryAvailable } from '../core/wasm.ts';
import { MAX_TRAINING_THREADS, type SpawnLane } from './pool.ts';
import { spawnNodeLane } from './spawn-node.ts';

export interface ThreadPlan {
  threads: number;
  spawn?: SpawnLane;
  warning?: string;
}

/** The cores this process may use (os.availableParallelism in Node, navigator.hardwareConcurrency in a browser). */
export function availableThreads(): number {
  const os = typeof process !== 'undefined' ? process.getBuiltinModule?.('node:os') : undefined;
  if (os) return os.availableParallelism();
  return typeof navigator !== 'undefined' ? navigator.hardwareConcurrency || 1 : 1;
}

export function planThreads(backend: BackendChoice, requested: number): ThreadPlan {
  if (!(requested > 1)) return { threads: 1 };
  const one = (why: string): ThreadPlan => ({
    threads: 1,
    warning: `${requested} threads asked for, training on one: ${why}`,
  });
  if (!backend.startsWith('wasm')) return one(`the ${backend} backend has no threads`);
  if (!sharedMemoryAvailable()) return one('shared memory (SharedArrayBuffer) is unavailable here');
  if (typeof process === 'undefined' || !process.getBuiltinModule)
    return one('threads are started in Node only, so far');
  return { threads: Math.min(requested, MAX_TRAINING_THREADS), spawn: spawnNodeLane };
}
