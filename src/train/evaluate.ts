// Loss terms of a model over a whole data set, forward only, in batches of
// the model's buffer size. With an Rng, z is sampled once per row (the
// paper's protocol, REFERENCE.md "Evaluation protocol"); without one, z is
// the posterior mean.

import { forEachBatch, type TwoViewData } from '../data/dataset.ts';
import type { Rng } from '../data/rng.ts';
import type { Jpvae } from '../model/jpvae.ts';

export interface LossSummary {
  recon1: number; recon2: number; kl: number;
  /** Evidence lower bound per row (β = 1): −(recon1 + recon2 + kl). */
  elbo: number;
}

export function summarise(recon1: number, recon2: number, kl: number): LossSummary {
  return { recon1, recon2, kl, elbo: -(recon1 + recon2 + kl) };
}

export function evaluateLoss(model: Jpvae, data: TwoViewData, rng: Rng | null): LossSummary {
  let r1 = 0, r2 = 0, kl = 0;
  forEachBatch(data.n, model.maxRows, (_, idx) => {
    const rows = idx.length;
    model.setInputs(data, idx);
    model.setNoise(rows, rng);
    const t = model.loss(rows, 1, false);
    r1 += t.recon1 * rows; r2 += t.recon2 * rows; kl += t.kl * rows;
  });
  return summarise(r1 / data.n, r2 / data.n, kl / data.n);
}
