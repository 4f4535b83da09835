// Training throughput on 1 and 2 threads: the reference step (as in
// train.ts) on the best wasm build, one thread against the threads build
// on two (src/threads/), in interleaved rounds of wall time in one process,
// so that whatever else the machine runs weighs on both alike. Wall time,
// not CPU time: two threads spend more CPU per step by design.

import { createKernels } from '../core/index.ts';
import { TrainingThreads } from '../threads/pool.ts';
import { spawnNodeLane } from '../threads/spawn-node.ts';
import { round } from './rate.ts';
import { BATCH, referenceTraining } from './train.ts';

export interface ThreadsResult {
  /** Best-of-rounds samples/s per thread count. */
  train_samples_per_s_threads: Record<string, number>;
  /** The median over rounds of (2 threads ÷ 1 thread) within each round. */
  train_threads_speedup: number;
}

/** Samples/s of `step` over about `seconds` of wall time. */
export function wallRate(step: () => void, seconds: number): number {
  let steps = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < seconds * 1000) {
    step();
    steps++;
    t = performance.now();
  }
  return (steps * BATCH) / ((t - t0) / 1000);
}

/** The reference training on `threads` threads (one: the best wasm build; two: the threads build and a pool), and how to end it. */
export async function referenceOnThreads(threads: number): Promise<{ step: () => void; close: () => Promise<void> }> {
  if (threads === 1) return { step: referenceTraining(createKernels('wasm')).step, close: async () => {} };
  const run = referenceTraining(createKernels('wasm', { threads: true }));
  const pool = await TrainingThreads.start(run.model, run.adam, spawnNodeLane);
  return { step: run.step, close: () => pool.close() };
}

export async function benchThreads(quick: boolean): Promise<ThreadsResult> {
  const [seconds, rounds] = quick ? [0.5, 3] : [2, 7];
  const one = await referenceOnThreads(1),
    two = await referenceOnThreads(2);
  try {
    one.step();
    two.step(); // warm-up
    const rates: [number[], number[]] = [[], []];
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 ? [1, 0] : [0, 1]; // alternate which goes first
      for (const i of order) rates[i].push(wallRate([one, two][i].step, seconds));
    }
    const ratios = rates[1].map((x, r) => x / rates[0][r]).sort((a, b) => a - b);
    return {
      train_samples_per_s_threads: { 1: round(Math.max(...rates[0])), 2: round(Math.max(...rates[1])) },
      train_threads_speedup: round(ratios[Math.floor(ratios.length / 2)]),
    };
  } finally {
    await two.close();
  }
}

export function formatThreads(r: ThreadsResult): string {
  const t = r.train_samples_per_s_threads;
  return `training on threads, reference model, batch ${BATCH}, wall time, interleaved rounds\n  1 thread  ${t[1].toFixed(0).padStart(6)} samples/s\n  2 threads ${t[2].toFixed(0).padStart(6)} samples/s (median ratio over rounds ${r.train_threads_speedup.toFixed(2)}×)`;
}
