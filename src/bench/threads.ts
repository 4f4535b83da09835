// Training throughput on 1, 2, … threads: the reference step (as in
// train.ts) on the best wasm build, one thread against the threads build
// on N (src/threads/), in interleaved rounds of wall time in one process,
// so that whatever else the machine runs weighs on all alike. Wall time,
// not CPU time: N threads spend more CPU per step by design.

import { createKernels } from '../core/index.ts';
import { availableThreads } from '../threads/plan.ts';
import { MAX_TRAINING_THREADS, TrainingThreads } from '../threads/pool.ts';
import { spawnNodeLane } from '../threads/spawn-node.ts';
import { round } from './rate.ts';
import { BATCH, referenceTraining } from './train.ts';

export interface ThreadsResult {
  /** Best-of-rounds samples/s per thread count: 1, 2, and more up to the cores available. */
  train_samples_per_s_threads: Record<string, number>;
  /** The median over rounds of (2 threads ÷ 1 thread) within each round. */
  train_threads_speedup: number;
  /** The lowest and highest of those per-round ratios: the bench's own spread. */
  train_threads_speedup_range: [number, number];
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

/** The reference training on `threads` threads (one: the best wasm build; more: the threads build and a pool), and how to end it. */
export async function referenceOnThreads(threads: number): Promise<{ step: () => void; close: () => Promise<void> }> {
  if (threads === 1) return { step: referenceTraining(createKernels('wasm')).step, close: async () => {} };
  const run = referenceTraining(createKernels('wasm', { threads: true }));
  const pool = await TrainingThreads.start(run.model, run.adam, spawnNodeLane, threads);
  return { step: run.step, close: () => pool.close() };
}

/** The thread counts measured: 1 and 2 always, then every count up to the cores (more would only time-share them). */
export function benchedThreadCounts(cores = availableThreads()): number[] {
  const top = Math.max(2, Math.min(cores, MAX_TRAINING_THREADS));
  return Array.from({ length: top }, (_, i) => i + 1);
}

export async function benchThreads(quick: boolean): Promise<ThreadsResult> {
  const [seconds, rounds] = quick ? [0.5, 3] : [2, 7];
  const counts = benchedThreadCounts();
  const runs: Awaited<ReturnType<typeof referenceOnThreads>>[] = [];
  try {
    for (const n of counts) runs.push(await referenceOnThreads(n));
    for (const r of runs) r.step(); // warm-up
    const rates: number[][] = counts.map(() => []);
    for (let r = 0; r < rounds; r++) {
      // Rotate which count goes first, so that none always meets the same neighbour's leftovers.
      for (let j = 0; j < counts.length; j++) {
        const i = (j + r) % counts.length;
        rates[i].push(wallRate(runs[i].step, seconds));
      }
    }
    const ratios = rates[1].map((x, r) => x / rates[0][r]).sort((a, b) => a - b);
    return {
      train_samples_per_s_threads: Object.fromEntries(counts.map((n, i) => [n, round(Math.max(...rates[i]))])),
      train_threads_speedup: round(ratios[Math.floor(ratios.length / 2)]),
      train_threads_speedup_range: [round(ratios[0]), round(ratios[ratios.length - 1])],
    };
  } finally {
    for (const r of runs) await r.close();
  }
}

export function formatThreads(r: ThreadsResult): string {
  const t = r.train_samples_per_s_threads,
    [lo, hi] = r.train_threads_speedup_range;
  const lines = [`training on threads, reference model, batch ${BATCH}, wall time, interleaved rounds`];
  for (const [n, v] of Object.entries(t))
    lines.push(
      `  ${n} thread${n === '1' ? ' ' : 's'} ${v.toFixed(0).padStart(6)} samples/s${n === '2' ? ` (median ratio to 1 thread over rounds ${r.train_threads_speedup.toFixed(2)}×, rounds ${lo.toFixed(2)}–${hi.toFixed(2)}×)` : ''}`,
    );
  return lines.join('\n');
}
