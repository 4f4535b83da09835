// What the file formats share: positional reads of a file's bytes, and a
// matrix handed out a block of rows at a time, in order.

import type { Matrix } from './npy.ts';

/** Bytes [start, min(end, size)) of a file of `size` bytes. */
export type ReadAt = (start: number, end: number) => Uint8Array;

/** A matrix handed out in blocks of rows, in order. */
export interface RowSource {
  readonly rows: number;
  readonly cols: number;
  /** The next block of at most `maxRows` rows, or null after the last. */
  next(maxRows: number): Matrix | null;
}

/** A RowSource whose `fill(first, n, data)` writes rows [first, first + n) into data (n×cols). */
export function blockRows(
  rows: number,
  cols: number,
  fill: (first: number, n: number, data: Float32Array) => void,
): RowSource {
  let done = 0;
  return {
    rows,
    cols,
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
