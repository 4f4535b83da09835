// View files read into the rows of one data set: by sample ID when every
// file names its rows (a table's ID column, an AnnData/MuData file's obs
// names), else by row position. Each file is read straight into its rows
// of the union, so no view is held twice; a sample a file lacks is a row of
// NaN there (the view missing, views.ts's rule).

import { InputError, quoted } from '../errors.ts';
import type { InputLabels } from './labels.ts';
import { openRows, type RowStream } from './matrix.ts';
import type { Matrix } from './npy.ts';
import { drain, formatOf, TABLE_FORMATS } from './parse.ts';
import { pairIdLists } from './sample-ids.ts';

export interface PairedFiles {
  matrices: Matrix[];
  /** The union's sample IDs when the views paired by them (else a file's own row names, if it has them). */
  ids?: string[];
  byId: boolean;
  /** fileRows[i]: the rows of view i's file. */
  fileRows: number[];
  /** Paired by ID: rowOf[i][r], the union row of view i's file row r. */
  rowOf?: Int32Array[];
  /** columns[i]: view i's file's names of its feature columns, where it names them. */
  columns: (string[] | undefined)[];
  /** Each text column asked for (covariates), a value per row of the union, from the files that have it. */
  text: Map<string, string[]>;
}

/**
 * Read `paths` (view i's file is paths[i]); `idColumn` names the tables' ID column, `labels` the inputs in
 * errors; `textColumns` (covariates) are read from every file that has them, as text.
 */
export function readPairedFiles(
  paths: readonly string[],
  idColumn: string | undefined,
  labels: Pick<InputLabels, 'view' | 'idColumn' | 'covariate' | 'covariatesFile'>,
  textColumns: readonly string[] = [],
  covariatesFile?: string,
): PairedFiles {
  const names = paths.map((p, i) => `${labels.view(i)} ${p}`);
  const streams: RowStream[] = [];
  try {
    for (const [i, path] of paths.entries()) {
      const column = TABLE_FORMATS.includes(formatOf(path, names[i])) ? idColumn : undefined;
      streams.push(openRows(path, labels.view(i), { idColumn: column, idLabel: labels.idColumn, textColumns }));
    }
    const byId = streams.every((s) => s.ids);
    if (idColumn !== undefined && !byId)
      throw new InputError(
        `${labels.idColumn} ${idColumn}: ${names[streams.findIndex((s) => !s.ids)]} has no sample IDs; pairing by ID needs them in ${paths.length === 2 ? 'both views' : 'every view'} (a table's ID column, or an AnnData file's obs names)`,
      );
    const p = byId
      ? pairIdLists(
          streams.map((s) => s.ids!),
          names,
        )
      : undefined;
    const n = p?.ids.length ?? streams[0].rows,
      ids = p?.ids ?? streams[0].ids;
    const sources: TextSource[] = streams.map((s, i) => ({
      text: s.text,
      unionRow: (r) => (p ? p.rowOf[i][r] : r),
      name: names[i],
    }));
    if (covariatesFile !== undefined)
      sources.push(covariateSource(covariatesFile, textColumns, n, p?.ids, idColumn, labels));
    const text = new Map(textColumns.map((k) => [k, unionText(sources, k, n, ids, labels.covariate)]));
    return {
      text,
      matrices: streams.map((s, i) => drain(s, undefined, p?.rowOf[i], p?.ids.length)),
      ids: p?.ids ?? streams.find((s) => s.ids)?.ids,
      byId,
      fileRows: streams.map((s) => s.rows),
      rowOf: p?.rowOf,
      columns: streams.map((s) => s.columns),
    };
  } finally {
    for (const s of streams) s.close();
  }
}

/**
 * A file of covariates only (`labels.covariatesFile`): its rows paired with the union's by sample ID when the
 * views pair so (its samples outside the union ignored), else by row (as many rows).
 */
function covariateSource(
  path: string,
  textColumns: readonly string[],
  n: number,
  unionIds: string[] | undefined,
  idColumn: string | undefined,
  labels: Pick<InputLabels, 'idColumn' | 'covariatesFile'>,
): TextSource {
  const name = `${labels.covariatesFile} ${path}`;
  const s = openRows(path, labels.covariatesFile, {
    idColumn: unionIds && TABLE_FORMATS.includes(formatOf(path, name)) ? idColumn : undefined,
    idLabel: labels.idColumn,
    textColumns,
  });
  try {
    if (unionIds && !s.ids)
      throw new InputError(
        `${name}: the views pair by sample ID; the file must name its samples too (${labels.idColumn}, or obs names)`,
      );
    if (!unionIds && s.rows !== n)
      throw new InputError(`${name}: ${s.rows} rows, but the views have ${n}; without sample IDs they pair by row`);
    const at = unionIds && new Map(unionIds.map((id, u) => [id, u]));
    return { text: s.text, unionRow: (r) => (at ? (at.get(s.ids![r]) ?? -1) : r), name };
  } finally {
    s.close();
  }
}

/** A file's text columns and the union row of each of its rows (−1: a sample outside the union). */
interface TextSource {
  text?: Map<string, string[]>;
  unionRow: (r: number) => number;
  name: string;
}

/**
 * Text column `key` of the sources that have it, on the union's n rows: a row no source gives a value,
 * or one two sources disagree on, is one line.
 */
function unionText(
  sources: readonly TextSource[],
  key: string,
  n: number,
  ids: string[] | undefined,
  label: string,
): string[] {
  const out = new Array<string | undefined>(n),
    from = new Int8Array(n).fill(-1);
  const sample = (u: number) => (ids ? `sample ${quoted(ids[u])}` : `row ${u + 1}`);
  sources.forEach((s, i) => {
    s.text?.get(key)?.forEach((v, r) => {
      const u = s.unionRow(r);
      if (u < 0 || v === '') return; // a sample outside the union; no value here (a blank line, a null)
      if (out[u] !== undefined && out[u] !== v)
        throw new InputError(
          `${label} ${quoted(key)}: ${sample(u)} is ${quoted(out[u]!)} in ${sources[from[u]].name} but ${quoted(v)} in ${s.name}`,
        );
      out[u] = v;
      from[u] = i;
    });
  });
  if (!sources.some((s) => s.text?.has(key)))
    throw new InputError(
      `${label} ${quoted(key)}: no file has that column (a CSV header's or a table's column, or an AnnData/MuData obs column)`,
    );
  const missing = out.findIndex((v) => v === undefined);
  if (missing >= 0) throw new InputError(`${label} ${quoted(key)}: ${sample(missing)} has no value in any file`);
  return out as string[];
}
