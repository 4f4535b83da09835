// M views from a user's files (`--view F` repeated), paired by row
// position: a row of a view that is entirely empty/NaN is missing there
// (views.ts's rules, view by view); a row must keep at least one view. The
// last `holdout` fraction of rows is held out, and each Gaussian view is
// standardised with the mean and sd of the training rows that have it.

import { InputError } from '../errors.ts';
import type { Likelihood } from './likelihood.ts';
import { readMatrix } from './matrix.ts';
import { MAX_VIEWS, sliceMultiView, type MultiViewData } from './multi-view.ts';
import { applyStandardize, fitStandardize, presentRows, type Standardize } from './views.ts';

/** Read and check the view files; missing rows hold zeros (never read). */
export function loadViewFiles(paths: readonly string[], likelihood: readonly Likelihood[]): MultiViewData {
  if (paths.length < 2 || paths.length > MAX_VIEWS)
    throw new InputError(`--view: expected 2 to ${MAX_VIEWS} files, got ${paths.length}`);
  const ms = paths.map((p) => readMatrix(p, '--view'));
  const n = ms[0].rows;
  ms.forEach((m, i) => {
    if (m.rows !== n)
      throw new InputError(
        `--view ${paths[i]} has ${m.rows} rows but --view ${paths[0]} has ${n}; views pair by row, so the counts must match`,
      );
  });
  const present = new Uint8Array(n);
  ms.forEach((m, i) =>
    presentRows(m, `--view ${paths[i]}`, likelihood[i], '--likelihood').forEach((has, r) => {
      if (has) present[r] |= 1 << i;
      else m.data.fill(0, r * m.cols, (r + 1) * m.cols);
    }),
  );
  const none = present.indexOf(0);
  if (none >= 0) throw new InputError(`row ${none + 1} has none of the views (all empty); remove it`);
  return { n, dims: ms.map((m) => m.cols), xs: ms.map((m) => m.data), present };
}

/** The held-out split and the standardisation of the Gaussian views (fitted on the training rows, applied to all, in place). */
export function prepareMultiView(
  data: MultiViewData,
  likelihood: readonly Likelihood[],
  holdout: number,
): { train: MultiViewData; heldOut?: MultiViewData; standardize: (Standardize | null)[] } {
  const held = Math.ceil(holdout * data.n);
  if (held >= data.n) throw new InputError(`--holdout ${holdout}: leaves no training rows of ${data.n}`);
  const train = sliceMultiView(data, 0, data.n - held),
    heldOut = held ? sliceMultiView(data, data.n - held, held) : undefined;
  const standardize = likelihood.map((l, i) => {
    if (l.kind !== 'gaussian') return null;
    const rows = [...Array(train.n).keys()].filter((r) => !train.present || train.present[r] & (1 << i));
    return fitStandardize(train.xs[i], data.dims[i], rows);
  });
  standardizeMultiView(data, standardize);
  return { train, heldOut, standardize };
}

/** Each view with a standardisation standardised in place (or back, with `inverse`). */
export function standardizeMultiView(d: MultiViewData, std: readonly (Standardize | null)[], inverse = false): void {
  std.forEach((s, i) => s && applyStandardize(d.xs[i], d.dims[i], s, inverse));
}
