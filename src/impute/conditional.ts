// Imputation in latent space (§2.7, Eq. 12): with z = (z1, z2) jointly
// Gaussian N(m, Σ), z_i | z_j = a ~ N(m_i + Σ_ij Σ_jj⁻¹ (a − m_j),
// Σ_ii − Σ_ij Σ_jj⁻¹ Σ_ji). Two sources of (m, Σ):
// - `fit`: the maximum-likelihood Gaussian of the posterior means of the
//   TRAINING rows (the product's default; the paper fits on the evaluated
//   split, which leaks the held-out views into the fit);
// - `prior`: the model's own joint prior, m = 0, Σ = Σ_C of Eq. 6.

import { encodeMeans } from './posterior-means.ts';
import type { TwoViewData } from '../data/dataset.ts';
import type { Jpvae } from '../model/jpvae.ts';
import { joinColumns, meanCov } from '../linalg/dense.ts';
import { blockConditional } from './block-conditional.ts';

export interface LatentFit {
  n1: number;
  n2: number;
  rows: number; // how many rows the fit saw
  split: string; // which rows: always training rows
  mean: number[]; // n1+n2
  cov: number[]; // (n1+n2)², row-major
}

export type ConditionalSource = 'fit' | 'prior';

/** E[z_i | z_j = a] = offset + gain·a, and the conditional covariance (with its Cholesky factor, for sampling). */
export interface Conditional {
  target: 0 | 1; // the view imputed (i)
  nIn: number;
  nOut: number; // n_j, n_i
  gain: Float64Array; // n_i×n_j: Σ_ij Σ_jj⁻¹
  offset: Float64Array; // n_i: m_i − gain·m_j
  cov: Float64Array; // n_i×n_i
  covChol: Float64Array; // lower factor of cov (zero where cov is singular)
}

export function fitLatent(model: Jpvae, train: TwoViewData, split = 'train'): LatentFit {
  const [n1, n2] = model.config.latent;
  const [Z1, Z2] = encodeMeans(model, train);
  const { mean, cov } = meanCov(joinColumns(Z1, n1, Z2, n2, train.n), train.n, n1 + n2);
  return { n1, n2, rows: train.n, split, mean: Array.from(mean), cov: Array.from(cov) };
}

/** The joint prior as a Gaussian over (z1, z2): mean 0, Σ_C = [[I, Cᵀ],[C, I]] (Eq. 6). */
export function priorGaussian(model: Jpvae): LatentFit {
  const [n1, n2] = model.config.latent,
    d = n1 + n2;
  const C = model.crossCovariance();
  const cov = new Array(d * d).fill(0);
  for (let i = 0; i < d; i++) cov[i * d + i] = 1;
  for (let r = 0; r < n2; r++)
    for (let c = 0; c < n1; c++) {
      cov[(n1 + r) * d + c] = C[r * n1 + c];
      cov[c * d + n1 + r] = C[r * n1 + c];
    }
  return { n1, n2, rows: 0, split: 'prior', mean: new Array(d).fill(0), cov };
}

/** The conditional of view `target`'s latent given the other's (Eq. 12). */
export function conditional(g: LatentFit, target: 0 | 1): Conditional {
  const { given: _g, target: _t, ...c } = blockConditional(g.mean, g.cov, [g.n1, g.n2], [1 - target], [target]);
  return { target, ...c };
}

/** z_i for each row of z_j (rows×n_j): the conditional mean, plus L·eps_r when `eps` (rows×n_i N(0, 1) values) is given: a draw from the conditional. */
export function conditionalLatent(
  c: Pick<Conditional, 'nIn' | 'nOut' | 'gain' | 'offset' | 'covChol'>,
  zj: ArrayLike<number>,
  rows: number,
  out: Float32Array | Float64Array,
  eps?: ArrayLike<number>,
): void {
  for (let r = 0; r < rows; r++) {
    for (let a = 0; a < c.nOut; a++) {
      let z = c.offset[a];
      for (let b = 0; b < c.nIn; b++) z += c.gain[a * c.nIn + b] * zj[r * c.nIn + b];
      if (eps) for (let b = 0; b <= a; b++) z += c.covChol[a * c.nOut + b] * eps[r * c.nOut + b];
      out[r * c.nOut + a] = z;
    }
  }
}
