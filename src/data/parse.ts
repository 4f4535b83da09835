// A matrix file's format by its name (.csv, .npy, IDX as .idx or MNIST's
// *-ubyte names) and its rows through that format's parser, from any
// positional reader: a file in Node (matrix.ts), or bytes in memory
// anywhere (parseMatrix: a fetched file, a File from an <input>).

import { InputError } from '../errors.ts';
import { csvRows } from './csv.ts';
import { readIdxHeader } from './idx.ts';
import { binaryRows, readNpyHeader, type Matrix } from './npy.ts';
import type { ReadAt, RowSource } from './row-source.ts';

export const MATRIX_EXTENSIONS = ['.csv', '.npy', '.idx'];

type Format = 'csv' | 'npy' | 'idx';

/** The format of a file named `name`; `label` prefixes the error ('--view1 a.txt'). */
export function formatOf(name: string, label: string): Format {
  const ext = /\.[^./\\]*$/.exec(name)?.[0].toLowerCase() ?? '';
  if (ext === '.csv') return 'csv';
  if (ext === '.npy') return 'npy';
  if (ext === '.idx' || /-ubyte$/.test(name)) return 'idx';
  throw new InputError(
    `${label}: unknown file type '${ext || '(none)'}'; expected ${MATRIX_EXTENSIONS.join(', ')} or an IDX *-ubyte file`,
  );
}

/** The rows of a matrix file `size` bytes long, read through `at`; `name` prefixes parse errors. */
export function rowSource(format: Format, at: ReadAt, size: number, name: string, chunkBytes?: number): RowSource {
  const source = ((): RowSource => {
    if (format === 'csv') return csvRows(at, size, name, chunkBytes);
    if (format === 'npy') return binaryRows(at, readNpyHeader(at, size, name));
    const { dims, start } = readIdxHeader(at, size, name);
    return binaryRows(at, { rows: dims[0], cols: dims.slice(1).reduce((a, b) => a * b, 1), start, dtype: '|u1' });
  })();
  // An empty matrix (a .npy of shape (0, 5), an IDX of 0 images) is no data: never an empty output.
  if (source.rows === 0 || source.cols === 0)
    throw new InputError(`${name}: no data rows (a ${source.rows}×${source.cols} matrix)`);
  return source;
}

/** Every row of a source as one matrix. */
export function drain(s: RowSource, blockRows = 4096): Matrix {
  const data = new Float32Array(s.rows * s.cols);
  for (let r = 0, m; (m = s.next(blockRows)); r += m.rows) data.set(m.data, r * s.cols);
  return { rows: s.rows, cols: s.cols, data };
}

/** A CSV, NPY or IDX file's bytes as a matrix; its format by `name`'s extension. */
export function parseMatrix(bytes: Uint8Array, name: string): Matrix {
  return drain(
    rowSource(formatOf(name, name), (s, e) => bytes.subarray(s, Math.min(e, bytes.length)), bytes.length, name),
  );
}
