// Draws of counts from a seeded Rng: Poisson (Knuth's product of uniforms
// for small means, Hörmann's PTRS transformed rejection for large ones, as
// NumPy draws them), gamma (Marsaglia–Tsang) and the negative binomial as
// their mixture, NB(μ, θ) = Poisson(μ·Gamma(θ)/θ). For planted count data
// and for predictive draws of a count view.

import { lgamma } from '../core/js/counts.ts';
import type { Rng } from './rng.ts';

/** Gamma(shape, 1), shape > 0. */
export function gammaDraw(rng: Rng, shape: number): number {
  if (shape < 1) {
    // Gamma(k) = Gamma(k + 1)·U^{1/k}; log space, so a tiny k underflows to 0 rather than NaN.
    const g = gammaDraw(rng, shape + 1);
    return Math.exp(Math.log(g) + Math.log(1 - rng.uniform()) / shape);
  }
  const d = shape - 1 / 3,
    c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = rng.normal(),
      v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    const u = 1 - rng.uniform(); // in (0, 1]
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** Poisson(mean), mean ≥ 0 and finite. */
export function poissonDraw(rng: Rng, mean: number): number {
  if (!(mean > 0)) return 0;
  if (mean < 10) {
    const limit = Math.exp(-mean);
    let k = 0,
      p = rng.uniform();
    while (p > limit) {
      k++;
      p *= rng.uniform();
    }
    return k;
  }
  const slam = Math.sqrt(mean),
    logMean = Math.log(mean);
  const b = 0.931 + 2.53 * slam,
    a = -0.059 + 0.02483 * b,
    invAlpha = 1.1239 + 1.1328 / (b - 3.4),
    vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const U = rng.uniform() - 0.5,
      V = rng.uniform(),
      us = 0.5 - Math.abs(U);
    const k = Math.floor(((2 * a) / us + b) * U + mean + 0.43);
    if (us >= 0.07 && V <= vr) return k;
    if (k < 0 || (us < 0.013 && V > us)) continue;
    if (Math.log(V) + Math.log(invAlpha) - Math.log(a / (us * us) + b) <= -mean + k * logMean - lgamma(k + 1)) return k;
  }
}

/**
 * Replace each of the rows×dim means (row-major, in place) by a count drawn
 * from the view's likelihood at that mean: NB(μ, θ_j), or Poisson(μ)
 * without θ. Row by row, so the draws do not depend on how rows are batched.
 */
export function drawCounts(rng: Rng, means: Float32Array, dim: number, theta: ArrayLike<number> | null): void {
  for (let t = 0; t < means.length; t++)
    means[t] = theta ? negativeBinomialDraw(rng, means[t], theta[t % dim]) : poissonDraw(rng, means[t]);
}

/** NB(mean, θ): variance mean + mean²/θ; θ = ∞ is Poisson. */
export function negativeBinomialDraw(rng: Rng, mean: number, theta: number): number {
  if (!Number.isFinite(theta)) return poissonDraw(rng, mean);
  return poissonDraw(rng, (mean * gammaDraw(rng, theta)) / theta);
}
