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
