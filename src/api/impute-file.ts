// Imputation of a whole file (jpvae impute, and jpvae/node): one given view
// (any reader's format) is streamed a chunk of rows at a time, preprocessed
// as at training time, one target view imputed through the stored latent
// fit (Eq. 12), and
// written in kind by the output's extension (CSV or Parquet with the input's
// sample IDs, and a CSV's header when the input had one, the target view's
// columns named as in its training file when the model records them; NPY, or a copy of
// the input .h5ad with the imputed view in obsm), renamed into place at the
// end. Node only (files).

import { openRows } from '../data/matrix.ts';
import { formatOf, TABLE_FORMATS } from '../data/parse.ts';
import { checkViewWidth } from '../data/view-width.ts';
import { createRowWriter, type RowWriter } from '../data/row-writer.ts';
import { Rng } from '../data/rng.ts';
import { InputError, quoted } from '../errors.ts';
import { conditionalOf } from '../impute/block-conditional.ts';
import { checkGivenRows, checkImputed, drawsOf, imputeInUnits, repeatRows, type DrawKind } from '../impute/impute.ts';
import { checkPoint, toPoint, type PointKind } from '../impute/point.ts';
import type { JpvaeModel } from './model.ts';
import { designOf, type UnknownCategory } from '../data/covariate-columns.ts';

/** Rows imputed at once (input rows × samples): memory stays bounded whatever the input's size. */
export const IMPUTE_CHUNK_ROWS = 4096;

export interface ImputeOptions {
  /** Which view the input rows are (from 1, as `jpvae impute --given`). */
  given: number;
  /** Which view to impute (default: the other one of a two-view model). */
  target?: number;
  samples: number;
  summary: boolean;
  seed: number;
  /** What each of the K draws is (default 'predictive': the latent draw decoded, plus a Gaussian view's observation noise). */
  draws?: DrawKind;
  /** Without samples: 'mean' (the default, the likelihood's mean) or 'median' (a count view's median counts; impute/point.ts). */
  point?: PointKind;
  chunkRows?: number;
  /** The input table's column of sample IDs (default: the one the model was trained with). */
  idColumn?: string;
  /** A covariate's category the model does not know: 'error' (the default) or 'average' (the known ones' mean). */
  unknownCategory?: UnknownCategory;
  /**
   * How errors name the input file, the output file, the summary option and
   * the ID column: by default as this API's arguments ('input', 'out',
   * 'summary: true', 'idColumn'); jpvae impute names its flags.
   */
  names?: ImputeNames;
}

export interface ImputeNames {
  input: string;
  out: string;
  summary: string;
  idColumn?: string;
  point?: string;
}
const API_NAMES: ImputeNames = {
  input: 'input',
  out: 'out',
  summary: 'summary: true',
  idColumn: 'idColumn',
  point: 'point',
};

/** The columns of a summary: each feature's mean, then each one's sd (x1_mean, …, x1_sd, …; by the view's `names` when the model records them). */
const summaryColumns = (dim: number, names?: string[]) =>
  ['mean', 'sd'].flatMap((s) => Array.from({ length: dim }, (_, j) => `${names?.[j] ?? `x${j + 1}`}_${s}`));

/**
 * Imputes view `target` of every row of the file `input` (view `given`)
 * into the file `out`, a chunk at a time; returns the number of rows. On any error `out`
 * is left as it was. The draws come from one Rng consumed in row order, so
 * the chunk size does not change the output.
 */
