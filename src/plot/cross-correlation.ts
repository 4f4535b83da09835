// Figure 4 as a Vega-Lite spec: per model, the correlation between each
// unit of z1 (rows) and each unit of z2 (columns) of the posterior means,
// side by side on one diverging colour scale with one shared colorbar,
// each panel titled with its Frobenius norm.

import type { VegaLiteSpec } from './render.ts';

export interface CorrelationPanel {
  name: string;
  corr: ArrayLike<number>; // n1×n2, row-major
  n1: number;
  n2: number;
  frobenius: number;
}

/** Pixels per cell. */
const CELL = 12;

export function crossCorrelationSpec(panels: CorrelationPanel[], title = 'Latent cross-correlation'): VegaLiteSpec {
  return {
    title: { text: title, subtitle: 'correlation of the posterior means of z1 and z2 on the test rows' },
    hconcat: panels.map((p) => ({
      title: `${p.name}: ‖corr‖F = ${p.frobenius.toFixed(3)}`,
      width: p.n2 * CELL,
      height: p.n1 * CELL,
      data: {
        values: Array.from({ length: p.n1 * p.n2 }, (_, t) => ({
          z1: Math.floor(t / p.n2) + 1,
          z2: (t % p.n2) + 1,
          r: p.corr[t],
        })),
      },
      mark: 'rect',
      encoding: {
        x: { field: 'z2', type: 'ordinal', title: 'unit of z2', axis: { labelAngle: 0 } },
        y: { field: 'z1', type: 'ordinal', title: 'unit of z1' },
        color: {
          field: 'r',
          type: 'quantitative',
          title: 'correlation',
          scale: { domain: [-1, 1], scheme: 'redblue', reverse: true },
          legend: { gradientLength: Math.max(120, p.n1 * CELL) },
        },
      },
    })),
    resolve: { scale: { color: 'shared' }, legend: { color: 'shared' } },
  };
}
