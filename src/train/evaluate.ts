// Loss terms of a model over a whole data set, forward only, in batches of
// the model's buffer size. With an Rng, z is sampled once per row (the
// paper's evaluation protocol); without one, z is
// the posterior mean.

import { forEachBatch, type TwoViewData } from '../data/dataset.ts';
import type { Rng } from '../data/rng.ts';
import type { Jpvae } from '../model/jpvae.ts';
import { addTerms, zeroTerms, type TermSums } from '../model/loss-terms.ts';

export interface LossSummary {
  recon1: number;
  recon2: number;
  kl: number;
  /** Evidence lower bound per row (β = 1): −(recon1 + recon2 + kl); with missing views, a sum of per-view means. */
  elbo: number;
}

/** Per-row means: each view's reconstruction over the rows that have it, the KL over all rows. */
export function meanTerms(t: TermSums): LossSummary {
  const recon1 = t.n1 ? t.recon1 / t.n1 : 0,
    recon2 = t.n2 ? t.recon2 / t.n2 : 0,
    kl = t.kl / t.rows;
  return { recon1, recon2, kl, elbo: -(recon1 + recon2 + kl) };
}

export function evaluateLoss(model: Jpvae, data: TwoViewData, rng: Rng | null): LossSummary {
  const total = zeroTerms();
  forEachBatch(data.n, model.maxRows, (_, idx) => addTerms(total, model.loss(data, idx, 1, rng)));
  return meanTerms(total);
}
