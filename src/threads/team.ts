// How a pool's threads share a step's work. The two views meet only in the
// KL (Eq. 9), so with an even number of threads each view gets a team of
// half of them, the teams working at once; with an odd number one team of
// all of them runs view 1's half, then view 2's. Inside a team of more than
// one, every thread runs the same view half through teamKernels: each GEMM
// split by output columns (gemmPart, denseBackwardPart, which give each
// column the bits the whole call gives it), any other kernel on the team's
// first member alone, and a barrier after each call. So the weights are
// bit for bit those of one thread, for any number of threads.

import { KERNEL_NAMES, type KernelFunction, type Kernels } from '../core/kernels.ts';

/** One thread's share: its team, its place in the team, the team's size and the views it runs (in this order). */
export interface Role {
  team: 0 | 1;
  member: number;
  size: number;
  views: (0 | 1)[];
}

/** The roles of threads 0 (the owner) to n − 1. */
export function roles(n: number): Role[] {
  const half = n / 2;
  return Array.from({ length: n }, (_, t): Role => {
    if (n % 2) return { team: 0, member: t, size: n, views: [0, 1] };
    const team = t < half ? 0 : 1;
    return { team, member: t % half, size: half, views: [team] };
  });
}

/** Kernels for `member` of a team of `size` (> 1) threads over k: see the top of this file. */
export function teamKernels(k: Kernels, member: number, size: number, barrier: () => void): Kernels {
  const shared: Record<string, KernelFunction> = {};
  for (const name of KERNEL_NAMES) {
    const f = k[name] as KernelFunction;
    shared[name] = (...args: number[]) => {
      const out = member === 0 ? f(...args) : undefined;
      barrier();
      return out;
    };
  }
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
