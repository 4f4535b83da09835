// The API's inputs as matrices: a view in any of the library's shapes
// (data/rows-input.ts), or several paired by name. A missing view of a row
// is a row of NaN (or an empty row, or null, in an array of rows), or a 0
// in a mask.

import type { Matrix } from '../data/npy.ts';
import { shapeRows, type ViewInput } from '../data/rows-input.ts';

export type { ViewInput };

/** Two paired views by name, row r of each belonging to the same sample; `mask` (n×2 of 0/1: has view 1, has view 2) marks missing views. */
export interface TwoViews {
  view1: ViewInput;
  view2: ViewInput;
  mask?: ViewInput;
}

/** A copy of `v` as a float32 matrix (the copy is ours: checks and standardisation work in place). */
export function toMatrix(v: ViewInput, name: string): Matrix {
  const { rows, cols, values, copied } = shapeRows(v, name);
  return { rows, cols, data: copied ? (values as Float32Array) : Float32Array.from(values) };
}
