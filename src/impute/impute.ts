// Impute one view from the other through the model (§2.7): encode the
// given view to its posterior mean, map it through the latent conditional
// (Eq. 12), decode with the other view's decoder.

import type { Jpvae } from '../model/jpvae.ts';
import { conditionalLatent, type Conditional } from './conditional.ts';

/**
 * For the rows in the given view's input buffer, write the imputed latent
 * of view `c.target` into its z buffer and decode it; returns the logits'
 * heap index. With `noise`, z is a draw from the conditional (multiple
 * imputation) instead of its mean.
 */
export function imputeRows(model: Jpvae, c: Conditional, rows: number, noise?: () => number): number {
  const given = (1 - c.target) as 0 | 1;
  const k = model.k, vj = model.views[given], vi = model.views[c.target];
  model.encode(given, rows);
  conditionalLatent(c, k.heap.view(vj.mu, rows * vj.latent), rows, k.heap.view(vi.z, rows * vi.latent), noise);
  return model.decode(c.target, rows);
}

/**
 * Impute view `c.target` for n rows of the other view's data (n×dim_j):
 * Bernoulli probabilities σ(logits), n×dim_i. With `noise`, one draw from
 * the latent conditional per row instead of its mean.
 */
export function imputeView(model: Jpvae, c: Conditional, given: Float32Array, n: number, noise?: () => number): Float32Array {
  const j = (1 - c.target) as 0 | 1, dim = model.views[c.target].dim;
  const out = new Float32Array(n * dim), index = new Uint32Array(model.maxRows);
  for (let start = 0; start < n; start += model.maxRows) {
    const rows = Math.min(model.maxRows, n - start);
    for (let r = 0; r < rows; r++) index[r] = start + r;
    model.setInput(j, given, index.subarray(0, rows));
    const logits = model.k.heap.view(imputeRows(model, c, rows, noise), rows * dim);
    for (let t = 0; t < rows * dim; t++) out[start * dim + t] = 1 / (1 + Math.exp(-logits[t]));
  }
  return out;
}
