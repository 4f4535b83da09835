// A file's rows against the width of the model's view they are read as,
// one line when they differ. A table read without an ID column whose rows
// have one value too many most likely holds numeric sample IDs in a column
// of its own: the line then says how to name it.

import { InputError } from '../errors.ts';
import { formatOf, TABLE_FORMATS } from './parse.ts';

/** Rows of `cols` values from `path` (named by `label`) as view `view` (from 1) of a model whose view has `width`. */
export function checkViewWidth(
  label: string,
  path: string,
  cols: number,
  view: number,
  width: number,
  id: { column?: string; label: string },
): void {
  if (cols === width) return;
  const idHint =
    cols === width + 1 && id.column === undefined && TABLE_FORMATS.includes(formatOf(path, `${label} ${path}`))
      ? `; if one column holds sample IDs, name it as ${id.label}`
      : '';
  throw new InputError(
    `${label} ${path}: rows have ${cols} values, but view ${view} of the model has ${width}${idHint}`,
  );
}
