// One view's rows, checked and standardised: a row that is entirely NaN is
// missing (the view is absent there), anything else must be finite and fit
// the view's likelihood. Gaussian views are standardised with the mean and
// sd of the training rows; the numbers are stored with the model and
// applied everywhere. No file access: this runs in browsers and workers too.

import { InputError } from '../errors.ts';
import { valueRule, type Likelihood } from './likelihood.ts';
import type { Matrix } from './npy.ts';
import { VALUE_LABELS } from './labels.ts';

export interface Standardize {
  mean: number[];
  sd: number[];
}

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
