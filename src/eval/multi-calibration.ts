// Calibration of an M-view model's imputations (`jpvae eval --samples K`
// for three or more views): each view's K draws from the conditional given
// every other view (Eq. 12 over the latent blocks), on the rows that have
// every view, scored as the two-view calibration scores them
// (calibration.ts): coverage, CRPS and the PIT for Gaussian views, Brier and
// log scores for Bernoulli views, and for count views the predictive NLL of
// the mixture of K count pmfs at K latent draws.

import { forEachBatch, gatherRows } from '../data/dataset.ts';
import { viewsOf, type MultiViewData } from '../data/multi-view.ts';
import { Rng } from '../data/rng.ts';
import { InputError } from '../errors.ts';
import { blockConditional } from '../impute/block-conditional.ts';
import { drawsOf, type DrawKind } from '../impute/impute.ts';
import { imputeMulti, type MultiLatentFit } from '../impute/multi-impute.ts';
import type { MultiJpvae } from '../model/multi-jpvae.ts';
import { DRAW_ROWS, viewScores, type ViewCalibration } from './calibration.ts';
import { imputeKey, rowsWith } from './multi-metrics.ts';

export interface MultiCalibration {
  samples: number; // K draws per row
  draws: DrawKind;
  seed: number;
  rows: number; // rows with every view
  /** Per view, keyed as the imputation losses (x2_given_x1_x3): its draws given every other view. */
  impute: Record<string, ViewCalibration>;
}

/**
 * K draws of each view of `data`'s rows with every view, given all the
 * others, of `kind`, from one Rng(seed) (view 1's draws first). Throws
 * when no row has every view.
 */
export function evaluateMultiCalibration(
  model: MultiJpvae,
  data: MultiViewData,
  fit: MultiLatentFit,
  o: { samples: number; seed?: number; draws?: DrawKind },
): MultiCalibration {
  const K = o.samples,
    seed = o.seed ?? 1,
    kind = o.draws ?? 'predictive',
    rng = new Rng(seed);
  const all = viewsOf(model.fullMask),
    rows = rowsWith(data, all);
  if (!rows.length)
    throw new InputError(`samples: no row has all ${all.length} views; calibration scores rows with every view`);
  const xs = all.map((i) => gatherRows(data.xs[i], data.dims[i], rows)), // each view's complete rows, once
    part = (i: number, start: number, n: number) => xs[i].subarray(start * data.dims[i], (start + n) * data.dims[i]);
  const impute: Record<string, ViewCalibration> = {};
  for (const target of all) {
    const v = model.views[target],
      given = all.filter((i) => i !== target);
    const { scores, kind: drawn } = viewScores(v.likelihood, v.dim, K, v.dispersion(model.P), kind);
    const c = blockConditional(fit.mean, fit.cov, fit.latent, given, [target]),
      draws = drawsOf(drawn, rng);
    forEachBatch(rows.length, Math.max(1, Math.floor(DRAW_ROWS / K)), (start, idx) => {
      const n = idx.length;
      const [out] = imputeMulti(
        model,
        c,
        given.map((i) => part(i, start, n)),
        n,
        draws,
        K,
      );
      scores.add(part(target, start, n), out, n);
    });
    impute[imputeKey(target, given)] = scores.result();
  }
  return { samples: K, draws: kind, seed, rows: rows.length, impute };
}
