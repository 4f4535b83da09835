// Adam on a pool's threads, shared as the work comes. The flat parameter
// array is cut in chunks; for a set of present views, each team owns the
// chunks of the views it ran backward on (team 0 also the rest: the
// prior's parameters, and views whose gradient an earlier group of rows
// finished). A thread updates its own team's chunks as soon as the team's
// backward is done (their gradients are then complete), then those of every
// other team once that one is done, each chunk claimed by one Atomics.add.
// So a thread that finished its backward early takes on part of a late
// team's update instead of waiting for it: the step's imbalance (a busier
// view, a thread the machine paused) is absorbed instead of waited out.
// Adam is elementwise, and every chunk starts on a multiple of 4 and has a
// length that is one, so who updates a chunk moves no bit.

import type { Kernels } from '../core/kernels.ts';
import type { ParamRange } from '../model/layout.ts';
import { adamRange, type AdamArrays, type AdamConfig } from '../train/adam.ts';
import type { Control } from './control.ts';

/** Elements a claim updates: ~230 KB of the four arrays, a few µs of work, so the shares even out finely. */
export const ADAM_CHUNK = 8192;

/**
 * For every set of present views (as viewSplits indexes them) and every
 * team, the chunks of the model's parameters that team owns, flat as
 * [lo, n, lo, n, …]: the chunks of
 * the views `splits[mask][team]` lists, and for team 0 the parameters of no
 * view and of the views not in the mask. Owner and lanes compute the same table.
 */
export function adamChunks(
  model: { views: readonly { params: ParamRange }[]; layout: { size: number } },
  splits: number[][][],
): number[][][] {
  const views = model.views.map((v) => v.params),
    size = model.layout.size;
  const chunks = (lo: number, hi: number, into: number[]) => {
    for (let at = lo; at < hi; at += ADAM_CHUNK) into.push(at, Math.min(ADAM_CHUNK, hi - at));
    return into;
  };
  const sorted = [...views].sort((a, b) => a.lo - b.lo),
    rest: number[] = [];
  let at = 0;
  for (const r of sorted) {
    chunks(at, r.lo, rest);
    at = r.hi;
  }
  chunks(at, size, rest);
  return splits.map((split, mask) =>
    split.map((mine, team) => {
      const own = mine.flatMap((v) => chunks(views[v].lo, views[v].hi, []));
      if (team > 0) return own;
      const absent = views.flatMap((r, v) => ((mask >> v) & 1 ? [] : chunks(r.lo, r.hi, [])));
      return [...own, ...rest, ...absent];
    }),
  );
}

/** One update's shared work: the arrays and settings, the step t, and the task's sequence number (its teams' READY words). */
export interface SharedUpdate {
  config: AdamConfig;
  arrays: AdamArrays;
  t: number;
  seq: number;
}

/**
 * This thread's part of the update (its kernels k, its team `team` of the
 * chunk table `teams`): its team's chunks, then each other team's once that
 * team is READY. A chunk with a gradient that is not finite sets NOT_FINITE.
 * Throws when a thread failed while this one waited for its team.
 */
export function shareAdam(k: Kernels, c: Control, team: number, teams: readonly number[][], u: SharedUpdate): void {
  for (let j = 0; j < teams.length; j++) {
    const of = (team + j) % teams.length,
      list = teams[of],
      n = list.length / 2;
    if (j > 0) {
      if (c.claimed(of) >= n) continue;
      c.waitReady(of, u.seq);
    }
    for (let i = c.claim(of); i < n; i = c.claim(of))
      if (!adamRange(k, u.config, u.arrays, list[2 * i], list[2 * i + 1], u.t)) c.markNotFinite();
  }
}
