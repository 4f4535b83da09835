// Sums of a batch's loss terms (nats) over its rows, as Jpvae.loss and
// Jpvae.lossAndGradient return them; the trainer and the evaluation add
// them up over an epoch or a data set.

/** Sums over rows of each view's negative log-likelihood (over the rows that have it) and of the KL. */
export interface TermSums {
  recon: number[];
  counts: number[]; // rows that have each view
  kl: number;
  rows: number;
}

export const zeroTerms = (m: number): TermSums => ({
  recon: new Array(m).fill(0),
  counts: new Array(m).fill(0),
  kl: 0,
  rows: 0,
});

/** into += t, field by field. */
export function addTerms(into: TermSums, t: TermSums): void {
  t.recon.forEach((v, i) => (into.recon[i] += v));
  t.counts.forEach((v, i) => (into.counts[i] += v));
  into.kl += t.kl;
  into.rows += t.rows;
}
