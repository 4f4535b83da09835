// The shared-factor prior's KL, plain-TypeScript twin of assembly/factor.ts
// (semantics: src/core/kernels.ts), written the way the maths reads.

import type { Twin } from './twin.ts';

import { cholesky, dot, matmul, matrix, matvec, rowOf, solve, transpose } from './matrix.ts';

/**
 * KL(N(μ, diag e^{lv}) ‖ N(0, Σ)) per row (Eq. 7), Σ = β·I + α·A·Aᵀ, β = 1 − α.
 * Woodbury with W = β·I + α·AᵀA: Σ⁻¹ = (I − α·A·W⁻¹·Aᵀ)/β, Σ⁻¹A = A·W⁻¹ = Y,
 * ln|Σ| = (D − K)·ln β + ln|W|.
 */
export const factorKl: Twin<'factorKl'> = (h, rows, D, K, alpha, mu, lv, A, kl, dmu, dlv, dA, scale, _work) => {
  const beta = 1 - alpha,
    a = matrix(h, A, D, K),
    at = transpose(a);
  const w = matmul(at, a).map((row, i) => row.map((v, j) => (i === j ? beta : 0) + alpha * v));
  const l = beta > 0 ? cholesky(w) : null;
  if (!l) {
    h.fill(NaN, kl, kl + rows);
    return;
  } // α ≥ 1: no covariance, the trainer checks for NaN
  const logDet = (D - K) * Math.log(beta) + 2 * l.reduce((s, row, k) => s + Math.log(row[k]), 0);
  const y = transpose(solve(w, at)); // A·W⁻¹ = Σ⁻¹·A (W symmetric)
  const g = a.map((row, i) => (1 - alpha * dot(row, y[i])) / beta); // diag(Σ⁻¹)
  const yt = transpose(y);
  const gradA = a.map((row) => row.map(() => 0)),
    e = new Array<number>(D).fill(0);
  for (let r = 0; r < rows; r++) {
    const m = rowOf(h, mu, r, D),
      v = rowOf(h, lv, r, D);
    const s = matvec(yt, m); // W⁻¹Aᵀμ
    const inv = matvec(a, s).map((x, i) => (m[i] - alpha * x) / beta); // Σ⁻¹μ
    const ge = v.map((x, i) => g[i] * Math.exp(x));
    h[kl + r] = 0.5 * (logDet - D + dot(m, inv) + ge.reduce((acc, x, i) => acc + x - v[i], 0));
    if (!dmu) continue;
    inv.forEach((x, i) => {
      h[dmu + r * D + i] += scale * x;
      h[dlv + r * D + i] += scale * 0.5 * (ge[i] - 1);
      e[i] += Math.exp(v[i]);
      for (let k = 0; k < K; k++) gradA[i][k] -= x * s[k];
    });
  }
  if (!dmu || !dA) return;
  // ∂/∂A Σ_r KL = α[R·Y − Σ_r (Σ⁻¹μ)(W⁻¹Aᵀμ)ᵀ − Σ⁻¹·diag(E)·Y], Σ⁻¹X = (X − α·Y·AᵀX)/β.
  const x = y.map((row, i) => row.map((v) => e[i] * v));
  const yax = matmul(y, matmul(at, x));
  for (let i = 0; i < D; i++) {
    for (let k = 0; k < K; k++) {
      h[dA + i * K + k] += scale * alpha * (rows * y[i][k] + gradA[i][k] - (x[i][k] - alpha * yax[i][k]) / beta);
    }
  }
};
