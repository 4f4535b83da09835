// A paired data set of M ≥ 2 views (paper §2.1, "the views are paired";
// two views are M = 2): row r of every view belongs to the same sample,
// and each row may lack any of its views (not all of them). Views are
// indices 0…M−1 here; users see them numbered from 1.

import { InputError } from '../errors.ts';
import { isCount, medianTotal, type Likelihood } from './likelihood.ts';
import type { Matrix } from './npy.ts';
import { applyStandardize, fitStandardize, presentRows, type Standardize } from './views.ts';
import { VALUE_LABELS, type InputLabels } from './labels.ts';
import { moveHeldLast, perPairingRows, type HoldoutSplit } from './holdout.ts';

/** At most this many views: a row's present views are the bits of one byte. */
export const MAX_VIEWS = 8;

/** M views paired by row; views are numbered from 1, and view v's arrays are the lists' entry v − 1. */
export interface ViewData {
  n: number;
  /** dims[v − 1]: view v's width. */
  dims: number[];
  /** xs[v − 1]: view v's rows, n × dims[v − 1], row-major (an absent view's row holds anything). */
  xs: Float32Array[];
  labels?: Uint8Array;
  /** The covariates' design rows (n × their width, model/covariates.ts), for a model with covariates. */
  design?: Float32Array;
  /** Per row, which views it has: bit v − 1 (the value 2^(v − 1)) set when it has view v; absent: every row has every view. */
  present?: Uint8Array;
}

/** The bit mask of every view of an M-view data set. */
export const allViews = (m: number): number => (1 << m) - 1;

/** The view indices of a mask, ascending. */
export const viewsOf = (mask: number): number[] =>
  Array.from({ length: MAX_VIEWS }, (_, i) => i).filter((i) => mask & (1 << i));

/**
 * M views paired by row position (files or arrays): a row of a view that is
 * entirely NaN (or 0 in `mask`, an n×M 0/1 matrix named by `names[M]`) is
 * missing there (views.ts's rules, view by view), and a row must keep at
 * least one view. `names[i]` names view i in errors ("view 1's file a.csv",
 * 'views[0]'); `labels.likelihood(i)` names its likelihood. The matrices'
 * data is reused in place (a copy would double the peak memory), missing
 * rows zeroed: never read, and zeros keep every buffer finite.
 */
export function pairViews(
  ms: readonly Matrix[],
  likelihood: readonly Likelihood[],
  names: readonly string[],
  labels: Pick<InputLabels, 'likelihood'> = VALUE_LABELS,
  mask?: Matrix,
): ViewData {
  if (ms.length < 2 || ms.length > MAX_VIEWS)
    throw new InputError(`views: expected 2 to ${MAX_VIEWS}, got ${ms.length}`);
  const n = ms[0].rows;
  ms.forEach((m, i) => {
    if (m.rows !== n)
      throw new InputError(
        `${names[i]} has ${m.rows} rows but ${names[0]} has ${n}; views pair by row, so the counts must match`,
      );
  });
  const M = ms.length;
  if (mask && (mask.rows !== n || mask.cols !== M || !mask.data.every((x) => x === 0 || x === 1)))
    throw new InputError(
      `${names[M]}: expected ${n} rows of ${M} 0/1 columns (has view 1, has view 2${M > 2 ? ', …' : ''}), got ${mask.rows}×${mask.cols}`,
    );
  const present = new Uint8Array(n);
  ms.forEach((m, i) =>
    presentRows(m, names[i], likelihood[i], labels.likelihood(i)).forEach((has, r) => {
      if (has && (!mask || mask.data[r * M + i] === 1)) present[r] |= 1 << i;
      else m.data.fill(0, r * m.cols, (r + 1) * m.cols);
    }),
  );
  const none = present.indexOf(0);
  if (none >= 0)
    throw new InputError(`row ${none + 1} has none of the views (all empty${mask ? ' or masked' : ''}); remove it`);
  return { n, dims: ms.map((m) => m.cols), xs: ms.map((m) => m.data), present };
}

/** The rows of data that have every view of `views`. */
export function rowsWith(data: ViewData, views: readonly number[]): Uint32Array {
  const need = views.reduce((m, i) => m | (1 << i), 0);
  return Uint32Array.from(
    Array.from({ length: data.n }, (_, r) => r).filter((r) => !data.present || (data.present[r] & need) === need),
  );
}

