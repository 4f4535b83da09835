// Two views paired by row position, as arrays (from files or from the API):
// a row of one view that is entirely NaN (or marked 0 in a mask) is
// missing, and that row trains with its other view only. Gaussian views are
// standardised with the mean and sd of the training rows; the numbers are
// stored with the model and applied everywhere. No file access: this runs
// in browsers and workers too.

import { InputError } from '../errors.ts';
import { isCount, medianTotal, valueRule, type Likelihood } from './likelihood.ts';
import { gatherRows, HAS_BOTH, HAS_VIEW1, HAS_VIEW2, sliceRows, type TwoViewData } from './dataset.ts';
import type { Matrix } from './npy.ts';
import { VALUE_LABELS, type InputLabels } from './labels.ts';
import { moveHeldLast, perPairingRows, type HoldoutSplit } from './holdout.ts';

export interface Standardize {
  mean: number[];
  sd: number[];
}

/** Per view: its standardisation (Gaussian views), or null (kept as they are). */
export type Standardization = [Standardize | null, Standardize | null];

/** Which rows of a view are present; one clear line for partial NaN, Inf, Bernoulli data outside [0,1] or counts that are not non-negative integers (naming the likelihood by `likelihoodLabel`). */
export function presentRows(
  m: Matrix,
  name: string,
  likelihood: Likelihood,
  likelihoodLabel = VALUE_LABELS.likelihood(0),
): boolean[] {
  const out: boolean[] = [];
  for (let r = 0; r < m.rows; r++) {
    const row = m.data.subarray(r * m.cols, (r + 1) * m.cols);
    const nan = row.filter(Number.isNaN).length;
    if (nan === m.cols) {
      out.push(false);
      continue;
    }
    if (nan > 0)
      throw new InputError(
        `${name}: row ${r + 1} has ${nan} empty/NaN cells of ${m.cols}; a missing view must be missing whole (all cells empty)`,
      );
    const bad = row.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0)
      throw new InputError(`${name}: row ${r + 1}, column ${bad + 1} is ${row[bad]}; expected finite numbers`);
    const rule = valueRule(likelihood);
    const off = rule ? row.findIndex((x) => !rule.fits(x)) : -1;
    if (off >= 0)
      throw new InputError(
        `${name}: row ${r + 1}, column ${off + 1} is ${row[off]}, ${rule!.needs}; use ${likelihoodLabel} gaussian for real-valued data`,
      );
    out.push(true);
  }
  return out;
}

/** How errors name the inputs: "view 1's file a.csv" from files, 'view1' from the API, '--view1 a.csv' from the CLI. */
export interface ViewNames {
  view1: string;
  view2: string;
  mask: string;
}

/**
 * Check and pair two views (and an optional n×2 0/1 mask): which rows have
 * each view, one clear line for anything wrong. The matrices' data is
 * reused in place, missing rows zeroed.
 */
export function pairViews(
  m1: Matrix,
  m2: Matrix,
  likelihood: [Likelihood, Likelihood],
  mask: Matrix | undefined,
  names: ViewNames,
  labels: Pick<InputLabels, 'likelihood'> = VALUE_LABELS,
): TwoViewData {
  if (m1.rows !== m2.rows)
    throw new InputError(
      `${names.view1} has ${m1.rows} rows but ${names.view2} has ${m2.rows}; views pair by row, so the counts must match`,
    );
  const p1 = presentRows(m1, names.view1, likelihood[0], labels.likelihood(0));
  const p2 = presentRows(m2, names.view2, likelihood[1], labels.likelihood(1));
  if (mask) {
    if (mask.rows !== m1.rows || mask.cols !== 2 || !mask.data.every((x) => x === 0 || x === 1)) {
      throw new InputError(
        `${names.mask}: expected ${m1.rows} rows of two 0/1 columns (has view 1, has view 2), got ${mask.rows}×${mask.cols}`,
      );
    }
    for (let r = 0; r < m1.rows; r++) {
      p1[r] &&= mask.data[2 * r] === 1;
      p2[r] &&= mask.data[2 * r + 1] === 1;
    }
  }
  const present = Uint8Array.from(p1, (a, r) => (a ? HAS_VIEW1 : 0) | (p2[r] ? HAS_VIEW2 : 0));
  const none = present.indexOf(0);
  if (none >= 0) throw new InputError(`row ${none + 1} has neither view (both empty or masked); remove it`);
  // Missing rows hold zeros in the arrays: they are never read, and zeros keep every buffer finite.
  // In place: the matrices are ours, and a copy would double the peak memory.
  const clean = (m: Matrix, p: boolean[]) => {
    p.forEach((has, r) => has || m.data.fill(0, r * m.cols, (r + 1) * m.cols));
    return m.data;
  };
  return { n: m1.rows, dim1: m1.cols, dim2: m2.cols, x1: clean(m1, p1), x2: clean(m2, p2), present };
}

