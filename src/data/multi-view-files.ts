// M views from a user's files (`--view F` repeated), paired by row
// position: a row of a view that is entirely empty/NaN is missing there
// (views.ts's rules, view by view); a row must keep at least one view.
// Node only (files); prepareMultiView (multi-view.ts) splits and standardises.

import { InputError } from '../errors.ts';
import type { Likelihood } from './likelihood.ts';
import { readMatrix } from './matrix.ts';
import { MAX_VIEWS, type MultiViewData } from './multi-view.ts';
import { presentRows } from './views.ts';

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
