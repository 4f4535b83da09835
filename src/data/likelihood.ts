// How a view's values are distributed given its latent: what its data may
// hold (Bernoulli: values in [0, 1]; counts: non-negative integers) and
// how it is preprocessed (Gaussian views are standardised; count views are
// read as log1p(x) by the encoder and scaled by a per-sample size factor).
// The model's config names one per view.

import { InputError } from '../errors.ts';

/**
 * p(x_i | z_i) of a view: Bernoulli on logits (binary data such as
 * hvdMNIST, Eq. 1's reconstruction term as BCE), Gaussian with a
 * per-feature log-variance that is learnt, or fixed at log(variance), or
 * counts (CountLikelihood).
 */
export type Likelihood = { kind: 'bernoulli' } | { kind: 'gaussian'; variance: 'learnt' | number } | CountLikelihood;
export const BERNOULLI: Likelihood = { kind: 'bernoulli' };

/**
 * Counts: the decoder gives a log-rate η per feature and the mean is
 * μ = s·e^η. With `sizeFactor` 'total' (as scVI), s is the sample's total
 * count over `medianTotal` (the median total of the view's training rows;
 * a row of zeros counts as total 1), so the decoder learns each feature's
 * share of the total and not the total itself; with 'none', s = 1 and the
 * decoder learns the mean count itself, totals included (what the latent
 * moves), a sample's depth left to the dispersion. Poisson(μ), or negative
 * binomial with mean μ and variance μ + μ²/θ_j, θ_j a learnt per-feature
 * dispersion. An imputed view's total is unknown: its s is 1.
 */
export interface CountLikelihood {
  kind: 'poisson' | 'nb';
  /** Fitted on the training rows (fitCountDepth); 1 until then. */
  medianTotal: number;
  sizeFactor: SizeFactor;
}

export const COUNT_KINDS = ['poisson', 'nb'] as const;
export const SIZE_FACTORS = ['total', 'none'] as const;
export type SizeFactor = (typeof SIZE_FACTORS)[number];

/**
 * A view's likelihood as `jpvae train` and fit() take it: its name
 * (bernoulli, the default; gaussian, gaussian:V; poisson, nb,
 * poisson:unscaled, nb:unscaled) or a Likelihood, copied (training fits a
 * count view's median total into it); `label` names it in the error.
 */
export function parseLikelihood(value: Likelihood | string | undefined, label: string): Likelihood {
  if (value === undefined || value === 'bernoulli') return BERNOULLI;
  if (typeof value !== 'string') return { ...value };
  if (value === 'gaussian') return { kind: 'gaussian', variance: 'learnt' };
  const fixed = Number(/^gaussian:(.+)$/.exec(value)?.[1]);
  if (fixed > 0) return { kind: 'gaussian', variance: fixed };
  const counts = /^(poisson|nb)(:unscaled)?$/.exec(value);
  if (counts)
    return { kind: counts[1] as CountLikelihood['kind'], medianTotal: 1, sizeFactor: counts[2] ? 'none' : 'total' };
  throw new InputError(
    `${label}: expected bernoulli, gaussian (learnt variance), gaussian:V (fixed variance V > 0), poisson, nb, poisson:unscaled or nb:unscaled (counts), got '${value}'`,
  );
}

/** A count likelihood (as the code or a manifest spells it: any object with the kind). */
export const isCount = <L extends { kind: string }>(l: L): l is Extract<L, { kind: 'poisson' | 'nb' }> =>
  l.kind === 'poisson' || l.kind === 'nb';

/** log s of a row of counts (CountLikelihood). */
export function logSizeFactor(row: ArrayLike<number>, medianTotal: number): number {
  let total = 0;
  for (let j = 0; j < row.length; j++) total += row[j];
  return Math.log(Math.max(total, 1) / medianTotal);
}

/** The median total of the rows `rows` of an n×dim count matrix (at least 1). */
export function medianTotal(x: Float32Array, dim: number, rows: readonly number[]): number {
  const totals = rows.map((r) => {
    let t = 0;
    for (let j = 0; j < dim; j++) t += x[r * dim + j];
    return t;
  });
  totals.sort((a, b) => a - b);
  const m = totals.length,
    mid = m ? (m % 2 ? totals[(m - 1) / 2] : (totals[m / 2 - 1] + totals[m / 2]) / 2) : 1;
  return Math.max(mid, 1);
}

/** What every value of a view must be under its likelihood, and how a message says so; null when any finite value will do. */
export function valueRule(l: Likelihood): { fits: (x: number) => boolean; needs: string } | null {
  if (l.kind === 'bernoulli')
    return { fits: (x) => x >= 0 && x <= 1, needs: 'outside [0, 1] as a Bernoulli view needs' };
  if (isCount(l))
    return {
      fits: (x) => x >= 0 && Number.isInteger(x),
      needs: `not a count (a non-negative integer) as a ${l.kind === 'nb' ? 'negative binomial' : 'Poisson'} view needs`,
    };
  return null;
}

/** The mean of p(x | decoder output) at size factor 1: σ(logit) (Bernoulli), the output (Gaussian), e^η (counts). */
export function meanOf(l: Likelihood): (out: number) => number {
  if (l.kind === 'bernoulli') return (x) => 1 / (1 + Math.exp(-x));
  if (isCount(l)) return Math.exp;
  return (x) => x;
}
