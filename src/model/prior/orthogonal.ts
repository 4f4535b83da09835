// C = α·O with O = J(I + A)(I − A)⁻¹ semi-orthogonal (§2.6, Theorem 2.2):
// Σ_C is positive definite for |α| < 1 whatever A is. The KL uses the
// closed form of App. A.2 (orthoKl): no matrix inverse in the step. The
// zero prior is the same kernel with α = 0 (two independent VAEs).

import { NULL, cayleyWork, type Kernels } from '../../core/kernels.ts';
import type { Layout } from '../layout.ts';
import type { PriorConfig } from './prior.ts';
import type { PairKl } from './pair.ts';

export function orthogonalKl(k: Kernels, layout: Layout, config: PriorConfig, n1: number, n2: number): PairKl {
  const zero = config.kind === 'zero';
  const alpha = zero ? 0 : config.alpha,
    flips = config.flips ?? 0;
  // Free n2×n2 matrix whose strict upper triangle is the skew part of A.
  const free = zero ? -1 : layout.add('prior.cayley', [n2, n2]).offset;
  const O = k.heap.alloc(n2 * n1);
  const dO = zero ? NULL : k.heap.alloc(n2 * n1);
  const work = zero ? NULL : k.heap.alloc(cayleyWork(n2));

  return {
    prepare(P) {
      if (!zero) k.cayley(n2, n1, flips, P + free, O, work);
    },
    kl(P, rows, a, b, kl, g) {
      const [mu1, lv1, mu2, lv2] = [a.mu, a.lv, b.mu, b.lv];
      if (!g)
        return k.orthoKl(rows, n1, n2, alpha, mu1, lv1, mu2, lv2, O, kl, NULL, NULL, NULL, NULL, NULL, /* scale */ 0);
      if (!zero) k.heap.view(dO, n2 * n1).fill(0);
      k.orthoKl(rows, n1, n2, alpha, mu1, lv1, mu2, lv2, O, kl, a.dmu, a.dlv, b.dmu, b.dlv, dO, g.scale);
      if (!zero) k.cayleyBackward(n2, n1, flips, P + free, dO, g.G + free, work);
    },
    crossCovariance() {
      return Float64Array.from(k.heap.view(O, n2 * n1), (o) => alpha * o);
    },
  };
}
