// GEMM and dense-layer backward, the plain way: triple loops over the
// row-major layout, f64 sums. The readable reference for assembly/gemm.ts.

import { TRANS_A, TRANS_B, ACCUMULATE, RELU, partColumns, type DenseBackwardArgs, type GemmArgs } from '../kernels.ts';
import type { FloatArray } from '../heap.ts';

/** C[M×N] = op(A)·op(B) (+ bias) (then ReLU), or C += … with ACCUMULATE (see kernels.ts). */
export function gemm(h: FloatArray, ...args: GemmArgs): void {
  gemmPart(h, 0, 1, ...args);
}

/** gemm's columns of part `part` of `parts` (partColumns). */
export function gemmPart(h: FloatArray, part: number, parts: number, ...args: GemmArgs): void {
  const [, , N] = args;
  gemmColumns(h, partColumns(N, part, parts), ...args);
}

/** Columns [j0, j1) of gemm's C. */
function gemmColumns(h: FloatArray, [j0, j1]: [number, number], ...[flags, M, N, K, A, B, C, bias]: GemmArgs): void {
  // op(A)[i,k] and op(B)[k,j] as strides into the stored matrices.
  const [aRow, aK] = flags & TRANS_A ? [1, M] : [K, 1];
  const [bK, bCol] = flags & TRANS_B ? [1, K] : [N, 1];
  for (let i = 0; i < M; i++)
    for (let j = j0; j < j1; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += h[A + i * aRow + k * aK] * h[B + k * bK + j * bCol];
      if (bias) s += h[bias + j];
      if (flags & ACCUMULATE) s += h[C + i * N + j];
      if (flags & RELU) s = Math.max(s, 0);
      h[C + i * N + j] = s;
    }
}

/** Backward of Y = act(X·W + b): mask dY by Y > 0, dW (+)= Xᵀ·dY, db (+)= Σ_rows dY, dX = dY·Wᵀ. */
export function denseBackward(h: FloatArray, ...args: DenseBackwardArgs): void {
  denseBackwardPart(h, 0, 1, ...args);
}

/** Part `part` of `parts` of denseBackward: dY masked whole, the part's columns of dW, db and dX. */
export function denseBackwardPart(
  h: FloatArray,
  part: number,
  parts: number,
  ...[rows, nIn, nOut, X, W, Y, dY, dX, dW, db, flags]: DenseBackwardArgs
): void {
  if (flags & RELU) for (let i = 0; i < rows * nOut; i++) if (!(h[Y + i] > 0)) h[dY + i] = 0;
  const [j0, j1] = partColumns(nOut, part, parts);
  gemmColumns(h, [j0, j1], TRANS_A | (flags & ACCUMULATE), nIn, nOut, rows, X, dY, dW, 0);
  if (!(flags & ACCUMULATE)) h.fill(0, db + j0, db + j1);
  for (let r = 0; r < rows; r++) for (let j = j0; j < j1; j++) h[db + j] += h[dY + r * nOut + j];
  if (dX) gemmColumns(h, partColumns(nIn, part, parts), TRANS_B, rows, nIn, nOut, dY, W, dX, 0);
}
