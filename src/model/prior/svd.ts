// C = U·diag(σ(s))·Vᵀ with U, V Cayley-orthogonal and σ(s) = tanh(s/2) ∈
// (−1, 1) (§2.6 option (b), Theorem 2.1): σ1(C) < 1, so Σ_C is positive
// definite for any parameters. The KL is the general Eq. 9 (jointKl).

import { NULL, cayleyWork, jointKlWork, type Kernels } from '../../core/kernels.ts';
import type { Layout } from '../layout.ts';
import type { PriorConfig } from './prior.ts';
import type { PairKl } from './pair.ts';

export function svdKl(k: Kernels, layout: Layout, config: PriorConfig, n1: number, n2: number): PairKl {
  const flips = config.flips ?? 0;
  const freeU = layout.add('prior.cayley_u', [n2, n2]).offset;
  const freeV = layout.add('prior.cayley_v', [n1, n1]).offset;
  const s = layout.add('prior.singular', [n1]).offset;
  const alloc = (n: number) => k.heap.alloc(n);
  const U = alloc(n2 * n1),
    V = alloc(n1 * n1),
    C = alloc(n2 * n1);
  const dU = alloc(n2 * n1),
    dV = alloc(n1 * n1),
    dC = alloc(n2 * n1);
  const work = alloc(Math.max(cayleyWork(n2), jointKlWork(n1, n2)));

  return {
    prepare(P) {
      k.cayley(n2, n1, flips, P + freeU, U, work);
      k.cayley(n1, n1, /* flips */ 0, P + freeV, V, work);
      k.svdCompose(n1, n2, U, P + s, V, C);
    },
    kl(P, rows, a, b, kl, g) {
      const [mu1, lv1, mu2, lv2] = [a.mu, a.lv, b.mu, b.lv];
      if (!g)
        return k.jointKl(rows, n1, n2, mu1, lv1, mu2, lv2, C, kl, NULL, NULL, NULL, NULL, NULL, /* scale */ 0, work);
      k.heap.view(dU, n2 * n1).fill(0);
      k.heap.view(dV, n1 * n1).fill(0);
      k.heap.view(dC, n2 * n1).fill(0);
      k.jointKl(rows, n1, n2, mu1, lv1, mu2, lv2, C, kl, a.dmu, a.dlv, b.dmu, b.dlv, dC, g.scale, work);
      k.svdComposeBackward(n1, n2, U, P + s, V, dC, dU, g.G + s, dV);
      k.cayleyBackward(n2, n1, flips, P + freeU, dU, g.G + freeU, work);
      k.cayleyBackward(n1, n1, /* flips */ 0, P + freeV, dV, g.G + freeV, work);
    },
    crossCovariance() {
      return Float64Array.from(k.heap.view(C, n2 * n1));
    },
  };
}
