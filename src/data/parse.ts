// A matrix file's format by its name (.csv, .npy, IDX as .idx or MNIST's
// *-ubyte names, Parquet, Arrow IPC; AnnData/MuData, read in Node only by
// matrix.ts) and its rows through that format's parser, from any
// positional reader: a file in Node (matrix.ts), or bytes in memory
// anywhere (parseMatrix: a fetched file, a File from an <input>).

import { InputError } from '../errors.ts';
import { VALUE_LABELS } from './labels.ts';
import { csvRows } from './csv.ts';
import { readIdxHeader } from './idx.ts';
import { binaryRows, readNpyHeader, type Matrix } from './npy.ts';
import { parquetRows } from './parquet.ts';
import { arrowRows } from './arrow.ts';
import { checkMatrixSize, type MatrixFile, type RowSource } from './row-source.ts';

export const MATRIX_EXTENSIONS = ['.csv', '.npy', '.idx', '.parquet', '.arrow', '.feather', '.h5ad', '.h5mu:MODALITY'];

export type Format = 'csv' | 'npy' | 'idx' | 'parquet' | 'arrow' | 'h5ad' | 'h5mu';

/** Formats whose rows may carry sample IDs from a named column (--id-column). */
export const TABLE_FORMATS: Format[] = ['csv', 'parquet', 'arrow'];

/** The format of a file named `name` (a .h5mu's modality after a colon); `label` prefixes the error ("view 1's file a.txt"). */
export function formatOf(name: string, label: string): Format {
  const ext = /\.[^./\\]*$/.exec(name.replace(/(\.h5mu):[^/\\]*$/i, '$1'))?.[0].toLowerCase() ?? '';
  if (ext === '.csv') return 'csv';
  if (ext === '.npy') return 'npy';
  if (ext === '.parquet' || ext === '.pq') return 'parquet';
  if (ext === '.arrow' || ext === '.feather' || ext === '.ipc' || ext === '.arrows') return 'arrow';
  if (ext === '.h5ad') return 'h5ad';
  if (ext === '.h5mu') return 'h5mu';
  if (ext === '.idx' || /-ubyte$/.test(name)) return 'idx';
  throw new InputError(
    `${label}: unknown file type '${ext || '(none)'}'; expected ${MATRIX_EXTENSIONS.join(', ')} or an IDX *-ubyte file`,
  );
}

/**
 * The rows of a matrix file through its format's parser; `file.name`
 * prefixes parse errors, `file.idColumn` names the column of sample IDs
 * (CSV, Parquet, Arrow); `chunkBytes` is CSV's read size.
 */
export function rowSource(format: Format, file: MatrixFile, chunkBytes?: number): RowSource {
  const { at, size, name, idColumn, idLabel = VALUE_LABELS.idColumn } = file;
  if (idColumn !== undefined && !TABLE_FORMATS.includes(format))
    throw new InputError(`${name}: ${idLabel} names a column of a CSV, Parquet or Arrow file; this is ${format}`);
  const source = ((): RowSource => {
    if (format === 'csv') return csvRows(file, chunkBytes);
    if (format === 'parquet') return parquetRows(file);
    if (format === 'arrow') return arrowRows(file);
    if (format === 'h5ad' || format === 'h5mu')
      throw new InputError(`${name}: AnnData/MuData files are read from disk (jpvae/node's openRows), not from bytes`);
    if (format === 'npy') return binaryRows(at, readNpyHeader(at, size, name));
    const { dims, start } = readIdxHeader(at, size, name);
    return binaryRows(at, { rows: dims[0], cols: dims.slice(1).reduce((a, b) => a * b, 1), start, dtype: '|u1' });
  })();
  // An empty matrix (a .npy of shape (0, 5), an IDX of 0 images) is no data: never an empty output
  // (a table of covariates alone, with text columns and no numbers, is read for those).
  if (source.rows === 0 || (source.cols === 0 && !source.text?.size))
    throw new InputError(`${name}: no data rows (a ${source.rows}×${source.cols} matrix)`);
  // Before drain allocates the matrix: blank CSV lines and compressed Parquet pages cost more than their bytes.
  checkMatrixSize(source.rows, source.cols, name, size);
  return source;
}

/**
 * Every row of a source as one matrix; with `rowOf`, source row r goes to
 * row rowOf[r] of a matrix of `rows` rows, whose other rows are NaN (a
 * sample this view lacks).
 */
export function drain(
  s: RowSource,
  blockRows = Math.max(1, Math.min(4096, Math.floor(2 ** 20 / s.cols))), // ≤ 4 MB a block: wide rows too
  rowOf?: Int32Array,
  rows = s.rows,
): Matrix {
  const data = new Float32Array(rows * s.cols);
  if (rowOf && rows > s.rows) data.fill(NaN);
  for (let r = 0, m; (m = s.next(blockRows)); r += m.rows)
    if (!rowOf) data.set(m.data, r * s.cols);
    else
      for (let i = 0; i < m.rows; i++) data.set(m.data.subarray(i * s.cols, (i + 1) * s.cols), rowOf[r + i] * s.cols);
  return { rows, cols: s.cols, data };
}

/** A CSV, NPY, IDX, Parquet or Arrow file's bytes as a matrix; its format by `name`'s extension. */
export function parseMatrix(bytes: Uint8Array, name: string): Matrix {
  return drain(
    rowSource(formatOf(name, name), {
      at: (s, e) => bytes.subarray(s, Math.min(e, bytes.length)),
      size: bytes.length,
      name,
    }),
  );
}
