// GEMM and dense-layer backward, the plain way: triple loops over the
// row-major layout, f64 sums. The readable reference for assembly/gemm.ts.

import { TRANS_A, TRANS_B, ACCUMULATE, RELU } from '../kernels.ts';
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
  // op(A)[i,k] and op(B)[k,j] as strides into the stored matrices.
  const [aRow, aK] = flags & TRANS_A ? [1, M] : [K, 1];
  const [bK, bCol] = flags & TRANS_B ? [1, K] : [N, 1];
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
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
  if (flags & RELU) for (let i = 0; i < rows * nOut; i++) if (!(h[Y + i] > 0)) h[dY + i] = 0;
  gemm(h, TRANS_A | (flags & ACCUMULATE), nIn, nOut, rows, X, dY, dW, 0);
  if (!(flags & ACCUMULATE)) h.fill(0, db, db + nOut);
  for (let r = 0; r < rows; r++) for (let j = 0; j < nOut; j++) h[db + j] += h[dY + r * nOut + j];
  if (dX) gemm(h, TRANS_B, rows, nIn, nOut, dY, W, dX, 0);
}
