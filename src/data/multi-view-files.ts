// M views from a user's files (jpvae train --view F …), paired by sample
// ID when every file names its rows, else by row position (multi-view.ts's
// pairMultiView). Node only (files);
// prepareMultiView (multi-view.ts) splits and standardises.

import { InputError } from '../errors.ts';
import type { Likelihood } from './likelihood.ts';
import { readPairedFiles } from './paired-files.ts';
import {
  allViews,
  MAX_VIEWS,
  pairMultiView,
  splitMultiView,
  standardizeMultiView,
  type MultiViewData,
} from './multi-view.ts';
import type { Standardize } from './views.ts';
import type { HoldoutSplit } from './holdout.ts';
import { VALUE_LABELS, type InputLabels } from './labels.ts';
import { formatOf, TABLE_FORMATS } from './parse.ts';

/** How view files are read: the tables' ID column, and how errors name the inputs (value words by default). */
export interface ViewFileOptions {
  idColumn?: string;
  labels?: InputLabels;
}

/** How the rows were paired, and how many samples have every view and each view. */
export interface MultiPairing {
  by: 'id' | 'position';
  /** Samples with every view. */
  complete: number;
  /** perView[v − 1]: samples with view v. */
  perView: number[];
}

/**
 * Read, check and pair the view files (by sample ID when every file names
 * its rows: paired-files.ts); a missing view's rows hold zeros (never read).
 */
export function loadViewFiles(
  paths: readonly string[],
  likelihood: readonly Likelihood[],
  opts: ViewFileOptions = {},
): MultiViewData & { pairing: MultiPairing; ids?: string[] } {
  const labels = opts.labels ?? VALUE_LABELS;
  if (paths.length < 2 || paths.length > MAX_VIEWS)
    throw new InputError(`${labels.views}: expected 2 to ${MAX_VIEWS} files, got ${paths.length}`);
  const { matrices, ids, byId } = readPairedFiles(paths, opts.idColumn, labels);
  const data = pairMultiView(
    matrices,
    likelihood,
    paths.map((p, i) => `${labels.view(i)} ${p}`),
    labels,
  );
  return { ...data, pairing: countMultiPairing(data, data.dims.length, byId ? 'id' : 'position'), ids };
}

/** Rows with every one of m views, and with each view, by the data's presence bits (bit v − 1: view v; none: every view). */
export function countMultiPairing(
  d: { n: number; present?: Uint8Array },
  m: number,
  by: MultiPairing['by'],
): MultiPairing {
  const perView = new Array<number>(m).fill(d.present ? 0 : d.n);
  let complete = d.present ? 0 : d.n;
  for (const p of d.present ?? []) {
    if (p === allViews(m)) complete++;
    for (let v = 0; v < m; v++) if (p & (1 << v)) perView[v]++;
  }
  return { by, complete, perView };
}

/** What a model records of its view files: enough to read its rows again as they were split and standardised. */
export interface MultiViewFilesRecord {
  views: string[];
  /** The tables' column of sample IDs the views were paired by. */
  idColumn?: string;
  /** Which rows were held out; absent: 'last-rows'. */
  holdoutSplit?: HoldoutSplit;
  likelihood: Likelihood[];
  standardize: (Standardize | null)[];
  trainRows: number;
  heldOutRows: number;
}

/**
 * The training and held-out rows of a model trained on view files, read
 * again (to train it further, to evaluate it): the same files must still
 * have the rows it was trained on; they are standardised as they were then.
 * `label` names the model in errors ('the model in m').
 */
export function reopenViewFiles(
  record: MultiViewFilesRecord,
  label: string,
): { train: MultiViewData; heldOut?: MultiViewData } {
  if (record.views.some((v) => v === ''))
    throw new InputError(`${label}: the model was trained on arrays, not files; its rows cannot be read again`);
  const data = loadViewFiles(record.views, record.likelihood, { idColumn: record.idColumn });
  if (data.n !== record.trainRows + record.heldOutRows)
    throw new InputError(
      `${label}: its view files now have ${data.n} rows, not the ${record.trainRows + record.heldOutRows} it was trained on`,
    );
  standardizeMultiView(data, record.standardize);
  return splitMultiView(data, record.heldOutRows, record.holdoutSplit);
}

/**
 * New rows of a model's views from files (`paths[i]`: view i + 1's), read
 * and paired as its training files were: by sample ID when every file names
 * its rows (tables by the model's ID column), else by row; checked against
 * its widths `dims` and standardised as its training rows.
 */
export function openNewViewFiles(
  record: Pick<MultiViewFilesRecord, 'idColumn' | 'likelihood' | 'standardize'>,
  dims: readonly number[],
  paths: readonly string[],
  labels: InputLabels = VALUE_LABELS,
): MultiViewData & { pairing: MultiPairing; ids?: string[] } {
  if (paths.length !== dims.length)
    throw new InputError(
      `${labels.views}: the model has ${dims.length} views; give one file per view, got ${paths.length}`,
    );
  // The model's ID column applies to tables; files of other formats (NPY, IDX) pair by row.
  const tables = paths.some((p, i) => TABLE_FORMATS.includes(formatOf(p, `${labels.view(i)} ${p}`)));
  const data = loadViewFiles(paths, record.likelihood, { idColumn: tables ? record.idColumn : undefined, labels });
  data.dims.forEach((width, i) => {
    if (width !== dims[i])
      throw new InputError(
        `${labels.view(i)} ${paths[i]}: rows have ${width} values, but view ${i + 1} of the model has ${dims[i]}`,
      );
  });
  standardizeMultiView(data, record.standardize);
  return data;
}
