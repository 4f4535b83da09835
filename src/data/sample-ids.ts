// Sample IDs (AnnData obs names, a table's ID column): every file's IDs are
// unique and non-empty, and two views pair by them (§2.1's pairing, when
// only some samples have both views): the union of the IDs, view 1's in
// its order, then view 2's own.

import { InputError } from '../errors.ts';

/** One clear line for an empty or repeated ID; `name` names the file. */
export function checkIds(ids: string[], name: string): void {
  const seen = new Map<string, number>();
  ids.forEach((id, r) => {
    if (id === '') throw new InputError(`${name}: row ${r + 1} has an empty sample ID`);
    const before = seen.get(id);
    if (before !== undefined)
      throw new InputError(`${name}: sample ID '${id.slice(0, 60)}' appears twice (rows ${before + 1} and ${r + 1})`);
    seen.set(id, r);
  });
}

/** How two views' rows pair by ID: each file row's row in the union, and the counts. */
export interface IdPairing {
  ids: string[];
  /** rowOf1[r]: the union row of view 1's file row r (likewise rowOf2). */
  rowOf1: Int32Array;
  rowOf2: Int32Array;
  paired: number;
  only1: number;
  only2: number;
}

/** Pair two views by their IDs; one clear line if no ID of one is in the other. */
export function pairIds(ids1: string[], ids2: string[], names: [string, string]): IdPairing {
  const union = new Map<string, number>();
  ids1.forEach((id, r) => union.set(id, r));
  const rowOf1 = Int32Array.from(ids1.keys()),
    rowOf2 = new Int32Array(ids2.length);
  let paired = 0;
  ids2.forEach((id, r) => {
    let u = union.get(id);
    if (u === undefined) union.set(id, (u = union.size));
    else paired++;
    rowOf2[r] = u;
  });
  if (paired === 0)
    throw new InputError(
      `${names[0]} and ${names[1]}: no sample ID is in both (e.g. '${ids1[0]?.slice(0, 40)}' and '${ids2[0]?.slice(0, 40)}'); check the ID column or the obs names`,
    );
  return { ids: [...union.keys()], rowOf1, rowOf2, paired, only1: ids1.length - paired, only2: ids2.length - paired };
}
