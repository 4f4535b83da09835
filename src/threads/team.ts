// How a pool's threads share a step's work. The views meet only in the KL
// (Eq. 9), so the threads form teams of equal size, as many as the views
// allow (the largest divisor of the thread count that is at most the
// number of views: two views on an even count get a team each, on an odd
// count one team runs both in turn), and each team runs its share of the
// views present in a group of rows. Inside a team of more than one, every
// thread runs the same view half through teamKernels: each GEMM split by
// output columns (gemmPart, denseBackwardPart, which give each column the
// bits the whole call gives it), any other kernel on the team's first
// member alone, and a barrier after each call. So the weights are bit for
// bit those of one thread, for any number of threads.

import { kernelTable, type KernelFunction, type Kernels } from '../core/kernels.ts';

/** One thread's place: its team, its place in the team and the team's size. */
export interface Role {
  team: number;
  member: number;
  size: number;
}

/** The most teams a pool forms (one per view at most: MAX_VIEWS). */
export const MAX_TEAMS = 8;

/** Teams of `threads` threads over `views` views: the most of equal size, no more than the views. */
export function teamCount(threads: number, views: number): number {
  for (let t = Math.min(threads, views, MAX_TEAMS); t > 1; t--) if (threads % t === 0) return t;
  return 1;
}

/** The roles of threads 0 (the owner) to n − 1 for a model of `views` views: team t is threads t·size to (t + 1)·size − 1. */
export function roles(n: number, views: number): Role[] {
  const size = n / teamCount(n, views);
  return Array.from({ length: n }, (_, t): Role => ({ team: Math.floor(t / size), member: t % size, size }));
}

/**
 * For every set of present views (bit v − 1 for view v; index 0 to 2^M − 1),
 * the views each of `teams` teams runs, in view order: the costliest view
 * first to the least loaded team (ties: the lower view, the lower team).
 * Every thread computes the same table from the same model, once.
 */
export function viewSplits(costs: readonly number[], teams: number): number[][][] {
  return Array.from({ length: 1 << costs.length }, (_, mask) => {
    const load = new Array<number>(teams).fill(0),
      split = Array.from({ length: teams }, () => [] as number[]);
    const present = costs.map((_, v) => v).filter((v) => (mask >> v) & 1);
    for (const v of present.sort((a, b) => costs[b] - costs[a] || a - b)) {
      const t = load.indexOf(Math.min(...load));
      split[t].push(v);
      load[t] += costs[v];
    }
    for (const views of split) views.sort((a, b) => a - b);
    return split;
  });
}

/** A view's cost per row: the multiply-adds of its dense layers. */
export const viewCost = (view: { dense: readonly { nIn: number; nOut: number }[] }): number =>
  view.dense.reduce((s, l) => s + l.nIn * l.nOut, 0);

/** Kernels for `member` of a team of `size` (> 1) threads over k: see the top of this file. */
export function teamKernels(k: Kernels, member: number, size: number, barrier: () => void): Kernels {
  const shared = kernelTable((name) => {
    const f = k[name] as KernelFunction;
    return (...args) => {
      const out = member === 0 ? f(...args) : undefined;
      barrier();
      return out;
    };
  });
  return {
    ...k,
    ...shared,
    gemm: (...args) => {
      k.gemmPart(member, size, ...args);
      barrier();
    },
    denseBackward: (...args) => {
      k.denseBackwardPart(member, size, ...args);
      barrier();
    },
  };
}
