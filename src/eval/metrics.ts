// The paper's metrics on one split (`jpvae eval --json`): reconstruction
// (one sampled z per row, the paper's protocol, and the posterior mean),
// imputation both ways (Eq. 12), active units, latent cross-correlation,
// ELBO. BCE is summed over a view's features and averaged over rows. A
// count view adds the scores of its imputation in counts (counts).

import { forEachBatch, type TwoViewData } from '../data/dataset.ts';
import { Rng } from '../data/rng.ts';
import type { Jpvae } from '../model/jpvae.ts';
import { conditional, type LatentFit } from '../impute/conditional.ts';
import { imputeRows, imputeView } from '../impute/impute.ts';
import { isCount } from '../data/likelihood.ts';
import type { PointKind } from '../impute/point.ts';
import { countImputationScores, scoredPoints, type CountScores, type ScoredPoints } from './count-metrics.ts';
import { evaluateLoss } from '../train/evaluate.ts';
import { completeRows } from '../data/views.ts';
import { activeUnits, crossCorrelation, frobenius } from './latent.ts';
import { encodeMeans } from '../impute/posterior-means.ts';
import { joinColumns } from '../linalg/dense.ts';

export interface Metrics {
  split: string;
  n: number;
  complete_rows: number; // rows with both views: imputation and latent statistics use these
  recon: { x1: number; x2: number };
  recon_mean: { x1: number; x2: number };
  impute: { x1_given_x2: number; x2_given_x1: number };
  active_units: { count: number; total: number; fraction: number };
  cross_corr_frobenius: number;
  elbo: number;
  latent_fit: { split: string; rows: number };
  /**
   * Count views (poisson, nb) imputed from the other view at size factor 1,
   * as jpvae impute writes them, against the held-out counts: MAE per count
   * at `maeAt` and RMSE per count at `rmseAt` (by default each loss's
   * Bayes-optimal point: the median of the view's Poisson or NB at the
   * imputed expected counts, and those expected counts, its mean), −log p
   * of the true counts at the imputed mean (nats per row, the view's
   * features summed); null for a view that is not a count view. Absent when
   * neither is.
   */
  counts?: {
    x1_given_x2: CountScores | null;
    x2_given_x1: CountScores | null;
    maeAt: PointKind;
    rmseAt: PointKind;
  };
}

/**
 * The scores of view `target`'s imputation from the other view against its
 * counts, on the complete rows `full` (count-metrics.ts's
 * countImputationScores); null for a view that is not a count view.
 */
export function countImputation(
  model: Jpvae,
  full: TwoViewData,
  fit: LatentFit,
  target: 0 | 1,
  at: ScoredPoints = scoredPoints(),
): CountScores | null {
  const view = model.views[target];
  if (!isCount(view.likelihood)) return null;
  const [given, truth] = target === 1 ? [full.x1, full.x2] : [full.x2, full.x1];
  const mean = imputeView(model, conditional(fit, target), given, full.n);
  return countImputationScores(view, model.dispersion(target), truth, mean, full.n, at);
}

/** Mean imputation loss of view `target` from the other view over all rows: −log p(x_i | imputed), BCE for Bernoulli views. */
export function imputationNll(model: Jpvae, data: TwoViewData, fit: LatentFit, target: 0 | 1): number {
  const c = conditional(fit, target);
  let total = 0;
  forEachBatch(data.n, model.maxRows, (_, idx) => {
    model.setInputs(data, idx);
    total += model.nll(target, idx.length, imputeRows(model, c, idx.length), null);
  });
  return total / data.n;
}

/**
 * The metrics of `model` on `data`; `point` scores a count view's MAE and
 * RMSE both at that point (what jpvae impute --point writes) instead of
 * each at its Bayes-optimal point.
 */
export function evaluateMetrics(
  model: Jpvae,
  data: TwoViewData,
  fit: LatentFit,
  split: string,
  seed = 1,
  point?: PointKind,
): Metrics {
  const at = scoredPoints(point);
  const sampled = evaluateLoss(model, data, new Rng(seed));
  const mean = evaluateLoss(model, data, null);
  // Imputation and the latent statistics need both views: the complete rows.
  const full = completeRows(data),
    [n1, n2] = model.config.latent;
  const [Z1, Z2] = encodeMeans(model, full);
  const au = activeUnits(joinColumns(Z1, n1, Z2, n2, full.n), full.n, n1 + n2);
  return {
    split,
    n: data.n,
    complete_rows: full.n,
    recon: { x1: sampled.recon1, x2: sampled.recon2 },
    recon_mean: { x1: mean.recon1, x2: mean.recon2 },
    impute: { x1_given_x2: imputationNll(model, full, fit, 0), x2_given_x1: imputationNll(model, full, fit, 1) },
    active_units: { count: au, total: n1 + n2, fraction: au / (n1 + n2) },
    cross_corr_frobenius: frobenius(crossCorrelation(Z1, n1, Z2, n2, full.n)),
    elbo: sampled.elbo,
    latent_fit: { split: fit.split, rows: fit.rows },
    ...(model.views.some((v) => isCount(v.likelihood)) && {
      counts: {
        x1_given_x2: countImputation(model, full, fit, 0, at),
        x2_given_x1: countImputation(model, full, fit, 1, at),
        maeAt: at.mae,
        rmseAt: at.rmse,
      },
    }),
  };
}
