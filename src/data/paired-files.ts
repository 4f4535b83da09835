// View files read into the rows of one data set: by sample ID when every
// file names its rows (a table's ID column, an AnnData/MuData file's obs
// names), else by row position. Each file is read straight into its rows
// of the union, so no view is held twice; a sample a file lacks is a row of
// NaN there (the view missing, views.ts's rule).

import { InputError } from '../errors.ts';
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
}

/** Read `paths` (view i's file is paths[i]); `idColumn` names the tables' ID column, `labels` the inputs in errors. */
export function readPairedFiles(
  paths: readonly string[],
  idColumn: string | undefined,
  labels: Pick<InputLabels, 'view' | 'idColumn'>,
): PairedFiles {
  const names = paths.map((p, i) => `${labels.view(i)} ${p}`);
  const streams: RowStream[] = [];
  try {
    for (const [i, path] of paths.entries()) {
      const column = TABLE_FORMATS.includes(formatOf(path, names[i])) ? idColumn : undefined;
      streams.push(openRows(path, labels.view(i), { idColumn: column, idLabel: labels.idColumn }));
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
    return {
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
