// Architecture surgery for a new cohort (in the manner of scArches): a model
// whose covariates gain categories keeps every weight, and each covariate
// weight tensor (a first layer's rows for the design's one-hots, mlp.ts)
// gains one row per new category, started at the mean of its covariate's
// known rows (the average batch). Only those rows are then trained, on the
// new cohort's rows; every other weight stays frozen.

import type { Covariate } from '../data/covariates.ts';
import type { ParamRange } from './layout.ts';
import type { Jpvae } from './jpvae.ts';

/** Each covariate's first design column in a list of covariates. */
const starts = (covariates: readonly Covariate[]) =>
  covariates.map((_, j) => covariates.slice(0, j).reduce((s, c) => s + c.categories.length, 0));

/**
 * `next` (built from `from`'s config with categories appended to its covariates) gets `from`'s weights:
 * every tensor by name, a covariate tensor's known rows to their new places and each new row the mean of
 * its covariate's known rows.
 */
export function copyWithNewCategories(from: Jpvae, next: Jpvae): void {
  const old = from.config.covariates ?? [],
    grown = next.config.covariates ?? [];
  const p = from.params(),
    q = next.params(),
    byName = new Map(from.layout.entries.map((e) => [e.name, e]));
  const [oldStart, newStart] = [starts(old), starts(grown)];
  for (const e of next.layout.entries) {
    const o = byName.get(e.name);
    if (!o) throw new Error(`covariate surgery: ${e.name} is not in the model`);
    if (!e.name.endsWith('.covariates.weight')) {
      q.set(p.subarray(o.offset, o.offset + o.size), e.offset);
      continue;
    }
    const width = e.shape[1];
    old.forEach((c, j) => {
      const known = c.categories.length,
        at = (row: number) => e.offset + (newStart[j] + row) * width;
      q.set(p.subarray(o.offset + oldStart[j] * width, o.offset + (oldStart[j] + known) * width), at(0));
      for (let row = known; row < grown[j].categories.length; row++)
        for (let h = 0; h < width; h++) {
          let s = 0;
          for (let k = 0; k < known; k++) s += q[at(k) + h];
          q[at(row) + h] = s / known;
        }
    });
  }
}

/** The elements of `model`'s new categories' rows (those past `known[j]` of covariate j) in the covariate tensors of `views` (indices from 0). */
export function newCategoryRows(model: Jpvae, known: readonly number[], views: readonly number[]): ParamRange[] {
  const grown = model.config.covariates ?? [],
    at = starts(grown);
  return views.flatMap((v) =>
    [model.views[v].encoder, model.views[v].decoder].flatMap((mlp) => {
      const width = mlp.layers[0].nOut;
      return grown.map((c, j) => ({
        lo: mlp.sideW + (at[j] + known[j]) * width,
        hi: mlp.sideW + (at[j] + c.categories.length) * width,
      }));
    }),
  );
}