/** Mean and sd of each feature over the rows that have the view (sd 0 becomes 1). */
export function fitStandardize(x: Float32Array, dim: number, rows: number[]): Standardize {
  const mean = new Array(dim).fill(0),
    sd = new Array(dim).fill(0);
  for (const r of rows) for (let j = 0; j < dim; j++) mean[j] += x[r * dim + j] / rows.length;
  for (const r of rows) for (let j = 0; j < dim; j++) sd[j] += (x[r * dim + j] - mean[j]) ** 2 / rows.length;
  return { mean, sd: sd.map((v) => (v > 0 ? Math.sqrt(v) : 1)) };
}

/** x ← (x − mean)/sd in place, or back with `inverse`. */
export function applyStandardize(x: Float32Array, dim: number, s: Standardize, inverse = false): void {
  for (let i = 0; i < x.length; i++) {
    const j = i % dim;
    x[i] = inverse ? x[i] * s.sd[j] + s.mean[j] : (x[i] - s.mean[j]) / s.sd[j];
  }
}

/**
 * The training and held-out rows (HoldoutSplit says which are held out;
 * `label` names the fraction in errors), as views of d's rows: for
 * 'per-pairing' d's rows are first moved in place, the held-out ones last.
 */
export function splitHoldout(
  d: TwoViewData,
  fraction: number,
  label = VALUE_LABELS.holdout,
  split: HoldoutSplit = 'last-rows',
): { train: TwoViewData; heldOut?: TwoViewData } {
  const held = Math.ceil(fraction * d.n);
  if (held === 0) return { train: d };
  checkHoldout(held, d.n, fraction, label);
  if (split === 'per-pairing')
    moveHeldLast(
      [
        { data: d.x1, width: d.dim1 },
        { data: d.x2, width: d.dim2 },
        ...(d.present ? [{ data: d.present, width: 1 }] : []),
        ...(d.labels ? [{ data: d.labels, width: 1 }] : []),
      ],
      perPairingRows(d.present, d.n, held, HAS_BOTH),
    );
  return { train: sliceRows(d, 0, d.n - held), heldOut: sliceRows(d, d.n - held, held) };
}

/** One line when holding out `held` of `n` rows leaves none to train on (two views or M). */
export function checkHoldout(held: number, n: number, fraction: number, label: string): void {
  if (held >= n) throw new InputError(`${label} ${fraction}: leaves no training rows of ${n}`);
}

/** The rows that have both views (a copy). */
export function completeRows(d: TwoViewData): TwoViewData {
  if (!d.present) return d;
  const rows = [...d.present.keys()].filter((r) => d.present![r] === HAS_BOTH);
  const pick = (x: Float32Array, dim: number) => gatherRows(x, dim, rows);
  return {
    n: rows.length,
    dim1: d.dim1,
    dim2: d.dim2,
    x1: pick(d.x1, d.dim1),
    x2: pick(d.x2, d.dim2),
    labels: d.labels && Uint8Array.from(rows, (r) => d.labels![r]),
  };
}

/** Both views standardised in place (a view with null is left as it is). */
export function standardizeViews(d: TwoViewData, std: Standardization): void {
  if (std[0]) applyStandardize(d.x1, d.dim1, std[0]);
  if (std[1]) applyStandardize(d.x2, d.dim2, std[1]);
}

/**
 * Training data from paired views: the `holdout` fraction held out (`split` says which rows),
 * each Gaussian view's standardisation fitted on the training rows that
 * have it and applied to every row (in place), and each count view's
 * median total fitted on them into its likelihood (in place: the
 * likelihoods the model's config and its data record share).
 */
export function prepareViews(
  data: TwoViewData,
  likelihood: [Likelihood, Likelihood],
  holdout: number,
  labels: Pick<InputLabels, 'holdout'> = VALUE_LABELS,
  split: HoldoutSplit = 'last-rows',
): { train: TwoViewData; heldOut?: TwoViewData; standardize: Standardization } {
  const { train, heldOut } = splitHoldout(data, holdout, labels.holdout, split);
  const fit = (i: 0 | 1): Standardize | null => {
    const l = likelihood[i];
    if (l.kind === 'bernoulli') return null;
    const bit = i === 0 ? HAS_VIEW1 : HAS_VIEW2,
      rows = [...train.present!.keys()].filter((r) => train.present![r] & bit);
    const [x, dim] = i === 0 ? [train.x1, train.dim1] : [train.x2, train.dim2];
    if (isCount(l)) {
      l.medianTotal = medianTotal(x, dim, rows);
      return null;
    }
    return fitStandardize(x, dim, rows);
  };
  const standardize: Standardization = [fit(0), fit(1)];
  standardizeViews(data, standardize); // train and heldOut are views of data's arrays
  return { train, heldOut, standardize };
}
