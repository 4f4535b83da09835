// What the file formats share: positional reads of a file's bytes, and a
// matrix handed out a block of rows at a time, in order, with the samples'
// IDs where the file names its rows (AnnData obs names, an ID column).

import { InputError, quoted } from '../errors.ts';
import type { Matrix } from './npy.ts';

/** The most values a Float32Array holds (V8's typed-array length limit on 64-bit). */
export const MAX_MATRIX_VALUES = 2 ** 32;

/**
 * The most bytes of float32 matrix a file may state per byte it has. Real
 * files stay far below it (deflate, the usual compression, expands at most
 * 1032 times; a dense float32 matrix is 4 bytes a value); a header that
 * claims more is damaged or hostile, and is refused before its claim is
 * allocated, so a few-KB file costs a few MB at most, whatever it states.
 */
export const MAX_EXPANSION = 1000;

/**
 * Refuses a shape the file states but cannot hold, before anything is
 * allocated: more values than one float32 matrix holds (a RangeError where
 * the matrix is made), or, given the file's size, more than MAX_EXPANSION
 * times its bytes.
 */
export function checkMatrixSize(rows: number, cols: number, name: string, fileBytes = Infinity): void {
  if (rows * cols > MAX_MATRIX_VALUES)
    throw new InputError(
      `${name}: ${rows} rows × ${cols} columns is more values than one float32 matrix holds (${MAX_MATRIX_VALUES})`,
    );
  if (4 * rows * cols > MAX_EXPANSION * fileBytes)
    throw new InputError(
      `${name}: states ${rows} rows × ${cols} columns (${megabytes(4 * rows * cols)} of float32) in ${megabytes(fileBytes)}, more than ${MAX_EXPANSION} times the file's size (damaged?)`,
    );
}

const megabytes = (bytes: number) => `${+(bytes / 1e6).toPrecision(3)} MB`;

/** A byte range of a file that a footer or index states, and what it is ("row group 2's column 'x'"). */
export interface Extent {
  start: number;
  end: number;
  what: string;
}

/**
 * Refuses extents outside [lo, hi) or overlapping one another: a footer that
 * lists one row group (or record batch) twice would give its rows twice.
 */
export function checkExtents(extents: Extent[], lo: number, hi: number, name: string): void {
  const sorted = [...extents].sort((a, b) => a.start - b.start);
  sorted.forEach((e, i) => {
    if (!(Number.isSafeInteger(e.start) && e.start >= lo && e.end >= e.start && e.end <= hi))
      throw new InputError(
        `${name}: ${e.what} lies outside the file (bytes ${e.start}..${e.end} of ${hi}; truncated?)`,
      );
    const prev = sorted[i - 1];
    if (prev && e.start < prev.end)
      throw new InputError(`${name}: ${prev.what} and ${e.what} overlap (a footer that lists the same data twice?)`);
  });
}

/**
 * A table's columns (their names and types, as its schema states them),
 * split into the ID column and the numeric features, or one line: the ID
 * column it lacks (its first columns listed), or a column that is not a
 * number (perhaps unnamed IDs). Names come from the file: quoted.
 */
export function tableColumns<C extends { name: string; type: string }>(
  columns: C[],
  numeric: (c: C) => boolean,
  { name, idColumn, idLabel }: Pick<MatrixFile, 'name' | 'idColumn'> & { idLabel: string },
): { id?: C; features: C[] } {
  const id = idColumn === undefined ? undefined : columns.find((c) => c.name === idColumn);
  const listed = columns.slice(0, 8).map((c) => quoted(c.name));
  if (idColumn !== undefined && !id)
    throw new InputError(
      `${name}: no column ${quoted(idColumn)} (${idLabel}); the columns are ${listed.join(', ')}${columns.length > 8 ? ', …' : ''}`,
    );
  const features = columns.filter((c) => c !== id),
    other = features.find((c) => !numeric(c));
  if (other)
    throw new InputError(
      `${name}: column ${quoted(other.name)} is ${other.type}, not a number${idColumn === undefined ? `; if it holds sample IDs, name it as ${idLabel}` : ''}`,
    );
  return { id, features };
}

/** Bytes [start, min(end, size)) of a file of `size` bytes. */
export type ReadAt = (start: number, end: number) => Uint8Array;

/**
 * A file a reader parses: its bytes through `at`, its size, the name its
 * errors start with, and for the table formats (CSV, Parquet, Arrow) the
 * column of sample IDs and the words that name that column in errors.
 */
export interface MatrixFile {
  at: ReadAt;
  size: number;
  name: string;
  idColumn?: string;
  idLabel?: string;
  /** Columns of categories (covariates) to read as text and leave out of the matrix, where the file has them (CSV, Parquet). */
  textColumns?: readonly string[];
}

/** A matrix handed out in blocks of rows, in order. */
export interface RowSource {
  readonly rows: number;
  readonly cols: number;
  /** Each row's sample ID, where the file has them (unique, checked on opening). */
  readonly ids?: string[];
  /** Its feature columns' names, where the file names them (a CSV's header, a table's schema; not the ID column). */
  readonly columns?: string[];
  /** The columns of `textColumns` the file has, each a value per row (covariates: a CSV's cells, a table's column, an AnnData file's obs). */
  readonly text?: Map<string, string[]>;
  /** The next block of at most `maxRows` rows, or null after the last. */
  next(maxRows: number): Matrix | null;
}

/** A RowSource whose `fill(first, n, data)` writes rows [first, first + n) into data (n×cols). */
export function blockRows(
  rows: number,
  cols: number,
  fill: (first: number, n: number, data: Float32Array) => void,
  ids?: string[],
): RowSource {
  let done = 0;
  return {
    rows,
    cols,
    ids,
    next(maxRows) {
      const n = Math.min(maxRows, rows - done);
      if (n <= 0) return null;
      const data = new Float32Array(n * cols);
      fill(done, n, data);
      done += n;
      return { rows: n, cols, data };
    },
  };
}

/**
 * A RowSource over a file stored in groups of rows (Parquet row groups,
 * Arrow record batches): `decode(g, out)` writes group g's rows into `out`
 * (groupSizes[g] × cols; each group's row count known from the file's
 * metadata); blocks are cut from the decoded group. One buffer serves every
 * group, so at most one group is held decoded: a fresh one per group would
 * leave the last group's garbage beside it until the collector ran.
 */
export function groupedRows(
  groupSizes: number[],
  cols: number,
  decode: (g: number, out: Float32Array) => void,
  ids?: string[],
): RowSource {
  const rows = groupSizes.reduce((a, b) => a + b, 0);
  let g = -1,
    buffer = new Float32Array(0),
    decoded = buffer,
    at = 0; // next row within the decoded group
  return blockRows(
    rows,
    cols,
    (_first, n, data) => {
      for (let r = 0; r < n;) {
        while (at === (g < 0 ? 0 : groupSizes[g])) {
          const length = groupSizes[++g] * cols;
          if (buffer.length < length) buffer = new Float32Array(length);
          decode(g, (decoded = buffer.subarray(0, length)));
          at = 0;
        }
        const take = Math.min(n - r, groupSizes[g] - at);
        data.set(decoded.subarray(at * cols, (at + take) * cols), r * cols);
        at += take;
        r += take;
      }
    },
    ids,
  );
}
