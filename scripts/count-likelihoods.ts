// The planted count problem (test/planted-counts.ts) fitted five ways
// with the same architecture: negative binomial and Poisson views on the
// counts, each with size factors (the sample's total over the median, as
// scVI) and without ('unscaled', s = 1), and Gaussian views on
// log1p(counts). Each model imputes each view of the held-out rows that
// have both from the other view, scored against the true counts
// (eval/count-metrics.ts): MAE at the predictive's median, RMSE at its mean
// (each loss's Bayes-optimal point; MAE at the mean too, for comparison),
// of the plug-in predictive at the conditional mean of Eq. 12 and of the
// mixture over its latent draws. The Gaussian's point counts are those of
// its pmf on the counts: the median round(expm1(m)), the mean
// e^{m + sd²/2} − 1. The
// imputed view's depth is unknown to every method: count views impute at
// size factor 1, the Gaussian has no depth at all.

import { fit, type FitOptions } from '../src/api/model.ts';
import { plantedCounts, type PlantedCountsOptions } from '../test/planted-counts.ts';
import type { ViewData } from '../src/data/view-data.ts';

/** The presence bits of a row with both views. */
const BOTH = 0b11;
import { countNllAt, countScores, mixtureNll, type CountScores } from '../src/eval/count-metrics.ts';
import {
  log1pGaussianMean,
  log1pGaussianMedian,
  log1pGaussianMixtureMedian,
  log1pGaussianNllAt,
} from './log1p-gaussian.ts';
import { countMedian, mixtureCountMedians } from '../src/data/count-cdf.ts';

export const COUNT_METHODS = ['nb', 'nb-unscaled', 'poisson', 'poisson-unscaled', 'gaussian-log1p'] as const;
export type CountMethod = (typeof COUNT_METHODS)[number];

/** Latent draws of Eq. 12 per held-out sample for the predictive likelihood. */
export const LATENT_DRAWS = 50;

/**
 * A view's scores: `mae` at the plug-in predictive's median, `rmse` at its
 * mean, `maeAtMean`; `mixture`: MAE at the median and RMSE at the mean of
 * the mixture over LATENT_DRAWS latent draws; the predictive NLL.
 */
export type ViewScores = CountScores & {
  maeAtMean: number;
  predictiveNll: number;
  mixture?: { mae: number; rmse: number };
};

export interface CountComparison {
  method: CountMethod;
  seed: number;
  /** View 1 imputed from view 2, and view 2 from view 1: the mean imputation's scores, and the predictive NLL over latent draws. */
  x1_given_x2: ViewScores;
  x2_given_x1: ViewScores;
  /** NB models: the median over each view's features of the learnt θ (the planted θ is 2). */
  theta?: [number, number];
  seconds: number;
}

/** Rows `rows` of an n×dim matrix, row-major. */
const pick = (x: Float32Array, dim: number, rows: number[]) => {
  const out = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => out.set(x.subarray(r * dim, (r + 1) * dim), i * dim));
  return out;
};

/** The views as the API takes them: a missing view's row all NaN. */
function withNaN(d: ViewData, i: 0 | 1): { data: Float32Array; width: number } {
  const [x, dim, bit] = [d.xs[i], d.dims[i], 1 << i];
  const data = Float32Array.from(x);
  for (let r = 0; r < d.n; r++) if (!(d.present![r] & bit)) data.fill(NaN, r * dim, (r + 1) * dim);
  return { data, width: dim };
}

/**
 * Fit `method` on the planted data's first (1 − holdout) rows and score
 * its imputations of the held-out rows with both views.
 */
