// Latent statistics: posterior means of a data set, their empirical
// cross-correlation between views (paper Fig. 4) and active units
// (§3: A_u = Cov_x(E_q[u|x]) ≥ 0.01).

import { forEachBatch, type TwoViewData } from '../data/dataset.ts';
import type { Jpvae } from '../model/jpvae.ts';

/** Posterior means μ1(x1), μ2(x2) of every row (n×n1, n×n2, f64). */
export function encodeMeans(model: Jpvae, data: TwoViewData): [Float64Array, Float64Array] {
  const [n1, n2] = model.config.latent;
  const out: [Float64Array, Float64Array] = [new Float64Array(data.n * n1), new Float64Array(data.n * n2)];
  forEachBatch(data.n, model.maxRows, (start, idx) => {
    model.setInputs(data, idx);
    for (const i of [0, 1] as const) {
      const v = model.views[i];
      model.encode(i, idx.length);
      out[i].set(model.k.heap.view(v.mu, idx.length * v.latent), start * v.latent);
    }
  });
  return out;
}

/** Column means and covariance (maximum likelihood, divides by n) of an n×d matrix. */
export function meanCov(Z: Float64Array, n: number, d: number): { mean: Float64Array; cov: Float64Array } {
  const mean = new Float64Array(d), cov = new Float64Array(d * d);
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) mean[j] += Z[r * d + j] / n;
  for (let r = 0; r < n; r++) {
    for (let a = 0; a < d; a++) {
      const za = Z[r * d + a] - mean[a];
      for (let b = 0; b < d; b++) cov[a * d + b] += (za * (Z[r * d + b] - mean[b])) / n;
    }
  }
  return { mean, cov };
}

/** Side-by-side columns [Z1 | Z2] (n×(n1+n2)). */
export function joinColumns(Z1: Float64Array, n1: number, Z2: Float64Array, n2: number, n: number): Float64Array {
  const Z = new Float64Array(n * (n1 + n2));
  for (let r = 0; r < n; r++) {
    Z.set(Z1.subarray(r * n1, (r + 1) * n1), r * (n1 + n2));
    Z.set(Z2.subarray(r * n2, (r + 1) * n2), r * (n1 + n2) + n1);
  }
  return Z;
}

/** Empirical correlation between each unit of Z1 and each unit of Z2 (n1×n2). Constant units correlate 0. */
export function crossCorrelation(Z1: Float64Array, n1: number, Z2: Float64Array, n2: number, n: number): Float64Array {
  const { cov } = meanCov(joinColumns(Z1, n1, Z2, n2, n), n, n1 + n2);
  const d = n1 + n2, R = new Float64Array(n1 * n2);
  for (let a = 0; a < n1; a++) {
    for (let b = 0; b < n2; b++) {
      const den = Math.sqrt(cov[a * d + a] * cov[(n1 + b) * d + n1 + b]);
      R[a * n2 + b] = den > 0 ? cov[a * d + n1 + b] / den : 0;
    }
  }
  return R;
}

export const frobenius = (M: ArrayLike<number>): number => Math.sqrt(Array.from(M).reduce((s, x) => s + x * x, 0));

/** Units whose posterior mean varies across rows: Var_x(μ_u(x)) ≥ threshold (§3, [28]). */
export function activeUnits(Z: Float64Array, n: number, d: number, threshold = 0.01): number {
  const { cov } = meanCov(Z, n, d);
  let count = 0;
  for (let u = 0; u < d; u++) if (cov[u * d + u] >= threshold) count++;
  return count;
}
