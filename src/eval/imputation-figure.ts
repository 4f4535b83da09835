// The images of the paper's Figure 1 for one or more models: for one test
// digit of each class, the true image, then per model the true top with
// the imputed bottom, and the imputed top with the true bottom (the
// likelihood's mean of the decoded conditional mean of Eq. 12).

import { gatherRows, type TwoViewData } from '../data/dataset.ts';
import type { Jpvae } from '../model/jpvae.ts';
import { conditional, type LatentFit } from '../impute/conditional.ts';
import { imputeView } from '../impute/impute.ts';

/** First row of each label 0..9 (or the first ten rows when there are no labels). */
export function exampleRows(data: TwoViewData, count = 10): number[] {
  if (!data.labels) return Array.from({ length: Math.min(count, data.n) }, (_, i) => i);
  return Array.from({ length: count }, (_, d) => data.labels!.indexOf(d)).filter((r) => r >= 0);
}

const stack = (top: Float32Array, bottom: Float32Array): Float32Array => {
  const img = new Float32Array(top.length + bottom.length);
  img.set(top);
  img.set(bottom, top.length);
  return img;
};

export interface ImputationGrid {
  /** Per column: the model's name ('' for the true image) and what the column shows. */
  columns: { model: string; shows: 'true image' | 'imputed bottom' | 'imputed top' }[];
  /** Per example row: its label (or row number) and one image per column, values in [0, 1], row-major height×width. */
  rows: { label: number; images: Float32Array[] }[];
  height: number;
  width: number;
}

/** The Figure 1 images of named models on `data` (views stacked top over bottom, `width` pixels wide). */
export function imputationGrid(
  models: { name: string; model: Jpvae; fit: LatentFit }[],
  data: TwoViewData,
  width = 28,
): ImputationGrid {
  const rows = exampleRows(data),
    d1 = data.dim1,
    d2 = data.dim2;
  const top = gatherRows(data.x1, d1, rows),
    bottom = gatherRows(data.x2, d2, rows);
  const half = (x: Float32Array, d: number, i: number) => x.subarray(i * d, (i + 1) * d);
  const imputed = models.map(({ model, fit }) => ({
    bottom: imputeView(model, conditional(fit, 1), top, rows.length),
    top: imputeView(model, conditional(fit, 0), bottom, rows.length),
  }));
  return {
    columns: [
      { model: '', shows: 'true image' },
      ...models.flatMap(({ name }) => [
        { model: name, shows: 'imputed bottom' as const },
        { model: name, shows: 'imputed top' as const },
      ]),
    ],
    rows: rows.map((r, i) => ({
      label: data.labels ? data.labels[r] : r + 1,
      images: [
        stack(half(top, d1, i), half(bottom, d2, i)),
        ...imputed.flatMap((m) => [
          stack(half(top, d1, i), half(m.bottom, d2, i)),
          stack(half(m.top, d1, i), half(bottom, d2, i)),
        ]),
      ],
    })),
    height: (d1 + d2) / width,
    width,
  };
}
