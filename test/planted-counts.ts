// A planted count-data problem: two views of counts from one shared
// latent. z ~ N(0, I_L) per sample; view i's log-rate is
// η_ij = b_ij + (A_i z)_j, its counts x_ij ~ NB(s_i·e^{η_ij}, θ_ij) with
// a per-sample, per-view depth s_i (log-normal, independent between the
// views) and over-dispersion θ_ij; some samples miss one view. Written
// for the count likelihoods' tests and scripts/counts-planted.ts.

import { negativeBinomialDraw } from '../src/data/count-draws.ts';
import type { ViewData } from '../src/data/view-data.ts';
import { Rng } from '../src/data/rng.ts';

export interface PlantedCountsOptions {
  n: number;
  dims?: [number, number]; // default 30, 20
  latent?: number; // default 2
  /** θ of every feature (default 2: variance μ + μ²/2, strongly over-dispersed). */
  theta?: number;
  /** sd of log depth (default 0.5). */
  depthSd?: number;
  /** Mean of the features' log baseline rates (default 0: about one count per feature at depth 1, most of them 0 or 1). */
  baseline?: number;
  /** Fraction of rows missing one view, half each (default 0.2). */
  missing?: number;
  seed?: number;
}

/** The counts as two views (missing views' rows zero, `present` set), each row's depths and true rates e^η (at depth 1). */
export function plantedCounts(
  o: PlantedCountsOptions,
): ViewData & { depth: [Float64Array, Float64Array]; rate: [Float32Array, Float32Array] } {
  const rng = new Rng(o.seed ?? 1),
    n = o.n,
    [d1, d2] = o.dims ?? [30, 20],
    L = o.latent ?? 2,
    theta = o.theta ?? 2,
    depthSd = o.depthSd ?? 0.5,
    missing = o.missing ?? 0.2,
    baseline = o.baseline ?? 0;
  // Loadings of scale 0.8, baselines spread by 0.7 around `baseline`.
  const views = [d1, d2].map((d) => ({
    d,
    A: Float64Array.from({ length: d * L }, () => 0.8 * rng.normal()),
    b: Float64Array.from({ length: d }, () => baseline + 0.7 * rng.normal()),
  }));
  const x = [new Float32Array(n * d1), new Float32Array(n * d2)];
  const depth: [Float64Array, Float64Array] = [new Float64Array(n), new Float64Array(n)];
  const rate: [Float32Array, Float32Array] = [new Float32Array(n * d1), new Float32Array(n * d2)];
  const present = new Uint8Array(n);
  const z = new Float64Array(L);
  for (let r = 0; r < n; r++) {
    for (let a = 0; a < L; a++) z[a] = rng.normal();
    const u = rng.uniform();
    present[r] = u < missing / 2 ? 0b01 : u < missing ? 0b10 : 0b11; // view 1 only, view 2 only, both
    views.forEach(({ d, A, b }, i) => {
      depth[i][r] = Math.exp(depthSd * rng.normal());
      for (let j = 0; j < d; j++) {
        let eta = b[j];
        for (let a = 0; a < L; a++) eta += A[j * L + a] * z[a];
        rate[i][r * d + j] = Math.exp(eta);
        const count = negativeBinomialDraw(rng, depth[i][r] * Math.exp(eta), theta);
        if (present[r] & (1 << i)) x[i][r * d + j] = count;
      }
    });
  }
  return { n, dims: [d1, d2], xs: x, present, depth, rate };
}
