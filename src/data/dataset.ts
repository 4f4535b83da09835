// Row helpers over row-major matrices and data sets of views (view-data.ts).

/** Rows `rows` of x (rows of `width` values), in that order, as a new array. */
export function gatherRows(x: Float32Array, width: number, rows: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length * width);
  for (let t = 0; t < rows.length; t++) out.set(x.subarray(rows[t] * width, (rows[t] + 1) * width), t * width);
  return out;
}

/** Visit rows [0, n) in consecutive batches of at most `size`: fn(start, indices of the batch's rows). */
export function forEachBatch(n: number, size: number, fn: (start: number, idx: Uint32Array) => void): void {
  const index = new Uint32Array(size);
  for (let start = 0; start < n; start += size) {
    const rows = Math.min(size, n - start);
    for (let r = 0; r < rows; r++) index[r] = start + r;
    fn(start, index.subarray(0, rows));
  }
}
