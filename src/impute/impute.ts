// Impute one view from the other through the model (§2.7): encode the
// given view to its posterior mean, map it through the latent conditional
// (Eq. 12), decode with the other view's decoder. Reconstruction is the
// same path with the identity map on one view.

import type { FloatArray } from '../core/heap.ts';
import type { Jpvae } from '../model/jpvae.ts';
import { forEachBatch } from '../data/dataset.ts';
import { conditionalLatent, type Conditional } from './conditional.ts';

/** Writes view `to`'s latent z (rows×n_to) from view `from`'s posterior means mu (rows×n_from). */
type LatentMap = (rows: number, mu: FloatArray, z: FloatArray) => void;

/** For the rows in view `from`'s input buffer: encode, map the latent, decode view `to`; returns the logits' heap index. */
function decodeRows(model: Jpvae, from: 0 | 1, to: 0 | 1, rows: number, map: LatentMap): number {
  const k = model.k, vf = model.views[from], vt = model.views[to];
  model.encode(from, rows);
  map(rows, k.heap.view(vf.mu, rows * vf.latent), k.heap.view(vt.z, rows * vt.latent));
  return model.decode(to, rows);
}

const conditionalMap = (c: Conditional, noise?: () => number): LatentMap => (rows, mu, z) => conditionalLatent(c, mu, rows, z, noise);

/**
 * Imputed logits of view `c.target` for the rows in the other view's input
 * buffer. With `noise`, z is a draw from the conditional (multiple
 * imputation) instead of its mean.
 */
export function imputeRows(model: Jpvae, c: Conditional, rows: number, noise?: () => number): number {
  return decodeRows(model, (1 - c.target) as 0 | 1, c.target, rows, conditionalMap(c, noise));
}

/** The mean of p(x_to | z) (Bernoulli: σ(logits); Gaussian: the decoder's output) for n rows of view `from`'s data. */
function decodeView(model: Jpvae, from: 0 | 1, to: 0 | 1, input: Float32Array, n: number, map: LatentMap): Float32Array {
  const { dim, likelihood } = model.views[to], out = new Float32Array(n * dim);
  const mean = likelihood.kind === 'bernoulli' ? (x: number) => 1 / (1 + Math.exp(-x)) : (x: number) => x;
  forEachBatch(n, model.maxRows, (start, idx) => {
    model.setInput(from, input, idx);
    const o = model.k.heap.view(decodeRows(model, from, to, idx.length, map), idx.length * dim);
    for (let t = 0; t < o.length; t++) out[start * dim + t] = mean(o[t]);
  });
  return out;
}

/** Impute view `c.target` (the likelihood's mean, n×dim_i) from n rows of the other view. */
export function imputeView(model: Jpvae, c: Conditional, given: Float32Array, n: number, noise?: () => number): Float32Array {
  return decodeView(model, (1 - c.target) as 0 | 1, c.target, given, n, conditionalMap(c, noise));
}

/** Reconstruct view i (the likelihood's mean) from its own data, decoding the posterior mean. */
export function reconstructView(model: Jpvae, i: 0 | 1, x: Float32Array, n: number): Float32Array {
  return decodeView(model, i, i, x, n, (_rows, mu, z) => z.set(mu));
}
