// Which rows a hold-out takes, for two views and M alike. 'last-rows': the
// last ⌈fraction·n⌉ rows (a deterministic split: shuffle the files first if
// they are ordered). 'per-pairing': as many rows in all, but the fraction of
// each kind of row (each set of present views: for two, both views, view 1
// only, view 2 only), the last ones of each kind, so the held-out rows have
// the data's mix. Views paired by sample ID take the latter: their union
// puts the later views' own samples last, where the last rows would hold
// out mostly (or only) samples without view 1.

export type HoldoutSplit = 'last-rows' | 'per-pairing';

/**
 * How many rows of each kind 'per-pairing' holds out: the `held` rows
 * shared in proportion to the kinds' counts by largest remainder (the
 * floors first, then one more row each to the kinds with the largest
 * remainders, the earlier kind on ties).
 */
export function heldOutPerKind(counts: readonly number[], held: number): number[] {
  const n = counts.reduce((a, b) => a + b, 0),
    exact = counts.map((c) => (held * c) / n),
    quota = exact.map(Math.floor);
  const order = [...counts.keys()].sort((a, b) => exact[b] - quota[b] - (exact[a] - quota[a]) || a - b);
  for (let left = held - quota.reduce((a, b) => a + b, 0), k = 0; left > 0; left--, k++) quota[order[k]]++;
  return quota;
}

/**
 * Per row, 1 when 'per-pairing' holds it out of `held`: the kinds are the
 * rows' present-view masks (absent: every row has all views, `full`),
 * ordered all views first, then by mask (for two views: both, view 1 only,
 * view 2 only).
 */
export function perPairingRows(present: Uint8Array | undefined, n: number, held: number, full: number): Uint8Array {
  const maskOf = (r: number) => (present ? present[r] : full);
  const kinds = [...new Set(Array.from({ length: n }, (_, r) => maskOf(r)))].sort(
    (a, b) => Number(b === full) - Number(a === full) || a - b,
  );
  const kindOf = new Map(kinds.map((m, k) => [m, k]));
  const counts = kinds.map(() => 0);
  for (let r = 0; r < n; r++) counts[kindOf.get(maskOf(r))!]++;
  // Walking back from the last row, each kind's last `left[k]` rows are held out.
  const left = heldOutPerKind(counts, held),
    isHeld = new Uint8Array(n);
  for (let r = n - 1; r >= 0; r--) {
    const k = kindOf.get(maskOf(r))!;
    if (left[k] > 0) (left[k]--, (isHeld[r] = 1));
  }
  return isHeld;
}

/**
 * Move the rows `isHeld` marks after the others, each part in its order,
 * in place in every array (row-major, `width` values a row; cycle by cycle,
 * one row of scratch per array): the split's parts are then views of the
 * data, never a second copy.
 */
export function moveHeldLast(
  arrays: readonly { data: Float32Array | Uint8Array; width: number }[],
  isHeld: Uint8Array,
): void {
  const n = isHeld.length,
    dest = new Int32Array(n);
  let train = 0,
    held = n - isHeld.reduce((a, b) => a + b, 0);
  for (let r = 0; r < n; r++) dest[r] = isHeld[r] ? held++ : train++;
  for (const { data, width } of arrays) {
    const done = new Uint8Array(n),
      carry = data.slice(0, width),
      swap = data.slice(0, width);
    for (let start = 0; start < n; start++) {
      if (done[start] || dest[start] === start) continue;
      // Follow the cycle start → dest[start] → …, carrying one row.
      carry.set(data.subarray(start * width, (start + 1) * width));
      for (let r = start; !done[r];) {
        const to = dest[r];
        swap.set(data.subarray(to * width, (to + 1) * width));
        data.set(carry, to * width);
        carry.set(swap);
        done[r] = 1;
        r = to;
      }
    }
  }
}
