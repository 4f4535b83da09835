// A paired two-view data set: row r of x1 and row r of x2 belong to the
// same sample (paper §2.1, "the views are paired").

export interface TwoViewData {
  n: number;
  dim1: number;
  dim2: number;
  x1: Float32Array; // n×dim1, row-major
  x2: Float32Array; // n×dim2
  labels?: Uint8Array; // class of each row, where known (hvdMNIST digits)
  present?: Uint8Array; // per row HAS_VIEW1 | HAS_VIEW2; absent: every row has both views
}

/** Rows [start, start+count) as a view (no copy). */
export function sliceRows(d: TwoViewData, start: number, count: number): TwoViewData {
  const end = Math.min(d.n, start + count);
  return {
    n: end - start,
    dim1: d.dim1,
    dim2: d.dim2,
    x1: d.x1.subarray(start * d.dim1, end * d.dim1),
    x2: d.x2.subarray(start * d.dim2, end * d.dim2),
    labels: d.labels?.subarray(start, end),
    present: d.present?.subarray(start, end),
  };
}

/** Visit rows [0, n) in consecutive batches of at most `size`: fn(start, indices of the batch's rows). */
/** Rows `rows` of x (rows of `width` values), in that order, as a new array. */
export function gatherRows(x: Float32Array, width: number, rows: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length * width);
  for (let t = 0; t < rows.length; t++) out.set(x.subarray(rows[t] * width, (rows[t] + 1) * width), t * width);
  return out;
}

export function forEachBatch(n: number, size: number, fn: (start: number, idx: Uint32Array) => void): void {
  const index = new Uint32Array(size);
  for (let start = 0; start < n; start += size) {
    const rows = Math.min(size, n - start);
    for (let r = 0; r < rows; r++) index[r] = start + r;
    fn(start, index.subarray(0, rows));
  }
}

/** Bits of `TwoViewData.present`: which views a row has. */
export const HAS_VIEW1 = 1,
  HAS_VIEW2 = 2,
  HAS_BOTH = 3;
