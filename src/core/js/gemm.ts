// GEMM and dense-layer backward, the plain way: triple loops over the
// row-major layout, f64 sums. The readable reference for assembly/gemm.ts.

import { TRANS_A, TRANS_B, ACCUMULATE, RELU, partColumns } from '../kernels.ts';
import type { FloatArray } from '../heap.ts';

/** C[M×N] = op(A)·op(B) (+ bias) (then ReLU), or C += … with ACCUMULATE (see kernels.ts). */
export function gemm(
  h: FloatArray,
  flags: number,
  M: number,
  N: number,
  K: number,
  A: number,
  B: number,
  C: number,
  bias: number,
): void {
  gemmColumns(h, flags, M, N, K, A, B, C, bias, 0, N);
}

/** gemm's columns of part `part` of `parts` (partColumns). */
export function gemmPart(
  h: FloatArray,
  part: number,
  parts: number,
  flags: number,
  M: number,
  N: number,
  K: number,
  A: number,
  B: number,
  C: number,
  bias: number,
): void {
  gemmColumns(h, flags, M, N, K, A, B, C, bias, ...partColumns(N, part, parts));
}

/** Columns [j0, j1) of gemm's C. */
function gemmColumns(
  h: FloatArray,
  flags: number,
  M: number,
  N: number,
  K: number,
  A: number,
  B: number,
  C: number,
  bias: number,
  j0: number,
  j1: number,
): void {
  // op(A)[i,k] and op(B)[k,j] as strides into the stored matrices.
  const [aRow, aK] = flags & TRANS_A ? [1, M] : [K, 1];
  const [bK, bCol] = flags & TRANS_B ? [1, K] : [N, 1];
  for (let i = 0; i < M; i++) {
    for (let j = j0; j < j1; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += h[A + i * aRow + k * aK] * h[B + k * bK + j * bCol];
      if (bias) s += h[bias + j];
      if (flags & ACCUMULATE) s += h[C + i * N + j];
      if (flags & RELU) s = Math.max(s, 0);
      h[C + i * N + j] = s;
    }
  }
}

/** Backward of Y = act(X·W + b): mask dY by Y > 0, dW (+)= Xᵀ·dY, db (+)= Σ_rows dY, dX = dY·Wᵀ. */
export function denseBackward(
  h: FloatArray,
  rows: number,
  nIn: number,
  nOut: number,
  X: number,
  W: number,
  Y: number,
  dY: number,
  dX: number,
  dW: number,
  db: number,
  flags: number,
): void {
  denseBackwardPart(h, 0, 1, rows, nIn, nOut, X, W, Y, dY, dX, dW, db, flags);
}

/** Part `part` of `parts` of denseBackward: dY masked whole, the part's columns of dW, db and dX. */
export function denseBackwardPart(
  h: FloatArray,
  part: number,
  parts: number,
  rows: number,
  nIn: number,
  nOut: number,
  X: number,
  W: number,
  Y: number,
  dY: number,
  dX: number,
  dW: number,
  db: number,
  flags: number,
): void {
  if (flags & RELU) for (let i = 0; i < rows * nOut; i++) if (!(h[Y + i] > 0)) h[dY + i] = 0;
  const [j0, j1] = partColumns(nOut, part, parts);
  gemmColumns(h, TRANS_A | (flags & ACCUMULATE), nIn, nOut, rows, X, dY, dW, 0, j0, j1);
  if (!(flags & ACCUMULATE)) h.fill(0, db + j0, db + j1);
  for (let r = 0; r < rows; r++) for (let j = j0; j < j1; j++) h[db + j] += h[dY + r * nOut + j];
  if (dX) gemmColumns(h, TRANS_B, rows, nIn, nOut, dY, W, dX, 0, ...partColumns(nIn, part, parts));
}
