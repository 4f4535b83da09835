// The paper's metrics on one split (`jpvae eval --json`), for any number
// of views: each view's reconstruction (one sampled z per row, the paper's
// protocol, and the posterior mean), each view's imputation from every
// non-empty subset of the other views (Eq. 12 over blocks), keyed as
// `x2_given_x1_x3` (for two views x1_given_x2 and x2_given_x1), the ELBO,
// active units and the latent cross-correlation of every pair of views.
// Losses are −log p(x_t | decoded), BCE for Bernoulli views, summed over a
// view's features and averaged over the rows that have the target and
// every given view. A count view adds the scores of its imputation in
// counts from each subset (counts: count-metrics.ts).

import { forEachBatch, gatherRows } from '../data/dataset.ts';
import { designRowsOf, rowsWith, viewsOf, type ViewData } from '../data/view-data.ts';
import { Rng } from '../data/rng.ts';
import { blockConditional } from '../impute/block-conditional.ts';
import { decodeConditional, imputeViews } from '../impute/impute.ts';
import { completeMeans, type LatentFit } from '../impute/latent-fit.ts';
import { isCount } from '../data/likelihood.ts';
import type { PointKind } from '../impute/point.ts';
import { countImputationScores, scoredPoints, type CountScores } from './count-metrics.ts';
import type { Jpvae } from '../model/jpvae.ts';
import { evaluateLoss } from '../train/trainer.ts';
import { activeUnits, crossCorrelation, frobenius } from './latent.ts';
import { joinColumns } from '../linalg/dense.ts';

export interface Metrics {
  split: string;
  n: number;
  complete_rows: number; // rows with every view: the latent statistics use these
  recon: Record<string, number>; // x1 … xM
  recon_mean: Record<string, number>;
  impute: Record<string, number>; // xT_given_xA_xB…
  impute_rows: Record<string, number>; // how many rows each imputation loss averages over
  kl: number;
  elbo: number; // per row, β = 1, one sampled z per row
  active_units: { count: number; total: number; fraction: number };
  /** ‖R‖_F of the empirical correlation between two views' posterior means (Fig. 4), per pair: x1_x2, x1_x3, … */
  cross_corr_frobenius: Record<string, number>;
  latent_fit: { rows: number; complete: number };
  /**
   * Count views (poisson, nb) imputed from each subset of the others at
   * size factor 1, as jpvae impute writes them, against their counts
   * (the rows of `impute_rows`): MAE per count at `maeAt`, RMSE per count
   * at `rmseAt` (by default the median and the mean of the predictive at
   * the imputed expected counts), −log p of the true counts at the imputed
   * mean (nats per row); `impute` keyed as the imputation losses, count
   * targets only. Absent when no view is a count view.
   */
  counts?: { maeAt: PointKind; rmseAt: PointKind; impute: Record<string, CountScores> };
}

/** The JSON key of view `target` imputed from `given` (views numbered from 1, given ascending). */
export const imputeKey = (target: number, given: readonly number[]): string =>
  `x${target + 1}_given_${[...given]
    .sort((a, b) => a - b)
    .map((g) => `x${g + 1}`)
    .join('_')}`;

/** Every non-empty subset of the views but `target`, largest first. */
export function givenSets(m: number, target: number): number[][] {
  const others = Array.from({ length: m }, (_, i) => i).filter((i) => i !== target);
  const sets = Array.from({ length: (1 << others.length) - 1 }, (_, s) => others.filter((_, b) => (s + 1) & (1 << b)));
  return sets.sort((a, b) => b.length - a.length || a[0] - b[0]);
}

/** Mean imputation loss of view `target` from views `given` over the rows of data that have them all; and that row count. */
export function imputationNll(
  model: Jpvae,
  data: ViewData,
  fit: LatentFit,
  given: number[],
  target: number,
): { loss: number; rows: number } {
  const rows = rowsWith(data, [...given, target]);
  const c = blockConditional(fit.mean, fit.cov, fit.latent, given, [target]),
    v = model.views[target];
  let total = 0;
  forEachBatch(rows.length, model.maxRows, (start, idx) => {
    const batch = rows.subarray(start, start + idx.length);
    for (const i of [...given, target]) model.views[i].setInput(data.xs[i], batch);
    model.setDesign(data.design, batch);
    const [out] = decodeConditional(model, c, batch.length);
    total += v.nll(model.P, model.G, batch.length, out, null);
  });
  return { loss: rows.length ? total / rows.length : NaN, rows: rows.length };
}

export function evaluateMetrics(
  model: Jpvae,
  data: ViewData,
  fit: LatentFit,
  split: string,
  seed = 1,
  point?: PointKind,
): Metrics {
  const at = scoredPoints(point);
  const sampled = evaluateLoss(model, data, new Rng(seed)),
    mean = evaluateLoss(model, data, null);
  const name = (i: number) => `x${i + 1}`;
  const impute: Record<string, number> = {},
    impute_rows: Record<string, number> = {},
    counts: Record<string, CountScores> = {};
  for (const target of viewsOf(model.fullMask))
    for (const given of givenSets(model.m, target)) {
      const key = imputeKey(target, given),
        { loss, rows } = imputationNll(model, data, fit, given, target);
      impute[key] = loss;
      impute_rows[key] = rows;
      const v = model.views[target];
      if (!isCount(v.likelihood) || !rows) continue;
      const idx = rowsWith(data, [...given, target]),
        pick = (i: number) => gatherRows(data.xs[i], data.dims[i], idx);
      const c = blockConditional(fit.mean, fit.cov, fit.latent, given, [target]);
      const [mean] = imputeViews(model, c, given.map(pick), rows, undefined, 1, designRowsOf(data, idx));
      counts[key] = countImputationScores(v, v.dispersion(model.P), pick(target), mean, rows, at);
    }
  const latent = latentStatistics(model, data);
  return {
    split,
    n: data.n,
    complete_rows: latent.rows,
    recon: Object.fromEntries(sampled.recon.map((x, i) => [name(i), x])),
    recon_mean: Object.fromEntries(mean.recon.map((x, i) => [name(i), x])),
    impute,
    impute_rows,
    kl: sampled.kl,
    elbo: sampled.elbo,
    active_units: latent.activeUnits,
    cross_corr_frobenius: latent.crossCorrelation,
    latent_fit: { rows: fit.rows, complete: fit.complete },
    ...(model.views.some((v) => isCount(v.likelihood)) && {
      counts: { maeAt: at.mae, rmseAt: at.rmse, impute: counts },
    }),
  };
}

/** Active units of every block and each pair's cross-correlation, from the posterior means of the rows with every view. */
function latentStatistics(model: Jpvae, data: ViewData) {
  const { rows, Z } = completeMeans(model, data),
    n = model.config.latent,
    D = n.reduce((a, b) => a + b, 0);
  const count = activeUnits(joinColumns(Z, n, rows), rows, D);
  const crossCorr: Record<string, number> = {};
  Z.forEach((_, i) =>
    Z.forEach((_, j) => {
      if (j > i) crossCorr[`x${i + 1}_x${j + 1}`] = frobenius(crossCorrelation(Z[i], n[i], Z[j], n[j], rows));
    }),
  );
  return { rows, activeUnits: { count, total: D, fraction: count / D }, crossCorrelation: crossCorr };
}
