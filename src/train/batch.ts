// One batch through the model: rows are grouped by which views they have
// (complete rows, view-1-only, view-2-only), each group runs through
// Jpvae.accumulate, and the gradients of the batch mean add up in G.

import { HAS_BOTH, HAS_VIEW1, type TwoViewData } from '../data/dataset.ts';
import type { Rng } from '../data/rng.ts';
import type { Jpvae, Present } from '../model/jpvae.ts';

/** Sums over a batch's rows; n1, n2 count the rows that have each view. */
export interface TermSums {
  recon1: number;
  recon2: number;
  kl: number;
  n1: number;
  n2: number;
  rows: number;
}

export const zeroTerms = (): TermSums => ({ recon1: 0, recon2: 0, kl: 0, n1: 0, n2: 0, rows: 0 });

/** into += t, field by field. */
export function addTerms(into: TermSums, t: TermSums): void {
  for (const key of ['recon1', 'recon2', 'kl', 'n1', 'n2', 'rows'] as const) into[key] += t[key];
}

function groups(data: TwoViewData, idx: Uint32Array): [Present, Uint32Array][] {
  const present = data.present;
  if (!present || idx.every((r) => present[r] === HAS_BOTH)) return [['both', idx]];
  const out: [Present, Uint32Array][] = [];
  for (const [mode, bits] of [
    ['both', HAS_BOTH],
    [0, HAS_VIEW1],
    [1, HAS_BOTH ^ HAS_VIEW1],
  ] as [Present, number][]) {
    const rows = idx.filter((r) => present[r] === bits);
    if (rows.length) out.push([mode, rows]);
  }
  return out;
}

/**
 * Loss-term sums of the rows `idx` (ε from rng, or the posterior mean
 * without one); with `train`, G becomes the gradient of the batch mean of
 * recon + β·KL.
 */
export function batchTerms(
  model: Jpvae,
  data: TwoViewData,
  idx: Uint32Array,
  beta: number,
  rng: Rng | null,
  train: boolean,
): TermSums {
  const sums: TermSums = { ...zeroTerms(), rows: idx.length };
  if (train) model.startGradient();
  for (const [present, rows] of groups(data, idx)) {
    if (present !== 1) model.setInput(0, data.x1, rows);
    if (present !== 0) model.setInput(1, data.x2, rows);
    model.setNoise(rows.length, rng);
    const t = model.accumulate(rows.length, beta, present, train ? 1 / idx.length : null);
    sums.recon1 += t.recon1;
    sums.recon2 += t.recon2;
    sums.kl += t.kl;
    if (present !== 1) sums.n1 += rows.length;
    if (present !== 0) sums.n2 += rows.length;
  }
  if (train) model.finishGradient();
  return sums;
}
