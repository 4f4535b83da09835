// Metrics of an M-view model on one split: each view's reconstruction
// (one sampled z per row, and the posterior mean), and each view's
// imputation from every non-empty subset of the other views (Eq. 12 over
// blocks), keyed as `x2_given_x1_x3`. Losses are −log p(x_t | decoded),
// BCE for Bernoulli views, summed over a view's features and averaged over
// the rows that have the target and every given view.

import { forEachBatch } from '../data/dataset.ts';
import { viewsOf, type MultiViewData } from '../data/multi-view.ts';
import { Rng } from '../data/rng.ts';
import { blockConditional } from '../impute/block-conditional.ts';
import { decodeConditional, type MultiLatentFit } from '../impute/multi-impute.ts';
import type { MultiJpvae } from '../model/multi-jpvae.ts';
import { evaluateMultiLoss } from '../train/multi-fit.ts';

export interface MultiMetrics {
  split: string;
  n: number;
  recon: Record<string, number>; // x1 … xM
  recon_mean: Record<string, number>;
  impute: Record<string, number>; // xT_given_xA_xB…
  impute_rows: Record<string, number>; // how many rows each imputation loss averages over
  kl: number;
  latent_fit: { rows: number; complete: number };
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
export function multiImputationNll(
  model: MultiJpvae,
  data: MultiViewData,
  fit: MultiLatentFit,
  given: number[],
  target: number,
): { loss: number; rows: number } {
  const need = [...given, target].reduce((m, i) => m | (1 << i), 0);
  const rows = Uint32Array.from(
    Array.from({ length: data.n }, (_, r) => r).filter((r) => !data.present || (data.present[r] & need) === need),
  );
  const c = blockConditional(fit.mean, fit.cov, fit.latent, given, [target]),
    v = model.views[target];
  let total = 0;
  forEachBatch(rows.length, model.maxRows, (start, idx) => {
    const batch = rows.subarray(start, start + idx.length);
    for (const i of given) model.views[i].setInput(data.xs[i], batch);
    v.setInput(data.xs[target], batch);
    const [out] = decodeConditional(model, c, batch.length);
    total += v.nll(model.P, model.G, batch.length, out, null);
  });
  return { loss: rows.length ? total / rows.length : NaN, rows: rows.length };
}

export function evaluateMultiMetrics(
  model: MultiJpvae,
  data: MultiViewData,
  fit: MultiLatentFit,
  split: string,
  seed = 1,
): MultiMetrics {
  const sampled = evaluateMultiLoss(model, data, new Rng(seed)),
    mean = evaluateMultiLoss(model, data, null);
  const name = (i: number) => `x${i + 1}`;
  const impute: Record<string, number> = {},
    impute_rows: Record<string, number> = {};
  for (const target of viewsOf(model.fullMask))
    for (const given of givenSets(model.m, target)) {
      const { loss, rows } = multiImputationNll(model, data, fit, given, target);
      impute[imputeKey(target, given)] = loss;
      impute_rows[imputeKey(target, given)] = rows;
    }
  return {
    split,
    n: data.n,
    recon: Object.fromEntries(sampled.recon.map((x, i) => [name(i), x])),
    recon_mean: Object.fromEntries(mean.recon.map((x, i) => [name(i), x])),
    impute,
    impute_rows,
    kl: sampled.kl,
    latent_fit: { rows: fit.rows, complete: fit.complete },
  };
}
