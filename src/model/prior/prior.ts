// The joint prior over the views' latent blocks z = (z_1, …, z_M), each
// marginal N(0, I) (Eq. 6), and its KL term (Eq. 9). A row with a subset
// S of the views trains against the marginal prior of S: the same
// Gaussian with the other blocks dropped, so its ELBO is exact for the
// views it has. Each parameterisation (§2.6 for two views, the shared
// factor for any number) registers its free parameters in the layout and
// turns them into its matrices once per step, in `prepare`.

import type { Kernels } from '../../core/kernels.ts';
import type { ViewVae } from '../view-vae.ts';

/**
 * zero: independent views (C = 0); orthogonal: C = α·O, O from a Cayley
 * map (§2.6 (a), two views); svd: C = U·diag(σ)·Vᵀ with σ < 1 (§2.6 (b),
 * two views); factor: Σ_ij = α·A_i·A_jᵀ over a shared factor (any number
 * of views; prior/factor.ts).
 */
export type PriorKind = 'zero' | 'svd' | 'orthogonal' | 'factor';
export const PRIOR_KINDS: readonly PriorKind[] = ['zero', 'svd', 'orthogonal', 'factor'];
/** The kinds that parameterise the cross-covariance of exactly two views. */
export const PAIR_KINDS: readonly PriorKind[] = ['svd', 'orthogonal'];

export interface PriorConfig {
  kind: PriorKind;
  /** orthogonal: C = α·O, |α| < 1 (paper: 0.95); factor: Σ_ij = α·A_i·A_jᵀ, 0 ≤ α < 1; unused by zero and svd. */
  alpha: number;
  /**
   * Two-view priors: the number of −1s in the Cayley map's J (§2.6). J is
   * a step function of the paper's free s, so its gradient is zero almost
   * everywhere and gradient descent never moves it: it is fixed at
   * construction (default 0) and stored with the model.
   */
  flips?: number;
  /** factor: K, the shared factor's size (default: the largest latent size). */
  factors?: number;
}

/** A view's latent buffers as the KL reads them (rows × its latent size): μ, log σ², and their gradients. */
export type LatentBlock = Pick<ViewVae, 'latent' | 'mu' | 'lv' | 'dmu' | 'dlv'>;

/** Where a KL's parameter gradients go, and its scale. */
export interface KlGrads {
  G: number;
  scale: number;
}

export interface JointPrior {
  readonly config: PriorConfig;
  /** Turn the free parameters at P into the prior's matrices (once per step, before kl). */
  prepare(P: number): void;
  /**
   * kl[r] of Eq. 9 for rows whose views are `present` (view indices,
   * ascending) against their marginal prior; blocks[a] holds view
   * present[a]'s latents. With grads, add scale·∇Σ_r kl[r] to the blocks'
   * dmu, dlv and to the prior's parameters in G.
   */
  kl(
    P: number,
    rows: number,
    present: readonly number[],
    blocks: readonly LatentBlock[],
    kl: number,
    grads: KlGrads | null,
  ): void;
  /** Σ of the joint prior (D×D, row-major, blocks in view order) for the parameters at P. */
  covariance(P: number): Float64Array;
}

/** What a prior is built for: the kernels, each view's latent size, and the rows its buffers hold. */
export interface PriorContext {
  k: Kernels;
  latent: readonly number[];
  maxRows: number;
}
