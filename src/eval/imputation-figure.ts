// The paper's Figure 1 for one or more models: for one test digit of each
// class, the true image, then per model the true top with the imputed
// bottom, and the imputed top with the true bottom.

import type { TwoViewData } from '../data/dataset.ts';
import type { Jpvae } from '../model/jpvae.ts';
import { conditional, type LatentFit } from '../impute/conditional.ts';
import { imputeView } from '../impute/impute.ts';
import { writeTileGrid } from './figures.ts';

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

export function writeImputationFigure(
  path: string,
  models: { model: Jpvae; fit: LatentFit }[],
  data: TwoViewData,
): void {
  const rows = exampleRows(data),
    d1 = data.dim1,
    d2 = data.dim2;
  const gather = (x: Float32Array, d: number) => {
    const out = new Float32Array(rows.length * d);
    rows.forEach((r, i) => out.set(x.subarray(r * d, (r + 1) * d), i * d));
    return out;
  };
  const top = gather(data.x1, d1),
    bottom = gather(data.x2, d2);
  const half = (x: Float32Array, d: number, i: number) => x.subarray(i * d, (i + 1) * d);
  const imputed = models.map(({ model, fit }) => ({
    bottom: imputeView(model, conditional(fit, 1), top, rows.length),
    top: imputeView(model, conditional(fit, 0), bottom, rows.length),
  }));
  const tiles = rows.map((_, i) => [
    stack(half(top, d1, i), half(bottom, d2, i)),
    ...imputed.flatMap((m) => [
      stack(half(top, d1, i), half(m.bottom, d2, i)),
      stack(half(m.top, d1, i), half(bottom, d2, i)),
    ]),
  ]);
  writeTileGrid(path, tiles, (d1 + d2) / 28, 28);
}
