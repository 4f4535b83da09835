// A planted two-view problem: both views are smooth functions of a shared
// latent s (plus a private one each), so the truth is known.

import type { ViewData } from '../src/data/view-data.ts';
import { Rng } from '../src/data/rng.ts';

/** x_i = σ(A_i·[s; p_i]) with s ∈ R^shared, p_i ∈ R^priv: probabilities in (0,1) as Bernoulli targets. */
export function plantedBinary(
  n: number,
  dim: number,
  seed: number,
  shared = 2,
  priv = 1,
): ViewData & { s: Float64Array } {
  const rng = new Rng(seed);
  const k = shared + priv;
  const A = [0, 1].map(() => Float64Array.from({ length: dim * k }, () => rng.normal() * 1.5));
  const s = new Float64Array(n * shared);
  const x = [new Float32Array(n * dim), new Float32Array(n * dim)];
  const h = new Float64Array(k);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < shared; j++) s[r * shared + j] = rng.normal();
    for (const v of [0, 1]) {
      for (let j = 0; j < k; j++) h[j] = j < shared ? s[r * shared + j] : rng.normal();
      for (let c = 0; c < dim; c++) {
        let a = 0;
        for (let j = 0; j < k; j++) a += A[v][c * k + j] * h[j];
        x[v][r * dim + c] = 1 / (1 + Math.exp(-a));
      }
    }
  }
  return { n, dims: [dim, dim], xs: x, s };
}
