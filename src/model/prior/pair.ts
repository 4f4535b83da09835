// The two-view priors (§2.6: zero, orthogonal, svd) as joint priors over
// two latent blocks. Their kernels take the views with the smaller latent
// first (§2.4: n1 ≤ n2, so that C has orthonormal rows); the prior is
// symmetric in the views, so for n1 > n2 it takes them the other way
// round itself, and the user's numbering stays. A row with one view
// trains against that view's marginal, N(0, I): the orthogonal KL kernel
// with α = 0, which sees the missing view's posterior as N(0, I) too.

import { NULL } from '../../core/kernels.ts';
import type { Layout } from '../layout.ts';
import type { JointPrior, KlGrads, LatentBlock, PriorConfig, PriorContext } from './prior.ts';
import { orthogonalKl } from './orthogonal.ts';
import { svdKl } from './svd.ts';

/** A two-view KL kernel over (n1 ≤ n2): the orthogonal or svd parameterisation. */
export interface PairKl {
  prepare(P: number): void;
  /** The KL of the first and second view's blocks, in the kernel's order; their gradients into their dmu, dlv. */
  kl(P: number, rows: number, a: LatentBlock, b: LatentBlock, kl: number, g: KlGrads | null): void;
  /** C = Cov(z2, z1) in the kernel's order (n2×n1, row-major). */
  crossCovariance(): Float64Array;
}

export function pairPrior(ctx: PriorContext, layout: Layout, config: PriorConfig): JointPrior {
  const { k, latent, maxRows } = ctx;
  if (latent.length !== 2) throw new RangeError(`the ${config.kind} prior is for two views, got ${latent.length}`);
  // The kernel's first view: the one with the smaller latent (view 1 on a tie).
  const order = latent[0] > latent[1] ? [1, 0] : [0, 1];
  const [n1, n2] = order.map((i) => latent[i]);
  const pair = config.kind === 'svd' ? svdKl(k, layout, config, n1, n2) : orthogonalKl(k, layout, config, n1, n2);
  // A missing view's stand-ins: its posterior N(0, I) (zeros), a sink for its gradients, and O for α = 0.
  const n = n2;
  const zeros = k.heap.alloc(maxRows * n),
    sink = k.heap.alloc(maxRows * n),
    O = k.heap.alloc(n * n);

  return {
    config,
    prepare: (P) => pair.prepare(P),
    kl(P, rows, present, blocks, kl, g) {
      if (present.length === 2) {
        const [a, b] = order.map((i) => blocks[i]);
        return pair.kl(P, rows, a, b, kl, g);
      }
      const v = blocks[0];
      const [dmu, dlv, scale] = g ? [v.dmu, v.dlv, g.scale] : [NULL, NULL, 0];
      const nv = v.latent;
      // α = 0: the KL to N(0, I).
      k.orthoKl(rows, nv, nv, 0, v.mu, v.lv, zeros, zeros, O, kl, dmu, dlv, sink, sink, NULL, scale);
    },
    covariance(P) {
      // Σ = [[I, C₁₂],[C₂₁, I]] in the user's order from the kernel's C = Cov(z_second, z_first), for the
      // parameters at P (prepared here: a model just loaded has run no step that prepared them).
      pair.prepare(P);
      const C = pair.crossCovariance(),
        D = n1 + n2,
        S = new Float64Array(D * D),
        start = [0, latent[0]];
      for (let i = 0; i < D; i++) S[i * D + i] = 1;
      const [first, second] = order;
      for (let r = 0; r < n2; r++)
        for (let c = 0; c < n1; c++) {
          const row = start[second] + r,
            col = start[first] + c;
          S[row * D + col] = S[col * D + row] = C[r * n1 + c];
        }
      return S;
    },
  };
}
