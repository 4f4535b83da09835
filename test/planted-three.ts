// A planted three-view problem: views 1 and 2 each see one of two shared
// latents (plus a private one), view 3 sees both, so view 3 needs both
// views to be imputed well and the truth is known.

import type { ViewData } from '../src/data/view-data.ts';
import { Rng } from '../src/data/rng.ts';

/** x_i = σ(A_i·h_i): h_1 = (s_a, p_1), h_2 = (s_b, p_2), h_3 = (s_a, s_b); probabilities in (0, 1) as Bernoulli targets. */
export function plantedThree(n: number, dim: number, seed: number): ViewData {
  const rng = new Rng(seed);
  const A = [0, 1, 2].map(() => Float64Array.from({ length: dim * 2 }, () => rng.normal() * 1.5));
  const xs = [0, 1, 2].map(() => new Float32Array(n * dim));
  for (let r = 0; r < n; r++) {
    const sa = rng.normal(),
      sb = rng.normal();
    const h = [
      [sa, rng.normal()],
      [sb, rng.normal()],
      [sa, sb],
    ];
    for (let v = 0; v < 3; v++)
      for (let c = 0; c < dim; c++) {
        const a = A[v][c * 2] * h[v][0] + A[v][c * 2 + 1] * h[v][1];
        xs[v][r * dim + c] = 1 / (1 + Math.exp(-a));
      }
  }
  return { n, dims: [dim, dim, dim], xs };
}
