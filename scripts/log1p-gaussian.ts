// A Gaussian model of log1p(x) as a count model, the baseline
// scripts/count-likelihoods.ts compares the count likelihoods with: its
// probability mass function is the mass its density puts on log1p of
// [x − ½, x + ½) (below log1p(½) for x = 0), the counts it predicts when a
// draw is mapped back by expm1 and rounded.

import { mixtureMedian } from '../src/data/count-cdf.ts';

/** Numerical Recipes' Chebyshev coefficients of erfc, the constant term first. */
const ERFC = [
  -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223,
  0.17087277,
];

/** erfc(x), |relative error| < 1.2e-7 (Numerical Recipes' Chebyshev fit), for the normal's tails. */
function erfc(x: number): number {
  const z = Math.abs(x),
    t = 1 / (1 + 0.5 * z);
  let poly = 0; // Horner's rule over the coefficients after the constant
  for (let i = ERFC.length - 1; i > 0; i--) poly = ERFC[i] + t * poly;
  const r = t * Math.exp(-z * z + ERFC[0] + t * poly);
  return x >= 0 ? r : 2 - r;
}

/** log Φ(z), accurate in both tails. */
function logPhi(z: number): number {
  if (z < -30) return -0.5 * z * z - Math.log(-z) - 0.5 * Math.log(2 * Math.PI); // Mills' ratio, to 1e-3 relative at z = −30
  return Math.log(0.5 * erfc(-z / Math.SQRT2));
}

/** log(Φ(b) − Φ(a)), a < b, without cancellation in the upper tail. */
function logNormalMass(a: number, b: number): number {
  if (a > 0) return logNormalMass(-b, -a); // the same mass, mirrored into the lower tail
  const hi = logPhi(b),
    lo = a === -Infinity ? -Infinity : logPhi(a);
  return hi + Math.log1p(-Math.exp(lo - hi));
}

/** −log P(X = x) when log1p(X) ~ N(m, sd²) and X is the rounded expm1 of a draw (see the file's comment). */
export function log1pGaussianNllAt(x: number, m: number, sd: number): number {
  const lo = x === 0 ? -Infinity : (Math.log1p(x - 0.5) - m) / sd,
    hi = (Math.log1p(x + 0.5) - m) / sd;
  return -logNormalMass(lo, hi);
}

/**
 * The median and the mean of the counts of a Gaussian model of log1p(X)
 * (N(m, sd²), X the rounded expm1 of a draw, as log1pGaussianNllAt): the
 * median is the count c whose cell [log1p(c − ½), log1p(c + ½)) holds m,
 * the rounded expm1(m); the mean is that of expm1 of the draw, e^{m + sd²/2} − 1
 * (the rounding's mean error is about 0).
 */
export function log1pGaussianMedian(m: number): number {
  return Math.max(0, Math.floor(Math.expm1(m) + 0.5));
}
export function log1pGaussianMean(m: number, sd: number): number {
  return Math.expm1(m + (sd * sd) / 2);
}

/** The median count of the mixture of K Gaussian models of log1p(X) at means ms, one sd: bisection between the components' medians. */
export function log1pGaussianMixtureMedian(ms: ArrayLike<number>, sd: number): number {
  // P(X ≤ c) = Φ((log1p(c + ½) − m)/sd) per component.
  return mixtureMedian(
    ms.length,
    (k) => log1pGaussianMedian(ms[k]),
    (c, k) => Math.exp(logPhi((Math.log1p(c + 0.5) - ms[k]) / sd)),
  );
}
