// Categorical covariates (batches, sites): each is a name and its list of
// categories. A row's covariates enter the model as one design row, the
// one-hot codes of every covariate side by side (width Σ categories), which
// every encoder's and decoder's first layer reads beside its own input, as
// conditional VAEs do; the joint prior does not see them. A row whose
// category is unknown may be given the mean of its covariate's one-hots
// (1/c for each of the c categories): the average of the known batches.

import { InputError, quoted } from '../errors.ts';

export interface Covariate {
  name: string;
  categories: string[];
}

/** At most this many covariates, and categories per covariate: a config from a hostile file is refused before use. */
export const MAX_COVARIATES = 16;
export const MAX_CATEGORIES = 4096;

/** The width of the design row: every covariate's categories. */
export const designWidth = (covariates: readonly Covariate[] | undefined): number =>
  (covariates ?? []).reduce((s, c) => s + c.categories.length, 0);

/** One clear line for covariates that are not non-empty, unique names each with 1 to MAX_CATEGORIES unique categories. */
export function checkCovariates(covariates: readonly Covariate[], label = 'covariates'): void {
  if (covariates.length > MAX_COVARIATES)
    throw new InputError(`${label}: at most ${MAX_COVARIATES} covariates, got ${covariates.length}`);
  const names = new Set<string>();
  for (const c of covariates) {
    if (typeof c.name !== 'string' || !c.name || names.has(c.name))
      throw new InputError(`${label}: covariate names must be unique and non-empty, got ${quoted(String(c.name))}`);
    names.add(c.name);
    const n = c.categories.length;
    if (n < 1 || n > MAX_CATEGORIES)
      throw new InputError(`${label}: covariate ${quoted(c.name)} needs 1 to ${MAX_CATEGORIES} categories, got ${n}`);
    if (c.categories.some((x) => typeof x !== 'string') || new Set(c.categories).size !== n)
      throw new InputError(`${label}: covariate ${quoted(c.name)} has repeated or non-text categories`);
  }
}

/** The categories present in `values` (a covariate's column), sorted: the list a model learns a row for each of. */
export function categoriesOf(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

/**
 * The design rows (n × designWidth) of `columns` (each covariate's value per
 * row, in the order of `covariates`). A value outside its covariate's
 * categories is one InputError naming it, the covariate and the known
 * categories, unless `unknown` is 'mean': then its block is the mean of the
 * covariate's one-hots. `label` names where the values came from, `firstRow` the first row's place there.
 */
export function designRows(
  covariates: readonly Covariate[],
  columns: readonly (readonly string[])[],
  n: number,
  unknown: 'error' | 'mean' = 'error',
  label = 'covariate',
  firstRow = 0,
): Float32Array {
  const width = designWidth(covariates),
    out = new Float32Array(n * width);
  let start = 0;
  covariates.forEach((c, j) => {
    const index = new Map(c.categories.map((x, i) => [x, i])),
      values = columns[j],
      k = c.categories.length;
    if (values.length !== n)
      throw new InputError(`${label} ${quoted(c.name)}: expected ${n} values (one per row), got ${values.length}`);
    for (let r = 0; r < n; r++) {
      const at = index.get(values[r]);
      if (at !== undefined) out[r * width + start + at] = 1;
      else if (unknown === 'mean') out.fill(1 / k, r * width + start, r * width + start + k);
      else
        throw new InputError(
          `${label} ${quoted(c.name)}: row ${firstRow + r + 1} has the category ${quoted(values[r])}, which the model does not know (it knows ${knownList(c.categories)})`,
        );
    }
    start += k;
  });
  return out;
}

/** The first few categories, quoted, for an error line. */
function knownList(categories: readonly string[], max = 8): string {
  const shown = categories.slice(0, max).map((x) => quoted(x));
  return shown.join(', ') + (categories.length > max ? `, … (${categories.length} in all)` : '');
}
