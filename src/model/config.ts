// What defines a JPVAE model: view widths, layer sizes, latent sizes and the
// prior. Stored in model.json; everything else is derived from it.

import { InputError } from '../errors.ts';
import { PRIOR_KINDS, type PriorConfig } from './prior/prior.ts';

/**
 * p(x_i | z_i) of a view: Bernoulli on logits (binary data such as
 * hvdMNIST, Eq. 1's reconstruction term as BCE), or Gaussian with a
 * per-feature log-variance that is learnt, or fixed at log(variance).
 */
export type Likelihood = { kind: 'bernoulli' } | { kind: 'gaussian'; variance: 'learnt' | number };
export const BERNOULLI: Likelihood = { kind: 'bernoulli' };

export interface ModelConfig {
  dims: [number, number]; // features of view 1 and view 2
  hidden: number[]; // encoder hidden widths; decoders mirror them (REFERENCE.md: 512, 512)
  latent: [number, number]; // n1 ≤ n2 (§2.4)
  prior: PriorConfig;
  likelihood?: [Likelihood, Likelihood]; // default: Bernoulli for both
}

export const likelihoodOf = (c: ModelConfig, i: 0 | 1): Likelihood => c.likelihood?.[i] ?? BERNOULLI;

export const DEFAULT_HIDDEN = [512, 512];
export const DEFAULT_LATENT: [number, number] = [20, 20];
export const DEFAULT_ALPHA = 0.95;

/** One clear line for each way a config can be wrong. */
export function checkConfig(c: ModelConfig): ModelConfig {
  const posInt = (x: number) => Number.isInteger(x) && x > 0;
  if (!c.dims.every(posInt)) throw new InputError(`view widths must be positive integers, got ${c.dims.join(',')}`);
  if (!c.hidden.length || !c.hidden.every(posInt)) throw new InputError(`--hidden: expected positive integers like 512,512, got ${c.hidden.join(',')}`);
  if (!c.latent.every(posInt)) throw new InputError(`--latent: expected positive integers n1[,n2], got ${c.latent.join(',')}`);
  if (c.latent[0] > c.latent[1]) {
    throw new InputError(`--latent: n1 = ${c.latent[0]} > n2 = ${c.latent[1]}; the prior needs n1 ≤ n2 (§2.4): swap the views (and their latent sizes)`);
  }
  if (!PRIOR_KINDS.includes(c.prior.kind)) throw new InputError(`--prior: expected one of ${PRIOR_KINDS.join(', ')}, got '${c.prior.kind}'`);
  if (!(Math.abs(c.prior.alpha) < 1)) throw new InputError(`--alpha: expected −1 < α < 1 (Theorem 2.2), got ${c.prior.alpha}`);
  if (!Number.isInteger(c.prior.flips) || c.prior.flips < 0 || c.prior.flips > c.latent[1]) {
    throw new InputError(`--flips: expected an integer from 0 to n2 = ${c.latent[1]}, got ${c.prior.flips}`);
  }
  return c;
}
