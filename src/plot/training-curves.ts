// Training curves as a Vega-Lite spec, from a model's per-epoch history:
// the loss (train: β-weighted −ELBO over the epoch's steps; held-out:
// −ELBO with β = 1), each view's reconstruction term and the KL of Eq. 9,
// per epoch, train and held-out rows in two colours.

import type { EpochRecord } from '../train/trainer.ts';
import type { VegaLiteSpec } from './render.ts';

export const CURVE_PANELS = ['loss', 'reconstruction', 'KL'] as const;

export function trainingCurvesSpec(
  models: { name: string; history: EpochRecord[] }[],
  title = 'Training curves',
  heldOut = 'held-out',
): VegaLiteSpec {
  const values: Record<string, unknown>[] = [];
  for (const { name, history } of models)
    for (const h of history)
      for (const [split, s] of [
        ['train', h.train],
        [heldOut, h.test],
      ] as const) {
        if (!s) continue;
        const point = (panel: string, term: string, value: number) =>
          values.push({ model: name, epoch: h.epoch, split, panel, term, value });
        point('loss', 'total', 'loss' in s ? s.loss : -s.elbo);
        s.recon.forEach((r, i) => point('reconstruction', `view ${i + 1}`, r));
        point('KL', 'total', s.kl);
      }
  return {
    title: { text: title, subtitle: 'per epoch; losses per row in nats (Bernoulli views: BCE)' },
    data: { values },
    facet: {
      row: { field: 'panel', type: 'nominal', sort: [...CURVE_PANELS], title: null },
      column: { field: 'model', type: 'nominal', sort: models.map((m) => m.name), title: null },
    },
    spec: {
      width: 320,
      height: 150,
      mark: { type: 'line' },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
        y: { field: 'value', type: 'quantitative', title: 'nats per row', scale: { zero: false } },
        color: { field: 'split', type: 'nominal', title: 'rows', sort: ['train', heldOut] },
        strokeDash: { field: 'term', type: 'nominal', title: 'term', sort: ['total', 'view 1', 'view 2'] },
        detail: { field: 'term' },
      },
    },
    resolve: { scale: { y: 'independent' } },
  };
}
