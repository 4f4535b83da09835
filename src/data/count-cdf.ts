// The distribution function of a count view's likelihood, Poisson(μ) or
// NB(μ, θ), and its median: the point an imputation should give when it is
// scored by absolute error (the mean is the point for squared error), for
// one pmf (the plug-in at the latent mean) or for the mixture of K pmfs at
// K latent draws of Eq. 12 (the predictive distribution).

import { countTerm } from '../core/js/counts.ts';

/** −log P(X = x) of Poisson(μ) (theta null) or NB(μ, θ). */
export function countNllAt(x: number, mean: number, theta: number | null): number {
  return countTerm(x, Math.log(mean), theta === null ? null : Math.log(theta))[0];
}

/**
 * P(X ≤ y) of Poisson(μ) (theta null) or NB(μ, θ), y a count: P(y) from
 * countNllAt, then down to 0 through the pmf's ratio P(k − 1)/P(k), k/μ
 * (Poisson) or k(μ + θ)/((k − 1 + θ)μ) (NB), stopping below the mean (the
 * mode is at most μ) once the terms no longer add to the sum.
 */
export function countCdf(y: number, mean: number, theta: number | null): number {
  let p = Math.exp(-countNllAt(y, mean, theta));
  if (p === 0) return y > mean ? 1 : 0; // far in a tail: the mass below y is all or none of it
  let sum = p;
  for (let k = y; k > 0; k--) {
    p *= theta === null ? k / mean : (k * (mean + theta)) / ((k - 1 + theta) * mean);
    sum += p;
    if (k <= mean && p < 1e-17 * sum) break;
  }
  return Math.min(sum, 1);
}

/** The least count y in [lo, hi] with F(y) ≥ ½, F non-decreasing and F(hi) ≥ ½: bisection. */
function leastAtHalf(F: (y: number) => number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (F(mid) >= 0.5) hi = mid;
    else lo = mid + 1;
  }
  return hi;
}

/**
 * The median of Poisson(μ) (theta null) or NB(μ, θ): the least count y with
 * P(X ≤ y) ≥ ½, by bisection on countCdf from [0, ⌊μ⌋ + 1], the upper end
 * doubled until the CDF reaches ½ there (a Poisson's median is within 1 of
 * μ, an NB's at most about μ, far below it when θ is small).
 */
export function countMedian(mean: number, theta: number | null): number {
  if (!(mean > 0)) return 0;
  const F = (y: number) => countCdf(y, mean, theta);
  let hi = Math.floor(mean) + 1;
  while (F(hi) < 0.5) hi *= 2;
  return leastAtHalf(F, 0, hi);
}

/**
 * The median of the mixture of K pmfs, Poisson or NB at the means μ_1 … μ_K
 * with one θ: the least y with (1/K)·Σ_k P_k(X ≤ y) ≥ ½, found by bisection
 * between the least and the greatest of the components' medians (the
 * mixture's CDF is below ½ under every component's median and at least ½
 * at or above all of them).
 */
export function mixtureCountMedian(means: ArrayLike<number>, theta: number | null): number {
  return mixtureMedian(
    means.length,
    (k) => countMedian(means[k], theta),
    (y, k) => (means[k] > 0 ? countCdf(y, means[k], theta) : 1),
  );
}

/**
 * The median count of a mixture of K equally weighted components, from each
 * one's median and CDF: bisection between the least and the greatest of
 * the components' medians (as mixtureCountMedian says).
 */
export function mixtureMedian(K: number, median: (k: number) => number, cdf: (y: number, k: number) => number): number {
  let lo = Infinity,
    hi = -Infinity;
  for (let k = 0; k < K; k++) {
    const m = median(k);
    lo = Math.min(lo, m);
    hi = Math.max(hi, m);
  }
  const F = (y: number) => {
    let s = 0;
    for (let k = 0; k < K; k++) s += cdf(y, k);
    return s / K;
  };
  return leastAtHalf(F, lo, hi);
}

/** Each of the rows×dim expected counts (row-major, in place) replaced by the median of the view's likelihood at it (θ_j per feature, or Poisson without θ). */
export function countMedians(means: Float32Array, dim: number, theta: ArrayLike<number> | null): void {
  for (let t = 0; t < means.length; t++) means[t] = countMedian(means[t], theta ? theta[t % dim] : null);
}

/**
 * Per row and feature, the median of the mixture of the row's K pmfs at its
 * K draws' expected counts (draws: (rows·K)×dim, row r's draws at
 * r·K … r·K+K−1): rows×dim.
 */
export function mixtureCountMedians(
  draws: ArrayLike<number>,
  rows: number,
  K: number,
  dim: number,
  theta: ArrayLike<number> | null,
): Float32Array {
  const out = new Float32Array(rows * dim),
    means = new Float64Array(K);
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < dim; j++) {
      for (let k = 0; k < K; k++) means[k] = draws[(r * K + k) * dim + j];
      out[r * dim + j] = mixtureCountMedian(means, theta ? theta[j] : null);
    }
  return out;
}
