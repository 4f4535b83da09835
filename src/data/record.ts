// model.json's record of a model's data (its "data" key): hvdMNIST, view
// files, or arrays handed to the API, with each view's likelihood, the
// hold-out and the standardisation fitted on the training rows, which
// every later use of the model applies to its rows. Views are lists:
// view v is entry v − 1.

import type { Likelihood } from './likelihood.ts';
import type { HoldoutSplit } from './holdout.ts';
import type { Standardize } from './views.ts';
import type { Covariate } from './covariates.ts';

/** How view files' rows paired: by sample ID or by position, and how many samples have every view and each view. */
export interface Pairing {
  by: 'id' | 'position';
  /** Samples with every view. */
  complete: number;
  /** perView[v − 1]: samples with view v. */
  perView: number[];
}

/** A type, not an interface, so it is a Record the export's manifest copies. */
export type DataRecord = {
  /** hvdmnist: MNIST's top and bottom halves (its own test split is the held-out rows); files: view files; arrays: rows given to the library. */
  dataset: 'hvdmnist' | 'files' | 'arrays';
  /** files: each view's file (an absolute path); hvdmnist: what each view is. */
  views?: string[];
  /** hvdmnist: how pixels became 0/1. */
  binarize?: string;
  /** files: a 0/1 file of which views each row has. */
  mask?: string;
  /** files: the tables' column of sample IDs the views were paired by. */
  idColumn?: string;
  /** The covariates (columns of the view files, or given to the library) and their categories, as the config has them. */
  covariates?: Covariate[];
  /** files: the file of covariates the view files were paired with (an absolute path), if they came from one. */
  covariatesFile?: string;
  /** files: how their rows paired. */
  pairing?: Pairing;
  /** files: per view, its feature columns' names from its file (a CSV's header; Parquet, Arrow), or null; absent: none named. */
  columns?: (string[] | null)[];
  /** The fraction of rows held out (hvdmnist: 0, its test split is held out instead). */
  holdout: number;
  /** Which rows were held out; absent: 'last-rows'. */
  holdoutSplit?: HoldoutSplit;
  likelihood: Likelihood[];
  /** Per view: its standardisation (Gaussian views), or null (used as it is). */
  standardize: (Standardize | null)[];
  trainRows: number;
  /** Held-out rows (hvdmnist: its test rows). */
  heldOutRows: number;
};

/** The longest column name a model records. */
export const MAX_COLUMN_NAME = 256;

/**
 * Why `names` cannot be a view's `width` column names (it must be as many,
 * unique, each 1 to MAX_COLUMN_NAME characters with no comma or control
 * character: a CSV header's cells), or undefined when they can.
 */
export function badColumnNames(names: readonly string[], width: number): string | undefined {
  if (names.length !== width) return `${names.length} names for ${width} columns`;
  const seen = new Set<string>();
  for (const [j, s] of names.entries()) {
    if (s.length < 1 || s.length > MAX_COLUMN_NAME || /[\x00-\x1f,]/.test(s))
      return `name ${j + 1} is not 1 to ${MAX_COLUMN_NAME} characters without commas or control characters`;
    if (seen.has(s)) return `name ${j + 1} repeats an earlier one`;
    seen.add(s);
  }
  return undefined;
}
