// A caller's rows for the runtime imputer, in the library's shapes (a flat
// Float32Array of the view's width, or any shape data/rows-input.ts reads:
// a matrix as parseMatrix returns it, { data, width }, an array of rows), checked against the
// export's view on the caller's thread: a mistake is one clear error at
// once, never a worker round trip or garbage out. What goes to the worker
// is a copy unless the caller opts into a transfer, so the caller's array
// is never detached or changed behind its back.

import { InputError } from '../errors.ts';
import { shapeRows, type ViewInput } from '../data/rows-input.ts';
import type { ViewSpec } from '../onnx/manifest.ts';

/** One view's rows: row-major values (a Float32Array, rows of the view's width), or any of the library's shapes (ViewInput). */
export type RowsInput = Float32Array | ViewInput;

/** Is `x`'s buffer detached (given away by a transfer)? `detached` where the engine has it, else an empty buffer. */
const isDetached = (x: ArrayBufferView) =>
  (x.buffer as ArrayBuffer & { detached?: boolean }).detached ?? x.buffer.byteLength === 0;

/** The error for rows `width` wide where `view` needs its own width, naming a view they would fit. */
function widthError(width: number, view: ViewSpec, views: readonly ViewSpec[]): Error {
  const other = views.find((v) => v.view !== view.view && v.dim === width);
  return new InputError(
    `imputer: rows of view ${view.view} have ${view.dim} values each, got ${width}` +
      (other ? ` (view ${other.view}'s width: rows of the wrong view?)` : ''),
  );
}

/** Every value finite, or an error naming the first that is not, by row and feature. */
function checkFinite(x: Float32Array, view: ViewSpec): void {
  for (let i = 0; i < x.length; i++)
    if (!Number.isFinite(x[i]))
      throw new InputError(
        `imputer: view ${view.view}, row ${Math.floor(i / view.dim) + 1}, feature ${(i % view.dim) + 1} is ${x[i]}; the imputer needs finite values`,
      );
}

/** `input`'s values as one row-major array, checked for shape; `ours` when it is a new array, not the caller's. */
function flatten(
  input: RowsInput,
  view: ViewSpec,
  views: readonly ViewSpec[],
): { values: ArrayLike<number>; ours: boolean } {
  const typed = ArrayBuffer.isView(input) ? input : (input as { data?: unknown } | null)?.data;
  if (ArrayBuffer.isView(typed) && isDetached(typed))
    throw new InputError(
      `imputer: the rows of view ${view.view} are in a detached buffer (an earlier transfer gave it away): pass a copy`,
    );
  if (input instanceof Float32Array) {
    if (input.length % view.dim) {
      const other = views.find((v) => v.view !== view.view && input.length % v.dim === 0);
      throw new InputError(
        `imputer: ${input.length} values are not whole rows of view ${view.view} (${view.dim} features each)` +
          (other ? `; they are whole rows of view ${other.view} (${other.dim} features): rows of the wrong view?` : ''),
      );
    }
    return { values: input, ours: false };
  }
  const { cols, values, copied } = shapeRows(
    input,
    `imputer: the rows of view ${view.view}`,
    'a Float32Array, { rows, cols, data }, { data, width } or an array of rows',
  );
  if (cols !== view.dim) throw widthError(cols, view, views);
  return { values, ours: copied };
}

/**
 * `input` as the n×dim rows of `view` for the worker, checked: whole rows
 * of the view's width, finite values. A copy, except that with `transfer`
 * a Float32Array that spans its whole buffer goes as it is (the caller
 * gives it away: it is detached when sent).
 */
export function viewRows(input: RowsInput, view: ViewSpec, views: readonly ViewSpec[], transfer = false): Float32Array {
  const { values, ours } = flatten(input, view, views);
  const whole =
    values instanceof Float32Array && values.byteOffset === 0 && values.byteLength === values.buffer.byteLength;
  const x = ours || (transfer && whole) ? (values as Float32Array) : Float32Array.from(values);
  checkFinite(x, view);
  return x;
}
