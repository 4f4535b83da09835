// Cases for the kernel tests (test/elementwise.test.ts, test/counts.test.ts):
// arrays put on a backend's heap, a kernel run over them, the outputs read
// back for matchesTwin, and gradients against central differences for
// gradMatchesFd.

import type { Kernels } from '../src/core/index.ts';
import { centralDiff, maxRelErr, read, Rng, type FdCase, type TwinCase } from './util.ts';

export type Inputs = (ArrayLike<number> | null)[];
export type Call = (k: Kernels, ptrs: number[]) => void;

/** Put `arrays` on k's heap (null → NULL pointer), run `call`, read every array back; the heap is left as it was. */
export function run(k: Kernels, arrays: Inputs, call: Call): number[][] {
  const mark = k.heap.mark();
  const ptrs = arrays.map((a) => (a ? k.heap.allocFrom(a) : 0));
  call(k, ptrs);
  const out = ptrs.map((p, i) => (p ? read(k, p, arrays[i]!.length) : []));
  k.heap.release(mark);
  return out;
}

/** Relative error against the twin; a non-finite output is an error of its own, never a pass. */
export const finiteRelErr = (got: ArrayLike<number>, want: ArrayLike<number>): number =>
  Array.from(got).every(Number.isFinite) ? maxRelErr(got, want) : Infinity;

/** A case for matchesTwin: every array after `call` (each wasm build against the f32 js twin). */
export const twinCase = (label: string, arrays: Inputs, call: Call): TwinCase => ({
  label,
  run: (k) => run(k, arrays, call),
  error: finiteRelErr,
});

/**
 * Relative error of analytic gradients against central differences of
 * `objective` on backend k. `pairs` holds [input slot, gradient slot]; the
 * gradient slots must start at zero (accumulating kernels add into them).
 * Inputs longer than 24 are checked at 24 entries drawn from `pick`.
 */
export function gradErr(
  k: Kernels,
  arrays: Inputs,
  call: Call,
  objective: (k: Kernels, ptrs: number[]) => number,
  pairs: [number, number][],
  h: number,
  pick: Rng,
): number {
  const mark = k.heap.mark();
  const ptrs = arrays.map((a) => (a ? k.heap.allocFrom(a) : 0));
  call(k, ptrs);
  const grads = pairs.map(([input, grad]) => read(k, ptrs[grad], arrays[input]!.length)); // before the reruns add more
  const analytic: number[] = [],
    numeric: number[] = [];
  for (const [pair, [input]] of pairs.entries()) {
    const n = arrays[input]!.length,
      g = grads[pair];
    const picks = n <= 24 ? [...Array(n).keys()] : Array.from({ length: 24 }, () => pick.below(n));
    for (const i of picks) {
      analytic.push(g[i]);
      numeric.push(
        centralDiff(
          () => {
            call(k, ptrs);
            return objective(k, ptrs);
          },
          k.heap.view(ptrs[input], n),
          i,
          h,
        ),
      );
    }
  }
  k.heap.release(mark);
  return maxRelErr(analytic, numeric);
}

/** A case for gradMatchesFd; the entries checked are drawn from `seed`, the same on every backend. */
export const fdCase = (
  label: string,
  arrays: Inputs,
  call: Call,
  objective: (k: Kernels, ptrs: number[]) => number,
  pairs: [number, number][],
  seed: number,
): FdCase => ({ label, error: (k, h) => gradErr(k, arrays, call, objective, pairs, h, new Rng(seed)) });

export const normals = (rng: Rng, n: number, scale = 1, offset = 0): number[] =>
  Array.from({ length: n }, () => offset + scale * rng.normal());
export const zeros = (n: number): number[] => new Array(n).fill(0);
export const scaledLossSum =
  (scale: number, rows: number, slot: number) =>
  (k: Kernels, ptrs: number[]): number =>
    scale * read(k, ptrs[slot], rows).reduce((a, b) => a + b, 0);
