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

/** How M views' rows pair by ID: the union's IDs and, per view, each file row's row in the union. */
export interface IdUnion {
  ids: string[];
  /** rowOf[v − 1][r]: the union row of view v's file row r. */
  rowOf: Int32Array[];
}

/**
 * The union of M views' IDs (view 1's in its order, then each later view's
 * own); one clear line when a view shares no ID with any other (`names`
 * name the files). One list is its own union.
 */
export function pairIdLists(lists: readonly string[][], names: readonly string[]): IdUnion {
  const union = new Map<string, number>(),
    views: number[] = []; // per union row, how many views have it
  const rowOf = lists.map((ids) =>
    Int32Array.from(ids, (id) => {
      let u = union.get(id);
      if (u === undefined) union.set(id, (u = views.push(0) - 1));
      views[u]++;
      return u;
    }),
  );
  rowOf.forEach((rows, v) => {
    if (lists.length > 1 && rows.length && rows.every((u) => views[u] === 1)) {
      const other = lists[v === 0 ? 1 : 0];
      throw new InputError(
        lists.length === 2
          ? `${names[0]} and ${names[1]}: no sample ID is in both (e.g. '${lists[0][0]?.slice(0, 40)}' and '${lists[1][0]?.slice(0, 40)}'); check the ID column or the obs names`
          : `${names[v]}: none of its sample IDs is in another view (e.g. '${lists[v][0].slice(0, 40)}', and '${other[0]?.slice(0, 40)}' in ${names[v === 0 ? 1 : 0]}); check the ID columns or the obs names`,
      );
    }
  });
  return { ids: [...union.keys()], rowOf };
}
