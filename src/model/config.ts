// What defines a JPVAE model: each view's width, latent size and
// likelihood, the layer sizes and the joint prior. Stored in model.json;
// everything else is derived from it. Views are indices 0…M−1 here (view
// v is entry v − 1 of every list); users see them numbered from 1.

import { InputError } from '../errors.ts';
import { PAIR_KINDS, PRIOR_KINDS, type PriorConfig } from './prior/prior.ts';
import { BERNOULLI, type Likelihood } from '../data/likelihood.ts';
import { MAX_VIEWS } from '../data/view-data.ts';
import { checkCovariates, designWidth, type Covariate } from '../data/covariates.ts';

export { MAX_VIEWS };

export { BERNOULLI, type Likelihood };

export interface ModelConfig {
  dims: number[]; // features of each view
  hidden: number[]; // encoder hidden widths; decoders mirror them (the reference architecture: 512, 512)
  latent: number[]; // latent size of each view
  prior: PriorConfig;
  likelihood?: Likelihood[]; // default: Bernoulli for every view
  /** Categorical covariates every encoder and decoder reads (their one-hots beside the first layer's input); none by default. */
  covariates?: Covariate[];
}

export const likelihoodOf = (c: ModelConfig, i: number): Likelihood => c.likelihood?.[i] ?? BERNOULLI;

export const DEFAULT_HIDDEN = [512, 512];
export const DEFAULT_LATENT = 20;
/** The sizing rule in words, for help texts. */
export const DEFAULT_SIZES =
  "latent: half the view's width, at most 20; hidden: two layers of the smallest power of two ≥ 4× the widest view, at most 512";
/** A view's latent size when none is given: half its width (rounded up), at most DEFAULT_LATENT (hvdMNIST's 392: 20). */
export const defaultLatent = (width: number): number => Math.min(DEFAULT_LATENT, Math.ceil(width / 2));
/** The hidden widths when none are given: the smallest power of two ≥ 4× the widest view, at most 512 (hvdMNIST: 512,512). */
export function defaultHidden(dims: readonly number[]): number[] {
  const h = Math.min(DEFAULT_HIDDEN[0], 2 ** Math.ceil(Math.log2(4 * Math.max(...dims))));
  return DEFAULT_HIDDEN.map(() => h);
}
export const DEFAULT_ALPHA = 0.95;

/** A config field, as checkConfig names it in a message. */
export type ConfigField =
  | 'dims'
  | 'hidden'
  | 'latent'
  | 'likelihood'
  | 'prior.kind'
  | 'prior.alpha'
  | 'prior.flips'
  | 'prior.factors'
  | 'covariates';
/** The fields as the library's options name them (fit()); jpvae train names its flags instead. */
const OPTION_NAMES: Record<ConfigField, string> = {
  dims: 'view widths',
  hidden: 'hidden',
  latent: 'latent',
  likelihood: 'likelihood',
  'prior.kind': 'prior',
  'prior.alpha': 'alpha',
  'prior.flips': 'flips',
  'prior.factors': 'factors',
  covariates: 'covariates',
};

/**
 * At most this many parameters (67 M; the paper's model has 1.9 M): a model
 * costs 16 bytes a parameter while training (weights, gradients, two Adam
 * moments), so a config from a hostile file is refused before anything of
 * its size is allocated.
 */
export const MAX_PARAMETERS = 2 ** 26;

/** The number of parameters of a config (dense layers, learnt variances and dispersions, the prior's free matrices; without layout padding). */
export function parameterCount(c: ModelConfig): number {
  const dense = (widths: number[]) => widths.slice(1).reduce((s, w, l) => s + (widths[l] + 1) * w, 0);
  const [n1, n2] = [...c.latent].sort((a, b) => a - b);
  const K = c.prior.factors ?? Math.max(...c.latent);
  const prior = {
    zero: 0,
    svd: n1 * n1 + n2 * n2 + n1,
    orthogonal: n2 * n2,
    factor: c.latent.length * K * K,
  }[c.prior.kind];
  let total = prior ?? 0;
  const design = designWidth(c.covariates);
  c.dims.forEach((d, i) => {
    const n = c.latent[i],
      top = c.hidden[c.hidden.length - 1];
    total += dense([d, ...c.hidden]) + 2 * (top + 1) * n + dense([n, ...[...c.hidden].reverse(), d]);
    total += design * (c.hidden[0] + top); // the covariates' rows of each first layer
    const l = likelihoodOf(c, i);
    if ((l.kind === 'gaussian' && l.variance === 'learnt') || l.kind === 'nb') total += d;
  });
  return total;
}

