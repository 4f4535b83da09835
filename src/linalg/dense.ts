// Small dense f64 linear algebra for host-side statistics (latent fits,
// conditionals): row-major n×n matrices in Float64Arrays.

import type { FloatArray } from '../core/heap.ts';

/** Lower-triangular L with A = L·Lᵀ, or null when A is not positive definite. */
export function cholesky(A: Float64Array, n: number): Float64Array | null {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      if (i === j) {
        if (!(s > 0)) return null;
        L[i * n + i] = Math.sqrt(s);
      } else L[i * n + j] = s / L[j * n + j];
    }
  }
  return L;
}

/** X = A⁻¹·B for SPD A (n×n) and B (n×m), through its Cholesky factor. */
export function solveSpd(A: Float64Array, n: number, B: Float64Array, m: number): Float64Array {
  const L = cholesky(A, n);
  if (!L) throw new Error('solveSpd: matrix is not positive definite');
  const X = Float64Array.from(B);
  for (let c = 0; c < m; c++) {
    for (let i = 0; i < n; i++) {
      // L·y = b
      let s = X[i * m + c];
      for (let k = 0; k < i; k++) s -= L[i * n + k] * X[k * m + c];
      X[i * m + c] = s / L[i * n + i];
    }
    for (let i = n - 1; i >= 0; i--) {
      // Lᵀ·x = y
      let s = X[i * m + c];
      for (let k = i + 1; k < n; k++) s -= L[k * n + i] * X[k * m + c];
      X[i * m + c] = s / L[i * n + i];
    }
  }
  return X;
}

/** C = A·B for A (r×k), B (k×c). */
export function matmul(A: Float64Array, B: Float64Array, r: number, k: number, c: number): Float64Array {
  const C = new Float64Array(r * c);
  for (let i = 0; i < r; i++)
    for (let t = 0; t < k; t++) {
      const a = A[i * k + t];
      for (let j = 0; j < c; j++) C[i * c + j] += a * B[t * c + j];
    }
  return C;
}

export function transpose(A: Float64Array, r: number, c: number): Float64Array {
  const T = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) T[j * r + i] = A[i * c + j];
  return T;
}

/** The block of rows [r0, r0+nr) and columns [c0, c0+nc) of an n-column matrix. */
export function block(A: Float64Array, n: number, r0: number, nr: number, c0: number, nc: number): Float64Array {
  const B = new Float64Array(nr * nc);
  for (let i = 0; i < nr; i++) for (let j = 0; j < nc; j++) B[i * nc + j] = A[(r0 + i) * n + c0 + j];
  return B;
}

/**
 * S itself when it is positive definite, else S + εI with ε a millionth of
 * its mean variance: a collapsed unit (a constant posterior mean) makes the
 * fitted covariance singular, and the ridge lets it carry no information
 * instead of failing.
 */
export function positiveDefinite(S: Float64Array, n: number): Float64Array {
  if (cholesky(S, n)) return S;
  let trace = 0;
  for (let a = 0; a < n; a++) trace += S[a * n + a];
  const R = Float64Array.from(S),
    eps = Math.max(1e-6 * (trace / n), 1e-12);
  for (let a = 0; a < n; a++) R[a * n + a] += eps;
  return R;
}

/** Column means and covariance (maximum likelihood, divides by n) of an n×d matrix. */
export function meanCov(Z: Float64Array, n: number, d: number): { mean: Float64Array; cov: Float64Array } {
  const mean = new Float64Array(d),
    cov = new Float64Array(d * d);
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) mean[j] += Z[r * d + j] / n;
  for (let r = 0; r < n; r++) {
    for (let a = 0; a < d; a++) {
      const za = Z[r * d + a] - mean[a];
      for (let b = 0; b < d; b++) cov[a * d + b] += (za * (Z[r * d + b] - mean[b])) / n;
    }
  }
  return { mean, cov };
}

/** Blocks of columns side by side, [Z1 | Z2 | …] (n×Σ widths). */
export function joinColumns(blocks: readonly FloatArray[], widths: readonly number[], n: number): Float64Array {
  const d = widths.reduce((a, b) => a + b, 0),
    Z = new Float64Array(n * d);
  for (let r = 0; r < n; r++)
    for (let b = 0, col = 0; b < blocks.length; col += widths[b++])
      Z.set(blocks[b].subarray(r * widths[b], (r + 1) * widths[b]), r * d + col);
  return Z;
}
