// Sums of a batch's loss terms (nats) over its rows, as Jpvae.loss and
// Jpvae.lossAndGradient return them; the trainer and the evaluation add
// them up over an epoch or a data set.

/** Sums over rows of each view's negative log-likelihood and the KL; n1, n2 count the rows that have each view. */
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