/** One clear line for each way a config can be wrong; `label` names a field (an option of fit() by default, a flag, or a file's field). */
export function checkConfig(
  c: ModelConfig,
  label: (field: ConfigField) => string = (f) => OPTION_NAMES[f],
): ModelConfig {
  const m = c.dims.length,
    posInt = (x: number) => Number.isInteger(x) && x > 0;
  if (m < 2 || m > MAX_VIEWS) throw new InputError(`views: expected 2 to ${MAX_VIEWS}, got ${m}`);
  if (!c.dims.every(posInt))
    throw new InputError(`${label('dims')}: must be positive integers, got ${c.dims.join(',')}`);
  if (!c.hidden.length || !c.hidden.every(posInt))
    throw new InputError(`${label('hidden')}: expected positive integers like 512,512, got ${c.hidden.join(',')}`);
  if (c.latent.length !== m || !c.latent.every(posInt))
    throw new InputError(
      `${label('latent')}: expected ${m} positive integers (one per view), got ${c.latent.join(',')}`,
    );
  if (c.likelihood && c.likelihood.length !== m)
    throw new InputError(`${label('likelihood')}: expected one per view (${m}), got ${c.likelihood.length}`);
  const { kind, alpha } = c.prior;
  if (!PRIOR_KINDS.includes(kind))
    throw new InputError(`${label('prior.kind')}: expected one of ${PRIOR_KINDS.join(', ')}, got '${kind}'`);
  if (PAIR_KINDS.includes(kind) && m !== 2)
    throw new InputError(
      `${label('prior.kind')}: the ${kind} prior is for two views; for ${m} views use factor (or zero)`,
    );
  if (kind === 'orthogonal' && !(Math.abs(alpha) < 1))
    throw new InputError(`${label('prior.alpha')}: expected −1 < α < 1 (Theorem 2.2), got ${alpha}`);
  if (kind === 'factor' && !(alpha >= 0 && alpha < 1))
    throw new InputError(`${label('prior.alpha')}: expected 0 ≤ α < 1 for the factor prior, got ${alpha}`);
  const larger = Math.max(...c.latent);
  const flips = c.prior.flips ?? 0;
  if (!Number.isInteger(flips) || flips < 0 || flips > larger || (flips && kind === 'factor'))
    throw new InputError(
      kind === 'factor'
        ? `${label('prior.flips')}: for the two-view priors only, got ${flips} with the factor prior`
        : `${label('prior.flips')}: expected an integer from 0 to ${larger} (the larger latent size), got ${flips}`,
    );
  // The shared factor's size K: the factor prior's (and the zero prior's, its α = 0 for more than two views).
  const K = c.prior.factors;
  if (K !== undefined && (PAIR_KINDS.includes(kind) || !(posInt(K) && K >= larger)))
    throw new InputError(
      PAIR_KINDS.includes(kind)
        ? `${label('prior.factors')}: for the factor prior only, got ${K} with the ${kind} prior`
        : `${label('prior.factors')}: expected an integer ≥ the largest latent size ${larger}, got ${K}`,
    );
  if (c.covariates) checkCovariates(c.covariates, label('covariates'));
  const params = parameterCount(c);
  if (!(params <= MAX_PARAMETERS)) {
    throw new InputError(
      `${label('hidden')}: ${c.hidden.join(',')} with view widths ${c.dims.join(',')} and latent ${c.latent.join(',')} makes ${params.toExponential(2)} parameters, more than the ${MAX_PARAMETERS.toExponential(2)} allowed`,
    );
  }
  return c;
}
