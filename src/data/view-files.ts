// M views from a user's files (jpvae train --view F …), paired by sample
// ID when every file names its rows, else by row position (view-data.ts's
// pairViews). Node only (files);
// prepareViews (view-data.ts) splits and standardises.

import { InputError } from '../errors.ts';
import type { Likelihood } from './likelihood.ts';
import { readMatrix } from './matrix.ts';
import { readPairedFiles } from './paired-files.ts';
import { allViews, MAX_VIEWS, pairViews, splitViews, standardizeViews, type ViewData } from './view-data.ts';
import type { DataRecord, Pairing } from './record.ts';
import { VALUE_LABELS, type InputLabels } from './labels.ts';
import { formatOf, TABLE_FORMATS } from './parse.ts';
import { checkViewWidth } from './view-width.ts';
import { categoriesOf, designRows, type Covariate } from './covariates.ts';

/**
 * How view files are read: the tables' ID column, an n×M 0/1 file of which views each row has (position
 * pairing only), and how errors name the inputs (value words by default); `covariates`, the columns of
 * categories every row has in some view file, with the model's categories (`known`; else learnt from
 * the rows) and what an unknown category does.
 */
export interface ViewFileOptions {
  idColumn?: string;
  mask?: string;
  labels?: InputLabels;
  covariates?: readonly string[];
  /** A file of the covariates alone, paired with the views by sample ID, else by row. */
  covariatesFile?: string;
  known?: readonly Covariate[];
  unknown?: 'error' | 'mean';
}

/**
 * Read, check and pair the view files (by sample ID when every file names
 * its rows: paired-files.ts); a missing view's rows hold zeros (never read).
 */
export function loadViewFiles(
  paths: readonly string[],
  likelihood: readonly Likelihood[],
  opts: ViewFileOptions = {},
): ViewData & { pairing: Pairing; ids?: string[]; columns: (string[] | undefined)[]; covariates?: Covariate[] } {
  const labels = opts.labels ?? VALUE_LABELS;
  if (paths.length < 2 || paths.length > MAX_VIEWS)
    throw new InputError(`${labels.views}: expected 2 to ${MAX_VIEWS} files, got ${paths.length}`);
  const names = opts.known?.map((c) => c.name) ?? opts.covariates ?? [];
  const { matrices, ids, byId, columns, text } = readPairedFiles(
    paths,
    opts.idColumn,
    labels,
    names,
    opts.covariatesFile,
  );
  const mask = `${labels.mask} ${opts.mask}`;
  if (byId && opts.mask)
    throw new InputError(`${mask}: the views pair by sample ID; leave a sample out of a file instead of masking it`);
  const data = pairViews(
    matrices,
    likelihood,
    [...paths.map((p, i) => `${labels.view(i)} ${p}`), mask],
    labels,
    opts.mask === undefined ? undefined : readMatrix(opts.mask, labels.mask),
  );
  const values = names.map((k) => text.get(k)!);
  const covariates = opts.known ?? names.map((name, j) => ({ name, categories: categoriesOf(values[j]) }));
  const design = names.length ? designRows(covariates, values, data.n, opts.unknown, labels.covariate) : undefined;
  return {
    ...data,
    ...(design ? { design, covariates: [...covariates] } : {}),
    pairing: countPairing(data, data.dims.length, byId ? 'id' : 'position'),
    ids,
    columns,
  };
}

/** Rows with every one of m views, and with each view, by the data's presence bits (bit v − 1: view v; none: every view). */
export function countPairing(d: { n: number; present?: Uint8Array }, m: number, by: Pairing['by']): Pairing {
  const perView = new Array<number>(m).fill(d.present ? 0 : d.n);
  let complete = d.present ? 0 : d.n;
  for (const p of d.present ?? []) {
    if (p === allViews(m)) complete++;
    for (let v = 0; v < m; v++) if (p & (1 << v)) perView[v]++;
  }
  return { by, complete, perView };
}

/**
 * The training and held-out rows of a model trained on view files, read
 * again (to train it further, to evaluate it): the same files must still
 * have the rows it was trained on; they are standardised as they were then.
 * `label` names the model in errors ('the model in m').
 */
export function reopenViewFiles(record: DataRecord, label: string): { train: ViewData; heldOut?: ViewData } {
  if (record.dataset !== 'files' || !record.views)
    throw new InputError(`${label}: the model was trained on arrays, not files; its rows cannot be read again`);
  const data = loadViewFiles(record.views, record.likelihood, {
    idColumn: record.idColumn,
    mask: record.mask,
    known: record.covariates,
    covariatesFile: record.covariatesFile,
  });
  if (data.n !== record.trainRows + record.heldOutRows)
    throw new InputError(
      `${label}: its view files now have ${data.n} rows, not the ${record.trainRows + record.heldOutRows} it was trained on`,
    );
  standardizeViews(data, record.standardize);
  return splitViews(data, record.heldOutRows, record.holdoutSplit);
}

/**
 * New rows of a model's views from files (`paths[i]`: view i + 1's), read
 * and paired as its training files were: by sample ID when every file names
 * its rows (tables by the model's ID column), else by row; checked against
 * its widths `dims` and standardised as its training rows.
 */
export function openNewViewFiles(
  record: Pick<DataRecord, 'idColumn' | 'likelihood' | 'standardize' | 'covariates'>,
  dims: readonly number[],
  paths: readonly string[],
  labels: InputLabels = VALUE_LABELS,
  mask?: string,
  unknown: 'error' | 'mean' = 'error',
  covariatesFile?: string,
): ViewData & { pairing: Pairing; ids?: string[] } {
  if (paths.length !== dims.length)
    throw new InputError(
      `${labels.views}: the model has ${dims.length} views; give one file per view, got ${paths.length}`,
    );
  // The model's ID column applies to tables; files of other formats (NPY, IDX) pair by row.
  const tables = paths.some((p, i) => TABLE_FORMATS.includes(formatOf(p, `${labels.view(i)} ${p}`)));
  const idColumn = tables ? record.idColumn : undefined;
  const data = loadViewFiles(paths, record.likelihood, {
    idColumn,
    mask,
    labels,
    known: record.covariates,
    unknown,
    covariatesFile,
  });
  data.dims.forEach((width, i) =>
    checkViewWidth(labels.view(i), paths[i], width, i + 1, dims[i], { column: idColumn, label: labels.idColumn }),
  );
  standardizeViews(data, record.standardize);
  return data;
}
