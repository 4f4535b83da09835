// The joint prior of a config: the shared factor for any number of views
// (zero is its α = 0), the §2.6 parameterisations for two. Two-view models
// keep the §2.6 kernels for zero too, so their weights stay those of the
// paper's model bit for bit.

import type { Layout } from '../layout.ts';
import { FactorPrior } from './factor.ts';
import { pairPrior } from './pair.ts';
import type { JointPrior, PriorConfig, PriorContext } from './prior.ts';

export function createPrior(ctx: PriorContext, layout: Layout, config: PriorConfig): JointPrior {
  const pair = config.kind !== 'factor' && ctx.latent.length === 2;
  return pair ? pairPrior(ctx, layout, config) : new FactorPrior(ctx, layout, config);
}

export * from './prior.ts';