export async function compareOne(
  method: CountMethod,
  data: PlantedCountsOptions,
  fitOptions: FitOptions & { holdout: number },
): Promise<CountComparison> {
  const d = plantedCounts(data);
  const start = performance.now();
  const gaussian = method === 'gaussian-log1p';
  const view = (i: 0 | 1) => {
    const v = withNaN(d, i);
    if (gaussian) v.data = v.data.map(Math.log1p);
    return v;
  };
  const likelihood = gaussian ? 'gaussian' : method.replace('-', ':');
  const model = await fit([view(0), view(1)], { ...fitOptions, likelihood });
  const held = Math.ceil(fitOptions.holdout * d.n);
  const rows = [...Array(held).keys()].map((r) => d.n - held + r).filter((r) => d.present![r] === BOTH);
  const std = model.json.data.standardize;
  const scores = ([0, 1] as const).map((target) => {
    const given = (1 - target) as 0 | 1;
    const [gx, gdim] = [d.xs[given], d.dims[given]];
    const [tx, tdim] = [d.xs[target], d.dims[target]];
    const input = pick(gx, gdim, rows),
      truth = pick(tx, tdim, rows);
    const rowsIn = { data: gaussian ? input.map(Math.log1p) : input, width: gdim },
      at = { given: given + 1 };
    const imputed = model.impute(rowsIn, at),
      draws = model.impute(rowsIn, { ...at, samples: LATENT_DRAWS, draws: 'latent', seed: 7 });
    const K = LATENT_DRAWS,
      n = rows.length,
      cells = n * tdim;
    // Per method: the NLL of one count, and the points (plug-in at `imputed`, and the mixture over `draws`).
    let element: (x: number, mean: number, j: number) => number;
    const mean = new Float32Array(cells),
      median = new Float32Array(cells),
      mixMean = new Float32Array(cells);
    let mixMedian: Float32Array;
    if (!gaussian) {
      const theta = model.net.dispersion(target),
        th = (j: number) => (theta ? theta[j] : null);
      element = (x, m, j) => countNllAt(x, m, th(j));
      for (let t = 0; t < cells; t++) {
        mean[t] = imputed[t];
        median[t] = countMedian(imputed[t], th(t % tdim));
      }
      mixMedian = mixtureCountMedians(draws, n, K, tdim, theta);
      for (let r = 0; r < n; r++)
        for (let k = 0; k < K; k++)
          for (let j = 0; j < tdim; j++) mixMean[r * tdim + j] += draws[(r * K + k) * tdim + j] / K;
    } else {
      // The Gaussian's sd of log1p(x): its learnt observation sd (standardised units) times the view's sd.
      const lv = model.net.observationLogvar(target)!,
        sd = std[target]!.sd.map((s, j) => s * Math.exp(lv[j] / 2));
      element = (x, m, j) => log1pGaussianNllAt(x, m, sd[j]);
      for (let t = 0; t < cells; t++) {
        mean[t] = log1pGaussianMean(imputed[t], sd[t % tdim]);
        median[t] = log1pGaussianMedian(imputed[t]);
      }
      mixMedian = new Float32Array(cells);
      const ms = new Float64Array(K);
      for (let r = 0; r < n; r++)
        for (let j = 0; j < tdim; j++) {
          for (let k = 0; k < K; k++) {
            ms[k] = draws[(r * K + k) * tdim + j];
            mixMean[r * tdim + j] += log1pGaussianMean(ms[k], sd[j]) / K;
          }
          mixMedian[r * tdim + j] = log1pGaussianMixtureMedian(ms, sd[j]);
        }
    }
    const nll = (r: number, j: number) => element(truth[r * tdim + j], imputed[r * tdim + j], j);
    const mixture = countScores(truth, mixMean, n, tdim, () => 0, mixMedian);
    return {
      ...countScores(truth, mean, n, tdim, nll, median),
      maeAtMean: countScores(truth, mean, n, tdim, () => 0).mae,
      mixture: { mae: mixture.mae, rmse: mixture.rmse },
      predictiveNll: mixtureNll(truth, draws, n, tdim, K, element),
    };
  });
  const median = (x: Float64Array) => Float64Array.from(x).sort()[x.length >> 1];
  const theta = model.net.dispersion(0) && ([0, 1] as const).map((i) => median(model.net.dispersion(i)!));
  return {
    method,
    seed: fitOptions.seed ?? 1,
    x1_given_x2: scores[0],
    x2_given_x1: scores[1],
    ...(theta && { theta: theta as [number, number] }),
    seconds: (performance.now() - start) / 1000,
  };
}

/** A grid over N(0, 1): nodes t_k from −6 to 6 by 0.05, weights w_k ∝ φ(t_k) summing to 1, so E f(ε) ≈ Σ w_k f(t_k). */
function normalGrid(): { t: number[]; w: number[] } {
  const t = Array.from({ length: 241 }, (_, k) => -6 + 0.05 * k),
    phi = t.map((x) => Math.exp(-0.5 * x * x)),
    sum = phi.reduce((a, b) => a + b, 0);
  return { t, w: phi.map((p) => p / sum) };
}

/**
 * The same scores of the planted truth itself: the true rates at depth 1
 * (MAE at the true NB's median, RMSE at its mean, and the NLL at the mean
 * under the true NB), and the true
 * predictive likelihood given the true latent, the NB averaged over the
 * unknown log-normal depth (on a grid of 241 points): what no imputation,
 * which never knows the latent exactly, beats on average.
 */
export function oracleScores(data: PlantedCountsOptions, holdout: number): Omit<CountComparison, 'seconds'> {
  const d = plantedCounts(data),
    theta = data.theta ?? 2,
    depthSd = data.depthSd ?? 0.5,
    { t, w } = normalGrid();
  const held = Math.ceil(holdout * d.n);
  const rows = [...Array(held).keys()].map((r) => d.n - held + r).filter((r) => d.present![r] === BOTH);
  const [s1, s2] = ([0, 1] as const).map((i) => {
    const [x, dim] = [d.xs[i], d.dims[i]];
    const truth = pick(x, dim, rows),
      rate = pick(d.rate[i], dim, rows);
    const scores = countScores(
      truth,
      rate,
      rows.length,
      dim,
      (r, j) => countNllAt(truth[r * dim + j], rate[r * dim + j], theta),
      rate.map((m) => countMedian(m, theta)),
    );
    const maeAtMean = countScores(truth, rate, rows.length, dim, () => 0).mae;
    // Per row, log Σ_k w_k Π_j NB(x_j; e^{sd·t_k}·rate_j, θ): the depth is one per row and view, shared by its features.
    let predictive = 0;
    for (let r = 0; r < rows.length; r++) {
      const logp = t.map((tk, k) => {
        let s = Math.log(w[k]);
        for (let j = 0; j < dim; j++)
          s -= countNllAt(truth[r * dim + j], Math.exp(depthSd * tk) * rate[r * dim + j], theta);
        return s;
      });
      const top = Math.max(...logp);
      predictive -= top + Math.log(logp.reduce((a, v) => a + Math.exp(v - top), 0));
    }
    return { ...scores, maeAtMean, predictiveNll: predictive / rows.length };
  });
  return { method: 'oracle' as CountMethod, seed: data.seed ?? 1, x1_given_x2: s1, x2_given_x1: s2 };
}
