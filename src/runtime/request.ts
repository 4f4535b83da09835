// One impute call checked and resolved on the caller's thread, before
// anything goes to the worker: which imputer of the export (target from
// given views), the rows of each given view (rows.ts), how many draws of
// which kind from which seed. The worker gets only what it can run.

import { InputError } from '../errors.ts';
import { DRAW_KINDS, type DrawKind } from '../impute/impute.ts';
import type { ImputerSpec, Manifest } from '../onnx/manifest.ts';
import { viewRows, type RowsInput } from './rows.ts';
import { designOf, UNKNOWN_CATEGORY, type CovariateColumns, type UnknownCategory } from '../data/covariate-columns.ts';

/** A view's number, 1 to M as in the manifest. */
export type View = number;

/** The default seed of draws: the library's (model.impute) and `jpvae impute`'s, so draws are the same everywhere unless a seed is given. */
export const DEFAULT_SEED = 1;

export interface ImputeOptions {
  given: View | readonly View[];
  target?: View;
  samples?: number;
  seed?: number;
  draws?: DrawKind;
  /**
   * An export with covariates (manifest.covariates): each covariate's
   * category per row, by name, as the library's impute takes them
   * (`{ batch: ['A', 'B', …] }`, one value per row of the given views).
   */
  covariates?: CovariateColumns;
  /** A category the export does not know: 'error' (the default), or 'average' (the mean of the known categories' one-hots), as the library's. */
  unknownCategory?: UnknownCategory;
  /** Give a Float32Array's buffer to the worker instead of copying it (it is detached here): for large inputs the caller no longer needs. */
  transfer?: boolean;
}

/** What the worker runs: imputer `at` of the manifest's list on n rows of each given view, in raw units. */
export interface ImputeRequest {
  at: number;
  given: View[];
  target: View;
  rows: Float32Array[];
  n: number;
  /** The rows' design (n × the covariates' one-hot width), the graphs' `covariates` input; absent without covariates. */
  design?: Float32Array;
  /** Draws per row, or undefined for the mean imputation. */
  samples?: number;
  seed: number;
  draws: DrawKind;
}

/** The views of `given` (1-based, distinct) and the target (default: the one view not given), checked against the export. */
function resolveViews(m: number, given: readonly View[], target: View | undefined): { given: View[]; target: View } {
  const isView = (v: unknown) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= m;
  if (!given.length || !given.every(isView) || new Set(given).size !== given.length)
    throw new InputError(`imputer: given must be distinct views from 1 to ${m}, got ${given.join(',')}`);
  const rest = Array.from({ length: m }, (_, i) => i + 1).filter((v) => !given.includes(v));
  if (target === undefined) {
    if (rest.length !== 1)
      throw new InputError(
        `imputer: given views ${given.join(',')} leave views ${rest.join(',')}: say which is the target`,
      );
    return { given: [...given], target: rest[0] };
  }
  if (!isView(target) || given.includes(target))
    throw new InputError(`imputer: target must be a view from 1 to ${m} that is not given, got ${target}`);
  return { given: [...given], target };
}

/** The index in `imputers` of target from given, or an error listing those the export has. */
function imputerIndex(imputers: readonly ImputerSpec[], given: readonly View[], target: View): number {
  const key = [...given].sort((a, b) => a - b).join(',');
  const at = imputers.findIndex((i) => i.target === target && i.given.join(',') === key);
  if (at < 0)
    throw new InputError(
      `imputer: the export has no imputer of view ${target} from views ${key} ` +
        `(it has ${imputers.map((i) => `${i.target} from ${i.given.join(',')}`).join('; ')}; ` +
        `an export with the subset { given: [${key}], target: ${target} } has it)`,
    );
  return at;
}

/**
 * The request for `input` (one view's rows when `given` is a view number,
 * one per view of `given`, in its order, when it is a list), checked
 * against the manifest: views, widths, finite values, equal row counts,
 * samples and draws, and the covariates' categories (turned into the design
 * rows the graphs take).
 */
export function imputeRequest(
  manifest: Manifest,
  input: RowsInput | readonly RowsInput[],
  o: ImputeOptions,
): ImputeRequest {
  if (!o || typeof o !== 'object')
    throw new InputError('imputer: impute needs options with the given view ({ given: 1 })');
  const list = typeof o.given === 'number' ? [o.given] : [...(o.given ?? [])];
  const { given, target } = resolveViews(manifest.views.length, list, o.target);
  const at = imputerIndex(manifest.imputers, given, target);
  const inputs = typeof o.given === 'number' ? [input as RowsInput] : (input as readonly RowsInput[]);
  if (!Array.isArray(inputs) || inputs.length !== given.length)
    throw new InputError(
      `imputer: ${Array.isArray(inputs) ? inputs.length : 'no'} arrays of rows for ${given.length} given views; give one per view, in their order`,
    );
  const rows = inputs.map((x, a) => viewRows(x, manifest.views[given[a] - 1], manifest.views, o.transfer));
  const n = rows[0].length / manifest.views[given[0] - 1].dim;
  rows.forEach((x, a) => {
    const r = x.length / manifest.views[given[a] - 1].dim;
    if (r !== n) throw new InputError(`imputer: ${r} rows of view ${given[a]}, but ${n} of view ${given[0]}`);
  });
  const { samples, seed = DEFAULT_SEED, draws = 'predictive' } = o;
  if (samples !== undefined && !(Number.isInteger(samples) && samples >= 1))
    throw new InputError(`imputer: samples must be a positive integer, got ${samples}`);
  if (!Number.isInteger(seed) || seed < 0)
    throw new InputError(`imputer: seed must be a non-negative integer, got ${seed}`);
  if (!DRAW_KINDS.includes(draws)) throw new InputError(`imputer: draws must be predictive or latent, got ${draws}`);
  const { unknownCategory = 'error' } = o;
  if (!UNKNOWN_CATEGORY.includes(unknownCategory))
    throw new InputError(`imputer: unknownCategory must be error or average, got ${unknownCategory}`);
  const design = designOf(manifest.covariates, o.covariates, n, unknownCategory, 'imputer: covariates');
  return { at, given, target, rows, n, design, samples, seed, draws };
}
