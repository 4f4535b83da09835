// How many threads a training run gets: what was asked for, capped at what
// a step can use (MAX_TRAINING_THREADS), and one when the environment
// cannot share memory between threads (a browser page served without
// COOP/COEP), the backend is the js twin, the threads build is not loaded
// (a browser that was not given its URL) or nothing here starts threads
// (no worker_threads, no Worker): then with a one-line warning, never a hang.

import { wasmBuild, type BackendChoice } from '../core/index.ts';
import { buildReady, sharedMemoryAvailable, type WasmVariant } from '../core/wasm.ts';
import { MAX_TRAINING_THREADS, TrainingThreads, type SpawnLane } from './pool.ts';
import type { Adam } from '../train/adam.ts';
import type { Jpvae } from '../model/jpvae.ts';
import { spawnNodeLane } from './spawn-node.ts';
import { spawnWebLane } from './spawn-web.ts';

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

/** The threads variant of the build a wasm backend picks. */
export const threadsVariant = (backend: BackendChoice): WasmVariant => `${wasmBuild(backend)}-threads`;

export function planThreads(backend: BackendChoice, requested: number): ThreadPlan {
  if (!(requested > 1)) return { threads: 1 };
  const one = (why: string): ThreadPlan => ({
    threads: 1,
    warning: `${requested} threads asked for, training on one: ${why}`,
  });
  if (!backend.startsWith('wasm')) return one(`the ${backend} backend has no threads`);
  const node = typeof process !== 'undefined' && !!process.getBuiltinModule;
  if (!sharedMemoryAvailable())
    return one(
      node || typeof crossOriginIsolated === 'undefined' || crossOriginIsolated
        ? 'shared memory (SharedArrayBuffer) is unavailable here'
        : 'the page is not cross-origin isolated (serve it with COOP/COEP headers), so it has no SharedArrayBuffer',
    );
  const variant = threadsVariant(backend);
  if (!buildReady(variant))
    return one(`the ${variant} wasm build is not loaded (initWasm({ '${variant}': url }, ['${variant}']))`);
  const spawn = node ? spawnNodeLane : typeof Worker !== 'undefined' ? spawnWebLane : undefined;
  if (!spawn) return one('nothing here starts a thread (no worker_threads, no Worker)');
  return { threads: Math.min(requested, MAX_TRAINING_THREADS), spawn };
}

/**
 * Run the forward passes of `model` (built on a threads build when
 * plan.threads > 1) on the plan's threads while `work` runs, as
 * evaluation does: every batch of rows splits its views' halves over them
 * (the numbers are the same bits as on one thread).
 */
export async function withThreads<T>(model: Jpvae, plan: ThreadPlan, work: () => T): Promise<T> {
  const pool = plan.spawn ? await TrainingThreads.start(model, null, plan.spawn, plan.threads) : undefined;
  try {
    return work();
  } finally {
    await pool?.close();
  }
}

/**
 * A training run's threads (the two-view and the M-view run alike): the
 * plan, and the pool, started by the first epoch and ended by the last,
 * by close(), or by a failure (a failed thread leaves the pool unusable;
 * the model runs on this thread alone again).
 */
export class RunThreads {
  private pool?: TrainingThreads;

  constructor(private readonly plan: ThreadPlan) {}

  /** Threads the steps run on (see planThreads), and why fewer than asked for, when so. */
  get threads(): number {
    return this.plan.threads;
  }
  get warning(): string | undefined {
    return this.plan.warning;
  }

  /** `epoch` on the pool of `model` and `adam` (started if need be); `done` says whether it was the last. */
  async run<T>(model: Jpvae, adam: Adam, epoch: () => Promise<T>, done: () => boolean): Promise<T> {
    if (this.plan.spawn && !this.pool)
      this.pool = await TrainingThreads.start(model, adam, this.plan.spawn, this.plan.threads);
    try {
      return await epoch();
    } catch (e) {
      await this.close();
      throw e;
    } finally {
      if (done()) await this.close();
    }
  }

  /** End the threads; later epochs run on this thread. */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    this.plan.spawn = undefined;
    await pool?.close();
  }
}