export function imputeFile(trained: JpvaeModel, input: string, out: string, o: ImputeOptions): number {
  const { net: model, json } = trained;
  const m = model.m,
    names = o.names ?? API_NAMES;
  const [t, ...more] = trained.selection(o).target;
  if (more.length) throw new InputError(`target: one view given of a ${m}-view model leaves ${m - 1}; name one`);
  const given = o.given - 1,
    target = t - 1,
    width = model.views[given].dim,
    dim = model.views[target].dim;
  if (!json.latentFit)
    throw new InputError('the model has no latent fit (training did not finish); resume it to the end first');
  const c = conditionalOf(json.latentFit, [o.given], [t]);
  const pointLabel = names.point ?? API_NAMES.point!,
    point = checkPoint(o.point ?? 'mean', model.views[target].likelihood, target, pointLabel);
  if (point !== 'mean' && o.samples > 1)
    throw new InputError(
      `${pointLabel} ${point}: a point imputation; it does not apply to draws (leave the samples out)`,
    );
  const K = o.samples,
    chunk = Math.max(1, Math.floor((o.chunkRows ?? IMPUTE_CHUNK_ROWS) / K));
  const rng = new Rng(o.seed),
    draws = K === 1 ? undefined : drawsOf(o.draws ?? 'predictive', rng);
  const inFormat = formatOf(input, `${names.input} ${input}`),
    outFormat = /\.(h5ad|h5mu)$/i.exec(out)?.[1].toLowerCase(); // the writer checks the rest
  const idColumn = TABLE_FORMATS.includes(inFormat)
    ? (o.idColumn ?? (json.data as { idColumn?: string }).idColumn)
    : undefined;
  const anndata = outFormat !== undefined;
  if (anndata && inFormat !== outFormat)
    throw new InputError(
      `${names.out} ${out}: an AnnData/MuData output is a copy of the input; ${names.input} must be one too`,
    );
  if (anndata && K > 1 && !o.summary)
    throw new InputError(
      `${names.out} ${out}: K draws per row do not fit an AnnData file's rows; add ${names.summary}`,
    );
  // A model with covariates reads each row's from the input (a table's columns, an AnnData file's obs).
  const covariates = json.config.covariates ?? [];
  const rows = openRows(input, names.input, {
    idColumn,
    idLabel: names.idColumn,
    textColumns: covariates.map((v) => v.name),
  });
  let writer: RowWriter | undefined;
  try {
    checkViewWidth(names.input, input, rows.cols, o.given, width, {
      column: idColumn,
      label: names.idColumn ?? API_NAMES.idColumn!,
    });
    const own = json.data.columns?.[target] ?? undefined; // the target view's names from its training file
    const key = `X_jpvae_view${target + 1}${o.summary ? '_mean_sd' : ''}`;
    writer = createRowWriter(out, names.out, o.summary ? 2 * dim : dim, {
      idColumn: rows.ids && !anndata ? (idColumn ?? 'obs_names') : undefined,
      columns: o.summary ? summaryColumns(dim, own) : own,
      header: o.summary || (inFormat === 'csv' && rows.columns !== undefined), // a CSV's reader names columns only from a header
      anndata: anndata ? { input, key, rows: rows.rows } : undefined,
    });
    const missing = covariates.find((v) => !rows.text?.has(v.name));
    if (missing)
      throw new InputError(
        `${names.input} ${input}: no column ${quoted(missing.name)} (the model's covariate: a CSV header's or a table's column, or an obs column)`,
      );
    for (let start = 0, mat; (mat = rows.next(chunk)); start += mat.rows) {
      const label = `${names.input} ${input}`;
      checkGivenRows(mat.data, width, model.views[given].likelihood, given, label, start);
      const values =
        rows.text && Object.fromEntries([...rows.text].map(([k, v]) => [k, v.slice(start, start + mat.rows)]));
      const design = designOf(
        json.config.covariates,
        values,
        mat.rows,
        o.unknownCategory,
        `${label}: covariates`,
        start,
      );
      const [y] = imputeInUnits(
        model,
        c,
        json.data.standardize,
        [repeatRows(mat.data, mat.rows, width, K)],
        mat.rows * K,
        draws,
        1,
        design && repeatRows(design, mat.rows, design.length / mat.rows, K),
      );
      checkImputed(y, dim, K, label, start);
      toPoint(model.views[target], model.dispersion(target), y, point);
      const ids = rows.ids?.slice(start, start + mat.rows);
      if (o.summary) writer.write(summarize(y, mat.rows, K, dim), ids);
      else writer.write({ rows: mat.rows * K, cols: dim, data: y }, ids && ids.flatMap((id) => Array(K).fill(id)));
    }
    writer.commit();
    return rows.rows;
  } catch (e) {
    writer?.abort();
    throw e;
  } finally {
    rows.close();
  }
}

/** Per input row, the mean and sd over its K draws, side by side. */
function summarize(draws: Float32Array, n: number, K: number, dim: number) {
  const data = new Float32Array(n * 2 * dim);
  for (let r = 0; r < n; r++)
    for (let j = 0; j < dim; j++) {
      let s = 0,
        s2 = 0;
      for (let q = 0; q < K; q++) {
        const x = draws[(r * K + q) * dim + j];
        s += x;
        s2 += x * x;
      }
      const mean = s / K;
      data[r * 2 * dim + j] = mean;
      data[r * 2 * dim + dim + j] = Math.sqrt(Math.max(0, s2 / K - mean * mean));
    }
  return { rows: n, cols: 2 * dim, data };
}