/** Rows [start, start + count) as a view of the data (no copy). */
export function sliceViews(d: ViewData, start: number, count: number): ViewData {
  const end = Math.min(d.n, start + count),
    w = designWidthOf(d);
  return {
    n: end - start,
    dims: d.dims,
    xs: d.xs.map((x, i) => x.subarray(start * d.dims[i], end * d.dims[i])),
    labels: d.labels?.subarray(start, end),
    present: d.present?.subarray(start, end),
    ...(d.design ? { design: d.design.subarray(start * w, end * w) } : {}),
  };
}

/** The design rows of data's rows `rows`, in that order; undefined without covariates. */
export function designRowsOf(d: ViewData, rows: ArrayLike<number>): Float32Array | undefined {
  if (!d.design) return undefined;
  const w = designWidthOf(d),
    out = new Float32Array(rows.length * w);
  for (let t = 0; t < rows.length; t++) out.set(d.design.subarray(rows[t] * w, (rows[t] + 1) * w), t * w);
  return out;
}

/** The width of data's design rows (0 without covariates). */
export const designWidthOf = (d: ViewData): number => (d.design && d.n ? d.design.length / d.n : 0);

/**
 * The rows `idx` grouped by their present views in a fixed order, so that
 * results do not depend on the rows' order: rows with every view first,
 * then the other masks ascending (for two views: both, view 1 only, view 2
 * only, the order the paper model's weights were recorded with).
 */
export function groupByPresent(data: ViewData, idx: Uint32Array): [number, Uint32Array][] {
  const full = allViews(data.dims.length),
    present = data.present;
  if (!present || idx.every((r) => present[r] === full)) return [[full, idx]];
  const masks = [...new Set(Array.from(idx, (r) => present[r]))].sort((a, b) =>
    b === full ? 1 : a === full ? -1 : a - b,
  );
  return masks.map((m) => [m, idx.filter((r) => present[r] === m)]);
}

/** The held-out split and the standardisation of the Gaussian views (fitted on the training rows, applied to all, in place); each count view's median total into its likelihood. */
export function prepareViews(
  data: ViewData,
  likelihood: readonly Likelihood[],
  holdout: number,
  labels: Pick<InputLabels, 'holdout'> = VALUE_LABELS,
  split: HoldoutSplit = 'last-rows',
): { train: ViewData; heldOut?: ViewData; standardize: (Standardize | null)[] } {
  const held = Math.ceil(holdout * data.n);
  if (held >= data.n) throw new InputError(`${labels.holdout} ${holdout}: leaves no training rows of ${data.n}`);
  const { train, heldOut } = splitViews(data, held, split);
  const standardize = likelihood.map((l, i) => {
    if (l.kind === 'bernoulli') return null;
    const rows = Array.from(rowsWith(train, [i]));
    if (isCount(l)) {
      l.medianTotal = medianTotal(train.xs[i], data.dims[i], rows); // into the likelihood the config shares
      return null;
    }
    return fitStandardize(train.xs[i], data.dims[i], rows);
  });
  standardizeViews(data, standardize);
  return { train, heldOut, standardize };
}

/**
 * The training rows and `held` held-out rows (holdout.ts's HoldoutSplit
 * says which), as views of data's rows: for 'per-pairing' its rows are
 * first moved in place, the held-out ones last.
 */
export function splitViews(
  data: ViewData,
  held: number,
  split: HoldoutSplit = 'last-rows',
): { train: ViewData; heldOut?: ViewData } {
  if (held && split === 'per-pairing')
    moveHeldLast(
      [
        ...data.xs.map((x, i) => ({ data: x, width: data.dims[i] })),
        ...(data.present ? [{ data: data.present, width: 1 }] : []),
        ...(data.labels ? [{ data: data.labels, width: 1 }] : []),
        ...(data.design ? [{ data: data.design, width: designWidthOf(data) }] : []),
      ],
      perPairingRows(data.present, data.n, held, allViews(data.dims.length)),
    );
  return {
    train: sliceViews(data, 0, data.n - held),
    heldOut: held ? sliceViews(data, data.n - held, held) : undefined,
  };
}

/** Each view with a standardisation standardised in place (or back, with `inverse`). */
export function standardizeViews(d: ViewData, std: readonly (Standardize | null)[], inverse = false): void {
  std.forEach((s, i) => s && applyStandardize(d.xs[i], d.dims[i], s, inverse));
}
