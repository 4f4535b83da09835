// A user's data file as a rows×cols matrix, chosen by extension: .csv,
// .npy, IDX (.idx, or MNIST's *-ubyte names; dims after the first are
// flattened into columns), Parquet, Arrow IPC, AnnData .h5ad or a MuData
// modality (file.h5mu:NAME; loadHdf5() first). Files are read in blocks of rows, never whole:
// a file may be far larger than memory allows as text, and `impute`
// streams it through.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { VALUE_LABELS } from './labels.ts';
import { InputError } from '../errors.ts';
import type { Matrix } from './npy.ts';
import { drain, formatOf, rowSource } from './parse.ts';
import { anndataRows } from './anndata.ts';
import type { ReadAt, RowSource } from './row-source.ts';

export interface RowStream extends RowSource {
  close(): void;
}

export interface OpenOptions {
  /** CSV text per read. */
  chunkBytes?: number;
  /** The column that holds the sample IDs (CSV, Parquet, Arrow). */
  idColumn?: string;
  /** How errors name the ID column (value words by default; jpvae's CLI passes '--id-column'). */
  idLabel?: string;
  /** Columns of categories to read as text (a table's columns, left out of the matrix; an AnnData file's obs columns). */
  textColumns?: readonly string[];
}

/** Open a matrix file for reading in blocks; bad files fail here, with one line naming the file. */
export function openRows(path: string, label: string, opts: OpenOptions = {}): RowStream {
  const idLabel = opts.idLabel ?? VALUE_LABELS.idColumn;
  const format = formatOf(path, `${label} ${path}`);
  if (format === 'h5ad' || format === 'h5mu') {
    if (opts.idColumn !== undefined)
      throw new InputError(
        `${label} ${path}: ${idLabel} is for tables; an AnnData/MuData file's rows are named by its obs names`,
      );
    return anndataRows(path, `${label} ${path}`, opts.textColumns);
  }
  // File-system errors (missing file, a directory, EIO mid-read) are the user's input too.
  const guard = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw code ? new InputError(`${label} ${path}: cannot read (${code})`) : e;
    }
  };
  const fd = guard(() => openSync(path, 'r'));
  try {
    const size = guard(() => fstatSync(fd).size); // nothing past it is read: CSV's first pass counts the rows its second parses
    const at: ReadAt = (start, end) => {
      const buf = Buffer.alloc(Math.max(0, Math.min(end, size) - start));
      for (let n = 0, k; n < buf.length; n += k) {
        if ((k = readSync(fd, buf, n, buf.length - n, start + n)) === 0)
          throw new InputError(`${label} ${path}: the file shrank while being read`);
      }
      return buf;
    };
    const source = guard((): RowSource =>
      rowSource(
        format,
        { at, size, name: path, idColumn: opts.idColumn, idLabel, textColumns: opts.textColumns },
        opts.chunkBytes,
      ),
    );
    return {
      ...source,
      next: (maxRows) => guard(() => source.next(maxRows)),
      close: () => closeSync(fd),
    };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** The whole file as one matrix: its float32 data plus one block of rows at a time. */
export function readMatrix(path: string, label: string, opts?: OpenOptions): Matrix {
  const s = openRows(path, label, opts);
  try {
    return drain(s);
  } finally {
    s.close();
  }
}
