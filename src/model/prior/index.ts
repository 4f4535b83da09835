import type { Layout } from '../layout.ts';
import { orthogonalPrior } from './orthogonal.ts';
import type { Prior, PriorConfig, PriorContext } from './prior.ts';
import { svdPrior } from './svd.ts';

export function createPrior(ctx: PriorContext, layout: Layout, config: PriorConfig): Prior {
  return config.kind === 'svd' ? svdPrior(ctx, layout, config) : orthogonalPrior(ctx, layout, config);
}

export * from './prior.ts';
