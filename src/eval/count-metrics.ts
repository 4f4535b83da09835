// Scores of imputed counts against the true counts: mean absolute error and
// RMSE of the imputed means (counts in raw units), and the negative
// log-likelihood of the true counts per sample (nats, summed over a
// view's features, averaged over rows) under the model's predictive
// distribution at the imputed mean. A Gaussian model of log1p(x) gets a
// probability mass function for the comparison: the mass its density puts
// on log1p of [x − ½, x + ½) (below log1p(½) for x = 0), the counts it
// predicts when a draw is mapped back by expm1 and rounded.

import { countTerm } from '../core/js/counts.ts';

export interface CountScores {
  mae: number;
  rmse: number;
  /** −log p(x_true) per sample, nats. */
  nll: number;
  rows: number;
}

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

/** erfc(x), |relative error| < 1.2e-7 (Numerical Recipes' Chebyshev fit), for the normal's tails. */
function erfc(x: number): number {
  const z = Math.abs(x),
    t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
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
 * Scores of `imputed` (rows×dim means, raw counts) against `truth`; `nll(r, j)`
 * gives −log p of the true count of row r, feature j.
 */
export function countScores(
  truth: ArrayLike<number>,
  imputed: ArrayLike<number>,
  rows: number,
  dim: number,
  nll: (r: number, j: number) => number,
): CountScores {
  let abs = 0,
    sq = 0,
    ll = 0;
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < dim; j++) {
      const e = imputed[r * dim + j] - truth[r * dim + j];
      abs += Math.abs(e);
      sq += e * e;
      ll += nll(r, j);
    }
  return { mae: abs / (rows * dim), rmse: Math.sqrt(sq / (rows * dim)), nll: ll / rows, rows };
}

/**
 * −log p(x_r) per sample under a mixture of K draws (draws: (rows·K)×dim,
 * row r's draws at r·K … r·K+K−1): log of the mean over draws of the
 * row's likelihood, log-sum-exp'd. With latent draws of Eq. 12 this is the
 * model's predictive likelihood p(x_i | x_j), the latent's uncertainty
 * included, which the point imputation leaves out.
 */
export function mixtureNll(
  truth: ArrayLike<number>,
  draws: ArrayLike<number>,
  rows: number,
  dim: number,
  K: number,
  nll: (x: number, mean: number, j: number) => number,
): number {
  let total = 0;
  const logp = new Float64Array(K);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s -= nll(truth[r * dim + j], draws[(r * K + k) * dim + j], j);
      logp[k] = s;
    }
    const top = Math.max(...logp);
    let sum = 0;
    for (const v of logp) sum += Math.exp(v - top);
    total -= top + Math.log(sum / K);
  }
  return total / rows;
}
