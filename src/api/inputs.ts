// The API's inputs as matrices: a view is a matrix as parseMatrix and
// readMatrix return it ({ rows, cols, data }), row-major numbers with their
// width ({ data, width }, as before), or an array of rows. A missing view
// of a row is a row of NaN (or an empty row, or null, in an array of rows),
// or a 0 in a mask.

import { InputError } from '../errors.ts';
import type { Matrix } from '../data/npy.ts';

/** One view's rows: a matrix (what parseMatrix and readMatrix return), row-major values with the row width, or an array of rows (null or [] for a missing row). */
export type ViewInput =
  | { data: ArrayLike<number>; cols: number; rows?: number }
  | { data: ArrayLike<number>; width: number }
  | ReadonlyArray<ArrayLike<number> | null>;

const SHAPES = '{ rows, cols, data }, { data, width } or an array of rows';

/** Two paired views by name, row r of each belonging to the same sample; `mask` (n×2 of 0/1: has view 1, has view 2) marks missing views. */
export interface TwoViews {
  view1: ViewInput;
  view2: ViewInput;
  mask?: ViewInput;
}

/** A copy of `v` as a float32 matrix (the copy is ours: checks and standardisation work in place). */
export function toMatrix(v: ViewInput, name: string): Matrix {
  if (typeof v !== 'object' || v === null)
    throw new InputError(`${name}: expected ${SHAPES}, got ${v === null ? 'null' : typeof v}`);
  if (!Array.isArray(v)) {
    const { data, width, cols, rows } = v as { data: ArrayLike<number>; width?: number; cols?: number; rows?: number };
    if (!data || typeof data.length !== 'number') throw new InputError(`${name}: expected ${SHAPES}`);
    const key = cols === undefined ? 'width' : 'cols',
      w = cols ?? width;
    if (width !== undefined && cols !== undefined && width !== cols)
      throw new InputError(`${name}: width ${width} and cols ${cols} disagree; give one`);
    if (!Number.isInteger(w) || w! <= 0) throw new InputError(`${name}: ${key} must be a positive integer, got ${w}`);
    if (data.length % w!) throw new InputError(`${name}: ${data.length} values are not whole rows of ${key} ${w}`);
    if (rows !== undefined && rows !== data.length / w!)
      throw new InputError(
        `${name}: rows ${rows}, but ${data.length} values of ${key} ${w} are ${data.length / w!} rows`,
      );
    return { rows: data.length / w!, cols: w!, data: Float32Array.from(data) };
  }
  const rows = v as ReadonlyArray<ArrayLike<number> | null>;
  const width = rows.find((r) => r && r.length > 0)?.length ?? 0;
  if (!width) throw new InputError(`${name}: no rows with values`);
  const data = new Float32Array(rows.length * width);
  rows.forEach((r, i) => {
    if (r !== null && (typeof r !== 'object' || typeof r.length !== 'number'))
      throw new InputError(
        `${name}: row ${i + 1} is ${typeof r}, expected an array of numbers (or null for a missing row)`,
      );
    if (!r || r.length === 0) {
      data.fill(NaN, i * width, (i + 1) * width);
      return;
    }
    if (r.length !== width)
      throw new InputError(`${name}: row ${i + 1} has ${r.length} values, expected ${width} like the first row`);
    data.set(r, i * width);
  });
  return { rows: rows.length, cols: width, data };
}
