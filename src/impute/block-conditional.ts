// Eq. 12 for any blocks: with z = (z_1, …, z_M) jointly N(m, Σ), a target
// set T of blocks given a disjoint set G observed at a:
//   z_T | z_G = a ~ N(m_T + Σ_TG Σ_GG⁻¹ (a − m_G), Σ_TT − Σ_TG Σ_GG⁻¹ Σ_GT).
// The blocks of each set sit side by side in the order listed.

import { InputError } from '../errors.ts';
import { cholesky, matmul, positiveDefinite, solveSpd, transpose } from '../linalg/dense.ts';
import type { LatentFit } from './latent-fit.ts';

/**
 * E[z_T | z_G = a] = offset + gain·a, and the conditional covariance with its Cholesky factor (for draws).
 * conditionalOf() takes the views numbered from 1; pass what it returns to imputeViews() as it is.
 */
export interface BlockConditional {
  /** @internal G's block indices, from 0 (view v is block v − 1), as the engine indexes the model's views. */
  given: number[];
  /** @internal T's block indices, from 0 (view v is block v − 1). */
  target: number[];
  nIn: number; // width of z_G
  nOut: number; // width of z_T
  gain: Float64Array; // nOut×nIn: Σ_TG Σ_GG⁻¹
  offset: Float64Array; // nOut: m_T − gain·m_G
  cov: Float64Array; // nOut×nOut
  covChol: Float64Array; // lower factor of cov (with a ridge where cov is singular)
}

/** The element indices of `blocks` in a vector whose blocks have `sizes`. */
function indices(sizes: readonly number[], blocks: readonly number[]): number[] {
  const starts = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
  return blocks.flatMap((b) => Array.from({ length: sizes[b] }, (_, r) => starts[b] + r));
}

const pick = (S: ArrayLike<number>, d: number, rows: number[], cols: number[]) =>
  Float64Array.from(
    { length: rows.length * cols.length },
    (_, e) => S[rows[Math.floor(e / cols.length)] * d + cols[e % cols.length]],
  );

/**
 * The conditional of blocks `target` given blocks `given` (disjoint, both
 * non-empty) under N(mean, cov) with block sizes `sizes`.
 */
export function blockConditional(
  mean: ArrayLike<number>,
  cov: ArrayLike<number>,
  sizes: readonly number[],
  given: readonly number[],
  target: readonly number[],
): BlockConditional {
  if (!given.length || !target.length) throw new RangeError('conditional: given and target must be non-empty');
  if (given.some((g) => target.includes(g))) throw new RangeError('conditional: a block cannot be given and a target');
  if ([...given, ...target].some((b) => !(Number.isInteger(b) && b >= 0 && b < sizes.length)))
    throw new RangeError(`conditional: blocks must be 0 to ${sizes.length - 1}`);
  const d = sizes.reduce((a, b) => a + b, 0),
    gi = indices(sizes, given),
    ti = indices(sizes, target);
  const nIn = gi.length,
    nOut = ti.length;
  const Sgg = positiveDefinite(pick(cov, d, gi, gi), nIn),
    Sgt = pick(cov, d, gi, ti);
  // gain = Σ_TG Σ_GG⁻¹ = (Σ_GG⁻¹ Σ_GT)ᵀ
  const gain = transpose(solveSpd(Sgg, nIn, Sgt, nOut), nIn, nOut);
  const offset = Float64Array.from(ti, (t, a) => {
    let v = mean[t];
    gi.forEach((g, b) => (v -= gain[a * nIn + b] * mean[g]));
    return v;
  });
  const condCov = pick(cov, d, ti, ti),
    explained = matmul(gain, Sgt, nOut, nIn, nOut);
  for (let e = 0; e < condCov.length; e++) condCov[e] -= explained[e];
  return {
    given: [...given],
    target: [...target],
    nIn,
    nOut,
    gain,
    offset,
    cov: condCov,
    covChol: cholesky(positiveDefinite(condCov, nOut), nOut)!,
  };
}

/**
 * Eq. 12 of the views `target` given the views `given` under a fit: views
 * numbered from 1 to M, as `jpvae impute --given 1,3 --target 2` numbers
 * them (imputeViews then takes the given views' rows in the order of `given`
 * and returns the targets' in the order of `target`).
 */
export function conditionalOf(fit: LatentFit, given: readonly number[], target: readonly number[]): BlockConditional {
  const m = fit.latent.length,
    bad = [...given, ...target].find((v) => !(Number.isInteger(v) && v >= 1 && v <= m));
  if (bad !== undefined) throw new InputError(`views: expected view numbers from 1 to ${m}, got ${bad}`);
  const from0 = (views: readonly number[]) => views.map((v) => v - 1);
  return blockConditional(fit.mean, fit.cov, fit.latent, from0(given), from0(target));
}

/** z_T for each row of z_G (rows×nIn): the conditional mean, plus L·eps_r when `eps` (rows×nOut N(0, 1) values) is given: a draw from the conditional. */
export function conditionalLatent(
  c: Pick<BlockConditional, 'nIn' | 'nOut' | 'gain' | 'offset' | 'covChol'>,
  zj: ArrayLike<number>,
  rows: number,
  out: Float32Array | Float64Array,
  eps?: ArrayLike<number>,
): void {
  for (let r = 0; r < rows; r++) {
    for (let a = 0; a < c.nOut; a++) {
      let z = c.offset[a];
      for (let b = 0; b < c.nIn; b++) z += c.gain[a * c.nIn + b] * zj[r * c.nIn + b];
      if (eps) for (let b = 0; b <= a; b++) z += c.covChol[a * c.nOut + b] * eps[r * c.nOut + b];
      out[r * c.nOut + a] = z;
    }
  }
}
