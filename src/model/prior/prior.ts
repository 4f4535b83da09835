// The joint prior p_C = N(0, [[I, Cᵀ],[C, I]]) of Eq. 6 and its KL term
// (Eq. 9). Each parameterisation of C (§2.6) registers its free parameters
// in the layout and turns them into C (or O) once per step.

import type { Kernels } from '../../core/kernels.ts';

export type PriorKind = 'zero' | 'svd' | 'orthogonal';
export const PRIOR_KINDS: readonly PriorKind[] = ['zero', 'svd', 'orthogonal'];

export interface PriorConfig {
  kind: PriorKind;
  /** C = α·O for the orthogonal prior, |α| < 1 (paper: 0.95). */
  alpha: number;
  /**
   * Number of −1s in the Cayley map's J (§2.6). J = diag(1…1, −1…−1) is a
   * step function of the paper's free s, so its gradient is zero almost
   * everywhere and gradient descent never moves it: we fix it at
   * construction (default 0) and store it with the model.
   */
  flips: number;
}

/** Where the gradients of one KL evaluation go. */
export interface KlGrads {
  G: number; // gradient array (same layout as the parameters)
  dmu1: number;
  dlv1: number;
  dmu2: number;
  dlv2: number;
  scale: number;
}

export interface Prior {
  readonly config: PriorConfig;
  /** Turn the free parameters at P into the prior's matrix (call once per step, before kl). */
  prepare(P: number): void;
  /** kl[r] of Eq. 9 for each row; with grads, also accumulate scale·∇Σ_r kl[r] (prior parameters included). */
  kl(
    P: number,
    rows: number,
    mu1: number,
    lv1: number,
    mu2: number,
    lv2: number,
    kl: number,
    grads: KlGrads | null,
  ): void;
  /** C (n2×n1, row-major) for the current parameters. */
  crossCovariance(P: number): Float64Array;
}

export interface PriorContext {
  k: Kernels;
  n1: number;
  n2: number;
}
