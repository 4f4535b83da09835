// Covariates as callers hand them: an object from each covariate's name to
// its value per row (strings, or numbers taken as their text), checked and
// turned into the model's design rows (covariates.ts). fit() learns
// each covariate's categories from its training rows; impute, evaluate,
// calibration and the runtime's imputer (from an export's manifest) read the model's.

import { InputError, quoted } from '../errors.ts';
import { categoriesOf, designRows, type Covariate } from './covariates.ts';

/** Each covariate's value per row, by name: `{ batch: ['a', 'b', …] }`. */
export type CovariateColumns = Readonly<Record<string, ReadonlyArray<string | number>>>;

/** What to do with a category the model does not know: 'error' (the default), or 'average' (the mean of the known categories' one-hots). */
export type UnknownCategory = 'error' | 'average';
export const UNKNOWN_CATEGORY: readonly UnknownCategory[] = ['error', 'average'];

/** The columns as text, each of `n` values; `label` names the option in errors. */
function textColumns(columns: CovariateColumns, n: number, label: string): [string, string[]][] {
  return Object.entries(columns).map(([name, values]) => {
    if (!Array.isArray(values) || values.length !== n)
      throw new InputError(
        `${label} ${quoted(name)}: expected ${n} values (one per row), got ${Array.isArray(values) ? values.length : typeof values}`,
      );
    return [
      name,
      values.map((v, r) => {
        if ((typeof v !== 'string' || v === '') && !(typeof v === 'number' && Number.isFinite(v)))
          throw new InputError(
            `${label} ${quoted(name)}: row ${r + 1} is ${JSON.stringify(v) ?? typeof v}, expected a category (text or a number)`,
          );
        return String(v);
      }),
    ];
  });
}

/**
 * The covariates fit() learns from `columns` (n rows): each name and the
 * categories of its rows, sorted (a category only held-out rows have keeps
 * zero weights: the model without it).
 */
export function covariatesOf(columns: CovariateColumns, n: number, label = 'covariates'): Covariate[] {
  return textColumns(columns, n, label).map(([name, values]) => ({ name, categories: categoriesOf(values) }));
}

/**
 * The design rows of `columns` (n rows) for a model with `covariates` (none: it has none, and
 * `columns` must be absent): every covariate of the model given, no other. A category the model
 * does not know is one line, or with `unknown` 'average' the mean of the known ones.
 */
export function designOf(
  covariates: readonly Covariate[] | undefined,
  columns: CovariateColumns | undefined,
  n: number,
  unknown: UnknownCategory = 'error',
  label = 'covariates',
  firstRow = 0,
): Float32Array | undefined {
  const names = (covariates ?? []).map((c) => c.name);
  if (!names.length) {
    if (columns && Object.keys(columns).length)
      throw new InputError(
        `${label}: the model has no covariates, got ${Object.keys(columns)
          .map((k) => quoted(k))
          .join(', ')}`,
      );
    return undefined;
  }
  if (!columns)
    throw new InputError(
      `${label}: the model has covariates ${names.map((k) => quoted(k)).join(', ')}; give each row's values`,
    );
  const given = new Map(textColumns(columns, n, label));
  const extra = [...given.keys()].find((k) => !names.includes(k));
  if (extra !== undefined)
    throw new InputError(
      `${label}: the model has no covariate ${quoted(extra)} (it has ${names.map((k) => quoted(k)).join(', ')})`,
    );
  const missing = names.find((k) => !given.has(k));
  if (missing !== undefined) throw new InputError(`${label}: the model's covariate ${quoted(missing)} is missing`);
  return designRows(
    covariates!,
    names.map((k) => given.get(k)!),
    n,
    unknown === 'average' ? 'mean' : 'error',
    label.replace(/s$/, ''),
    firstRow,
  );
}
