// Scores of imputed counts against the true counts: mean absolute error of
// the imputed medians and RMSE of the imputed means (counts in raw units;
// each loss's Bayes-optimal point of the predictive), and the negative
// log-likelihood of the true counts per sample (nats, summed over a
// view's features, averaged over rows) under the model's predictive
// distribution at the imputed mean.

import { countCdf, countNllAt } from '../data/count-cdf.ts';
import type { Likelihood } from '../data/likelihood.ts';
import { toPoint, type PointKind } from '../impute/point.ts';

export { countCdf, countNllAt };

export interface CountScores {
  /** Mean absolute error per count, of the median imputation (the point absolute error rewards) unless said otherwise. */
  mae: number;
  /** Root mean squared error per count, of the mean imputation (the point squared error rewards) unless said otherwise. */
  rmse: number;
  /** −log p(x_true) per sample, nats. */
  nll: number;
  rows: number;
}

/**
 * Scores of imputed counts against `truth` (rows×dim, raw counts): RMSE of
 * `imputed`, MAE of `medians` (default `imputed` too); `nll(r, j)` gives
 * −log p of the true count of row r, feature j.
 */
export function countScores(
  truth: ArrayLike<number>,
  imputed: ArrayLike<number>,
  rows: number,
  dim: number,
  nll: (r: number, j: number) => number,
  medians: ArrayLike<number> = imputed,
): CountScores {
  let abs = 0,
    sq = 0,
    ll = 0;
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < dim; j++) {
      const e = imputed[r * dim + j] - truth[r * dim + j];
      abs += Math.abs(medians[r * dim + j] - truth[r * dim + j]);
      sq += e * e;
      ll += nll(r, j);
    }
  return { mae: abs / (rows * dim), rmse: Math.sqrt(sq / (rows * dim)), nll: ll / rows, rows };
}

/** Each loss's Bayes-optimal point of a predictive distribution: its median for absolute error, its mean for squared error. */
export const BAYES_POINTS = { mae: 'median', rmse: 'mean' } as const;

/** Where a count view's MAE and RMSE are scored. */
export type ScoredPoints = Record<keyof typeof BAYES_POINTS, PointKind>;

/** Both scores at `point` (what jpvae impute --point writes), or without one each at its Bayes-optimal point. */
export const scoredPoints = (point?: PointKind): ScoredPoints => (point ? { mae: point, rmse: point } : BAYES_POINTS);

/**
 * The scores of a count view's imputed expected counts `mean` (rows×dim,
 * at size factor 1, as imputation returns them) against its true counts
 * `truth`: MAE of the point `at.mae`, RMSE of the point `at.rmse`
 * (impute/point.ts), the NLL at the mean (θ: an NB view's dispersion).
 */
export function countImputationScores(
  view: { likelihood: Likelihood; dim: number },
  theta: ArrayLike<number> | null,
  truth: ArrayLike<number>,
  mean: Float32Array,
  rows: number,
  at: ScoredPoints = BAYES_POINTS,
): CountScores {
  const dim = view.dim;
  const pointOf = (point: PointKind) => {
    const y = Float32Array.from(mean);
    toPoint(view, theta, y, point);
    return y;
  };
  const nll = (r: number, j: number) => countNllAt(truth[r * dim + j], mean[r * dim + j], theta ? theta[j] : null);
  return countScores(truth, pointOf(at.rmse), rows, dim, nll, pointOf(at.mae));
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
