// A caller's rows in the library's shapes, checked and laid out as one
// row-major array: a matrix as parseMatrix and readMatrix return it
// ({ rows, cols, data }), row-major values with their width
// ({ data, width }), or an array of rows, where a null or empty row is a
// row of NaN (a sample that lacks the view). The library's API and the
// runtime imputer both read their inputs here.

import { InputError } from '../errors.ts';

/** One view's rows: a matrix (what parseMatrix and readMatrix return), row-major values with the row width, or an array of rows (null or [] for a missing row). */
export type ViewInput =
  | { data: ArrayLike<number>; cols: number; rows?: number }
  | { data: ArrayLike<number>; width: number }
  | ReadonlyArray<ArrayLike<number> | null>;

/** Rows × cols values, row-major: the caller's own array (`copied` false) or a new Float32Array. */
export interface ShapedRows {
  rows: number;
  cols: number;
  values: ArrayLike<number>;
  copied: boolean;
}

const SHAPES = '{ rows, cols, data }, { data, width } or an array of rows';

/** `v`'s shape, checked: an InputError beginning `name:` where it is not one of the shapes, or not whole rows. */
export function shapeRows(v: unknown, name: string, shapes = SHAPES): ShapedRows {
  if (typeof v !== 'object' || v === null)
    throw new InputError(`${name}: expected ${shapes}, got ${v === null ? 'null' : typeof v}`);
  if (!Array.isArray(v)) {
    const { data, width, cols, rows } = v as { data?: ArrayLike<number>; width?: number; cols?: number; rows?: number };
    if (!data || typeof data.length !== 'number') throw new InputError(`${name}: expected ${shapes}`);
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
    return { rows: data.length / w!, cols: w!, values: data, copied: false };
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
  return { rows: rows.length, cols: width, values: data, copied: true };
}
