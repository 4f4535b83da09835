// The posterior means of a data set's rows, both views: what the latent
// Gaussian of Eq. 12 is fitted to, and what the latent statistics (Fig. 4,
// active units) are computed from.

import { forEachBatch, type TwoViewData } from '../data/dataset.ts';
import type { Jpvae } from '../model/jpvae.ts';

/** Posterior means μ1(x1), μ2(x2) of every row (n×n1, n×n2, f64). */
export function encodeMeans(model: Jpvae, data: TwoViewData): [Float64Array, Float64Array] {
  const [n1, n2] = model.config.latent;
  const out: [Float64Array, Float64Array] = [new Float64Array(data.n * n1), new Float64Array(data.n * n2)];
  forEachBatch(data.n, model.maxRows, (start, idx) => {
    model.setInputs(data, idx);
    for (const i of [0, 1] as const) {
      const v = model.views[i];
      model.encode(i, idx.length);
      out[i].set(model.k.heap.view(v.mu, idx.length * v.latent), start * v.latent);
    }
  });
  return out;
}
