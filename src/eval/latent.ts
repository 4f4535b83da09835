// Latent statistics of a data set's posterior means (impute/latent-fit.ts's encodeViewMeans):
// their empirical cross-correlation between views (paper Fig. 4) and active units
// (§3: A_u = Cov_x(E_q[u|x]) ≥ 0.01).

import { joinColumns, meanCov } from '../linalg/dense.ts';

/** Empirical correlation between each unit of Z1 and each unit of Z2 (n1×n2). Constant units correlate 0. */
export function crossCorrelation(Z1: Float64Array, n1: number, Z2: Float64Array, n2: number, n: number): Float64Array {
  const { cov } = meanCov(joinColumns([Z1, Z2], [n1, n2], n), n, n1 + n2);
  const d = n1 + n2,
    R = new Float64Array(n1 * n2);
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
