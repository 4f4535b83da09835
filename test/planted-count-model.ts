// A small two-view count model (NB view 1, Poisson view 2) fitted on planted
// counts whose rows miss a view, and the planted data's complete rows as new
// rows to score it on: the fixture of the count imputation and eval tests.

import { fit } from '../src/index.ts';
import { plantedCounts } from './planted-counts.ts';
import type { ViewData } from '../src/data/view-data.ts';

/** The options of the small fits of these tests (one thread: the same model every run). */
export const SMALL_FIT = { hidden: [32], latent: 2, batch: 32, threads: 1, backend: 'wasm' as const };

/** Planted counts' two views as the API takes them: a view the planting left out is a row of NaN. */
export function nanViews(d: ViewData) {
  const nan = (x: Float32Array, dim: number, bit: number) => {
    const y = Float32Array.from(x);
    for (let r = 0; r < d.n; r++) if (!(d.present![r] & bit)) y.fill(NaN, r * dim, (r + 1) * dim);
    return { data: y, width: dim };
  };
  return { view1: nan(d.xs[0], d.dims[0], 1), view2: nan(d.xs[1], d.dims[1], 2) };
}

/** The model after `epochs` of plantedCounts({ n, seed, baseline }) (missing views as NaN rows), and its first `keep` complete rows. */
export async function fitPlantedCounts(o: { n: number; seed: number; baseline: number; epochs: number; keep: number }) {
  const d = plantedCounts({ n: o.n, seed: o.seed, baseline: o.baseline });
  const model = await fit(nanViews(d), { ...SMALL_FIT, likelihood: ['nb', 'poisson'], epochs: o.epochs, holdout: 0 });
  const rows = [...Array(d.n).keys()].filter((r) => d.present![r] === 3).slice(0, o.keep);
  const pick = (x: Float32Array, dim: number) => {
    const out = new Float32Array(rows.length * dim);
    rows.forEach((r, i) => out.set(x.subarray(r * dim, (r + 1) * dim), i * dim));
    return { data: out, width: dim };
  };
  return { model, d, v1: pick(d.xs[0], d.dims[0]), v2: pick(d.xs[1], d.dims[1]), rows: rows.length };
}
