// Imputation of several view files (jpvae impute --given … --input F …, and
// jpvae/node): the given views' files, in any reader's format, paired by
// sample ID when every file names its rows (else by row, as
// data/paired-files.ts reads them); the samples in every given file are
// imputed through the model (Eq. 12 over blocks), and each target view is
// written in kind by its extension: CSV or Parquet with the sample IDs
// first, NPY, or a copy of an AnnData input with the view in obsm. Every
// output goes to a temporary name first; none is moved into place unless
// all were written. Node only (files).

import { gatherRows } from '../data/dataset.ts';
import { readPairedFiles } from '../data/paired-files.ts';
import { formatOf, TABLE_FORMATS } from '../data/parse.ts';
import { createRowWriter, type RowWriter } from '../data/row-writer.ts';
import type { Matrix } from '../data/npy.ts';
import { InputError } from '../errors.ts';
import type { ImputeOptions, JpvaeModel } from './model.ts';

export interface ViewFilesImputeOptions extends Omit<ImputeOptions, 'names'> {
  /** The tables' column of sample IDs (default: the one the model was trained with). */
  idColumn?: string;
  /** A file of the samples' covariates (CSV, Parquet, AnnData obs), paired with the inputs by sample ID, else by row. */
  covariatesFile?: string;
  /** How errors name the inputs, the outputs, the ID column and the covariates file (default 'input', 'out', 'idColumn', 'covariatesFile'); jpvae impute names its flags. */
  names?: { input: string; out: string; idColumn: string; covariatesFile?: string };
}

const API_NAMES = { input: 'input', out: 'out', idColumn: 'idColumn', covariatesFile: 'covariatesFile' };

/**
 * Impute the views `o.target` of the files `inputs` (inputs[a]: view
 * o.given[a]) into the files `outs` (one per target). Returns the rows
 * written, and the samples left out because a given file lacks them (ID
 * pairing only; by position every row must have every given view).
 */
export function imputeViewFiles(
  model: JpvaeModel,
  inputs: readonly string[],
  outs: readonly string[],
  o: ViewFilesImputeOptions,
): { rows: number; skipped: number } {
  const names = o.names ?? API_NAMES,
    { given, target } = model.selection(o);
  if (inputs.length !== given.length)
    throw new InputError(`${names.input}: one file per given view (${given.length}) expected, got ${inputs.length}`);
  if (outs.length !== target.length)
    throw new InputError(`${names.out}: one file per target view (${target.length}) expected, got ${outs.length}`);
  const K = o.samples ?? 1;
  const anndata = outs.find((p) => /\.(h5ad|h5mu)$/i.test(p));
  if (anndata !== undefined) {
    if (formatOf(inputs[0], `${names.input} ${inputs[0]}`) !== formatOf(anndata, `${names.out} ${anndata}`))
      throw new InputError(
        `${names.out} ${anndata}: an AnnData/MuData output is a copy of the first input; ${names.input} ${inputs[0]} must be one too`,
      );
    if (K > 1) throw new InputError(`${names.out} ${anndata}: K draws per row do not fit an AnnData file's rows`);
  }
  const tables = inputs.some((p) => TABLE_FORMATS.includes(formatOf(p, `${names.input} ${p}`)));
  const idColumn = o.idColumn ?? (tables ? model.json.data.idColumn : undefined);
  // A model with covariates reads each sample's from the input files (their columns, or obs), unless given.
  const covariateNames = o.covariates ? [] : (model.config.covariates?.map((c) => c.name) ?? []);
  const files = readPairedFiles(
    inputs,
    idColumn,
    {
      view: () => names.input,
      idColumn: names.idColumn,
      covariate: 'covariate',
      covariatesFile: names.covariatesFile ?? 'covariatesFile',
    },
    covariateNames,
    o.covariatesFile,
  );
  // By ID, the samples some given file lacks are left out; the first file's come first, in its order.
  const n = files.matrices[0].rows;
  const kept = files.rowOf ? inEvery(files.rowOf, n) : [...Array(n).keys()];
  const rows = files.byId ? files.matrices.map((m) => pickRows(m, kept)) : files.matrices;
  const ids = files.ids && kept.map((r) => files.ids![r]);
  if (anndata !== undefined && kept.length !== files.fileRows[0])
    throw new InputError(
      `${names.out} ${anndata}: an AnnData output copies ${names.input} ${inputs[0]}, but the other inputs lack some of its samples`,
    );
  if (!kept.length) throw new InputError(`${names.input}: no sample is in every given file`);
  const covariates =
    o.covariates ??
    (covariateNames.length
      ? Object.fromEntries(covariateNames.map((k) => [k, kept.map((r) => files.text.get(k)![r])]))
      : undefined);
  const ys = model.impute(rows, {
    samples: o.samples,
    seed: o.seed,
    draws: o.draws,
    point: o.point,
    covariates,
    unknownCategory: o.unknownCategory,
    given,
    target,
    names: inputs.map((p) => `${names.input} ${p}`),
  }); // target is a list: one array per target
  // A CSV output has a header when the first input had one (or IDs to name).
  const header = formatOf(inputs[0], inputs[0]) === 'csv' && files.columns[0] !== undefined;
  const writers: RowWriter[] = [];
  try {
    ys.forEach((y, t) => {
      const dim = model.widths[target[t] - 1],
        out = outs[t];
      const w = createRowWriter(out, names.out, dim, {
        idColumn: ids && out !== anndata ? (idColumn ?? 'obs_names') : undefined,
        columns: model.json.data.columns?.[target[t] - 1] ?? undefined,
        header,
        anndata: out === anndata ? { input: inputs[0], key: `X_jpvae_view${target[t]}`, rows: kept.length } : undefined,
      });
      writers.push(w);
      w.write({ rows: y.length / dim, cols: dim, data: y }, ids && ids.flatMap((id) => Array<string>(K).fill(id)));
    });
    for (const w of writers) w.commit();
  } catch (e) {
    for (const w of writers) w.abort();
    throw e;
  }
  return { rows: kept.length, skipped: n - kept.length };
}

/** The union rows (of n) that every file's rows map to, ascending. */
function inEvery(rowOf: readonly Int32Array[], n: number): number[] {
  const files = new Uint8Array(n);
  for (const rows of rowOf) for (const u of rows) files[u]++;
  return [...Array(n).keys()].filter((u) => files[u] === rowOf.length);
}

function pickRows(m: Matrix, rows: readonly number[]): Matrix {
  return { rows: rows.length, cols: m.cols, data: gatherRows(m.data, m.cols, rows) };
}
