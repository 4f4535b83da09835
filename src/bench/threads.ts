// Training throughput on 1, 2, … threads: the reference step (as in
// train.ts) on the best wasm build, one thread against the threads build
// on N (src/threads/), in interleaved rounds of wall time in one process,
// so that whatever else the machine runs weighs on all alike. Wall time,
// not CPU time: N threads spend more CPU per step by design. Each round
// also runs two independent one-thread trainings at once (this thread's
// and a worker's, neighbour-worker.ts): what they give together over one
// alone is how far the machine itself scales to two cores, the ceiling of
// the two-thread ratio.

import { Worker } from 'node:worker_threads';
import { createKernels } from '../core/index.ts';
import { availableThreads } from '../threads/plan.ts';
import { MAX_TRAINING_THREADS, TrainingThreads } from '../threads/pool.ts';
import { spawnNodeLane, workerEntry } from '../threads/spawn-node.ts';
import { median, round, wallRate } from './rate.ts';
import { BATCH, referenceTraining } from './train.ts';

export interface ThreadsResult {
  /** Best-of-rounds samples/s per thread count: 1, 2, and more up to the cores available. */
  train_samples_per_s_threads: Record<string, number>;
  /** The median over rounds of (2 threads ÷ 1 thread) within each round. */
  train_threads_speedup: number;
  /** The lowest and highest of those per-round ratios: the bench's own spread. */
  train_threads_speedup_range: [number, number];
  /** The median over rounds of (two independent one-thread trainings at once, summed ÷ one thread alone): the machine's own 2-core scaling. */
  train_threads_machine_scaling: number;
}

/** The reference training on `threads` threads (one: the best wasm build; more: the threads build and a pool), and how to end it. */
export async function referenceOnThreads(threads: number): Promise<{ step: () => void; close: () => Promise<void> }> {
  if (threads === 1) return { step: referenceTraining(createKernels('wasm')).step, close: async () => {} };
  const run = referenceTraining(createKernels('wasm', { threads: true }));
  const pool = await TrainingThreads.start(run.model, run.adam, spawnNodeLane, threads);
  return { step: run.step, close: () => pool.close() };
}

/** A one-thread training in a worker of its own, to run beside one on this thread; `beside` gives both rates summed. */
async function startNeighbour() {
  const entry = workerEntry('neighbour-worker', import.meta.url);
  const worker = new Worker(entry.evaluated ? entry.code : new URL(entry.code), { eval: entry.evaluated });
  const reply = () =>
    new Promise<unknown>((resolve, reject) => {
      const done = (f: (x: unknown) => void) => (x: unknown) => {
        worker.off('message', ok).off('error', failed);
        f(x);
      };
      const ok = done(resolve),
        failed = done(reject);
      worker.on('message', ok).on('error', failed);
    });
  await reply(); // 'ready'
  return {
    async beside(step: () => void, seconds: number): Promise<number> {
      const there = reply();
      worker.postMessage(seconds);
      const here = wallRate(step, BATCH, seconds);
      return here + ((await there) as number);
    },
    close: async () => void (await worker.terminate()),
  };
}

export async function benchThreads(quick: boolean): Promise<ThreadsResult> {
  const [seconds, rounds] = quick ? [0.5, 3] : [2, 7];
  // The thread counts measured: 1 and 2 always, then every count up to the cores (more would only time-share them).
  const top = Math.max(2, Math.min(availableThreads(), MAX_TRAINING_THREADS)),
    counts = Array.from({ length: top }, (_, i) => i + 1);
  const runs: Awaited<ReturnType<typeof referenceOnThreads>>[] = [];
  const neighbour = await startNeighbour();
  try {
    for (const n of counts) runs.push(await referenceOnThreads(n));
    for (const r of runs) r.step(); // warm-up
    // The thread counts, then (last index) the pair of one-thread trainings.
    const measures = [
      ...runs.map((r) => async () => wallRate(r.step, BATCH, seconds)),
      () => neighbour.beside(runs[0].step, seconds),
    ];
    const rates: number[][] = measures.map(() => []);
    for (let r = 0; r < rounds; r++) {
      // Rotate which goes first, so that none always meets the same neighbour's leftovers.
      for (let j = 0; j < measures.length; j++) {
        const i = (j + r) % measures.length;
        rates[i].push(await measures[i]());
      }
    }
    const ratios = rates[1].map((x, r) => x / rates[0][r]).sort((a, b) => a - b);
    return {
      train_samples_per_s_threads: Object.fromEntries(counts.map((n, i) => [n, round(Math.max(...rates[i]))])),
      train_threads_speedup: round(median(ratios)),
      train_threads_speedup_range: [round(ratios[0]), round(ratios[ratios.length - 1])],
      train_threads_machine_scaling: round(median(rates[counts.length].map((x, r) => x / rates[0][r]))),
    };
  } finally {
    for (const r of runs) await r.close();
    await neighbour.close();
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
  lines.push(
    `  the machine's own 2-core scaling: two one-thread trainings at once give ${r.train_threads_machine_scaling.toFixed(2)}× one alone (median over rounds)`,
  );
  return lines.join('\n');
}
