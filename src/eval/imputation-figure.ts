// The images of the paper's Figure 1 for one or more models: for one test
// digit of each class, the true image, then per model the image with each
// view imputed from all the others (the likelihood's mean of the decoded
// conditional mean of Eq. 12): for two views, the true top with the
// imputed bottom, and the imputed top with the true bottom. The views are
// bands of the image, stacked top to bottom in view order.

import { gatherRows } from '../data/dataset.ts';
import { designRowsOf, type ViewData } from '../data/view-data.ts';
import type { Jpvae } from '../model/jpvae.ts';
import { conditionalOf } from '../impute/block-conditional.ts';
import { imputeViews } from '../impute/impute.ts';
import type { LatentFit } from '../impute/latent-fit.ts';

/** Whether a model's views can be drawn as bands of an image `width` pixels wide: every view binary (Bernoulli) and whole rows of pixels. */
export function isImageBands(model: Jpvae, width = 28): boolean {
  return model.views.every((v) => v.likelihood.kind === 'bernoulli' && v.dim % width === 0);
}

/** First row of each label 0..9 (or the first ten rows when there are no labels). */
export function exampleRows(data: ViewData, count = 10): number[] {
  if (!data.labels) return Array.from({ length: Math.min(count, data.n) }, (_, i) => i);
  return Array.from({ length: count }, (_, d) => data.labels!.indexOf(d)).filter((r) => r >= 0);
}

/** The bands of an image, top to bottom, as one image. */
const stack = (bands: Float32Array[]): Float32Array => Float32Array.from(bands.flatMap((b) => Array.from(b)));

export interface ImputationGrid {
  /** Per column: the model's name ('' for the true image) and what the column shows ('true image', 'imputed bottom', 'imputed view 3', …). */
  columns: { model: string; shows: string }[];
  /** Per example row: its label (or row number) and one image per column, values in [0, 1], row-major height×width. */
  rows: { label: number; images: Float32Array[] }[];
  height: number;
  width: number;
}

/** What a column with view t (from 1) of m imputed shows: for two views the bottom (2) or the top (1). */
const imputedBand = (t: number, m: number) => (m === 2 ? `imputed ${t === 2 ? 'bottom' : 'top'}` : `imputed view ${t}`);

/** The Figure 1 images of named models on `data` (its views bands of an image, `width` pixels wide, top to bottom). */
export function imputationGrid(
  models: { name: string; model: Jpvae; fit: LatentFit }[],
  data: ViewData,
  width = 28,
): ImputationGrid {
  const rows = exampleRows(data),
    m = data.dims.length,
    views = data.dims.map((_, i) => i + 1);
  const truth = data.xs.map((x, i) => gatherRows(x, data.dims[i], rows));
  const band = (x: Float32Array, i: number, r: number) => x.subarray(r * data.dims[i], (r + 1) * data.dims[i]);
  const targets = [...views].reverse(); // the bottom band first
  // Per model and target view t, view t's rows imputed from all the others.
  const imputed = models.map(({ model, fit }) =>
    targets.map((t) => {
      const given = views.filter((v) => v !== t),
        xs = given.map((g) => truth[g - 1]);
      return imputeViews(
        model,
        conditionalOf(fit, given, [t]),
        xs,
        rows.length,
        undefined,
        1,
        designRowsOf(data, rows),
      )[0];
    }),
  );
  return {
    columns: [
      { model: '', shows: 'true image' },
      ...models.flatMap(({ name }) => targets.map((t) => ({ model: name, shows: imputedBand(t, m) }))),
    ],
    rows: rows.map((r, k) => ({
      label: data.labels ? data.labels[r] : r + 1,
      images: [
        stack(truth.map((x, i) => band(x, i, k))),
        ...imputed.flatMap((perTarget) =>
          perTarget.map((y, a) => stack(truth.map((x, i) => band(i === targets[a] - 1 ? y : x, i, k)))),
        ),
      ],
    })),
    height: data.dims.reduce((s, d) => s + d, 0) / width,
    width,
  };
}
