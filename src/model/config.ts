// What defines a JPVAE model: view widths, layer sizes, latent sizes and the
// prior. Stored in model.json; everything else is derived from it.

import { InputError } from '../errors.ts';
import { PRIOR_KINDS, type PriorConfig } from './prior/prior.ts';
import { BERNOULLI, type Likelihood } from '../data/likelihood.ts';

export { BERNOULLI, type Likelihood };

export interface ModelConfig {
  dims: [number, number]; // features of view 1 and view 2
  hidden: number[]; // encoder hidden widths; decoders mirror them (the reference architecture: 512, 512)
  latent: [number, number]; // n1 ≤ n2 (§2.4), or n1 ≥ n2 with swapViews
  prior: PriorConfig;
  /**
   * The prior's first view is view 2 (--swap-views). §2.4 takes n1 ≤ n2 so
   * that C has orthonormal rows; the joint prior is symmetric in the two
   * views, so for n1 > n2 we give it the views the other way round.
   * Files, flags and outputs keep the user's numbering.
   */
  swapViews?: boolean;
  likelihood?: [Likelihood, Likelihood]; // default: Bernoulli for both
}

export const likelihoodOf = (c: ModelConfig, i: 0 | 1): Likelihood => c.likelihood?.[i] ?? BERNOULLI;

/** The views in the prior's order: [first, second] with the first's latent the smaller. */
export const priorOrder = (c: ModelConfig): [0 | 1, 0 | 1] => (c.swapViews ? [1, 0] : [0, 1]);

export const DEFAULT_HIDDEN = [512, 512];
export const DEFAULT_LATENT: [number, number] = [20, 20];
export const DEFAULT_ALPHA = 0.95;

/** A config field, as checkConfig names it in a message. */
export type ConfigField = 'dims' | 'hidden' | 'latent' | 'swapViews' | 'prior.kind' | 'prior.alpha' | 'prior.flips';
/** The fields as the library's options name them (fit()); jpvae train names its flags instead. */
const OPTION_NAMES: Record<ConfigField, string> = {
  dims: 'view widths',
  hidden: 'hidden',
  latent: 'latent',
  swapViews: 'swapViews',
  'prior.kind': 'prior',
  'prior.alpha': 'alpha',
  'prior.flips': 'flips',
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
  let total = c.prior.kind === 'svd' ? n1 * n1 + n2 * n2 + n1 : c.prior.kind === 'orthogonal' ? n2 * n2 : 0;
  for (const i of [0, 1] as const) {
    const d = c.dims[i],
      n = c.latent[i],
      top = c.hidden[c.hidden.length - 1];
    total += dense([d, ...c.hidden]) + 2 * (top + 1) * n + dense([n, ...[...c.hidden].reverse(), d]);
    const l = likelihoodOf(c, i);
    if ((l.kind === 'gaussian' && l.variance === 'learnt') || l.kind === 'nb') total += d;
  }
  return total;
}

/** One clear line for each way a config can be wrong; `label` names a field (an option of fit() by default, a flag, or a file's field). */
export function checkConfig(
  c: ModelConfig,
  label: (field: ConfigField) => string = (f) => OPTION_NAMES[f],
): ModelConfig {
  const posInt = (x: number) => Number.isInteger(x) && x > 0;
  if (!c.dims.every(posInt))
    throw new InputError(`${label('dims')}: must be positive integers, got ${c.dims.join(',')}`);
  if (!c.hidden.length || !c.hidden.every(posInt))
    throw new InputError(`${label('hidden')}: expected positive integers like 512,512, got ${c.hidden.join(',')}`);
  if (!c.latent.every(posInt))
    throw new InputError(`${label('latent')}: expected positive integers n1[,n2], got ${c.latent.join(',')}`);
  const [n1, n2] = c.latent;
  if (!c.swapViews && n1 > n2) {
    throw new InputError(
      `${label('latent')}: n1 = ${n1} > n2 = ${n2}; the prior needs its first view's latent to be the smaller (§2.4): add ${label('swapViews')}`,
    );
  }
  if (c.swapViews && n1 < n2)
    throw new InputError(`${label('swapViews')}: for n1 > n2 only, but the latent sizes are n1 = ${n1} < n2 = ${n2}`);
  if (!PRIOR_KINDS.includes(c.prior.kind))
    throw new InputError(`${label('prior.kind')}: expected one of ${PRIOR_KINDS.join(', ')}, got '${c.prior.kind}'`);
  if (!(Math.abs(c.prior.alpha) < 1))
    throw new InputError(`${label('prior.alpha')}: expected −1 < α < 1 (Theorem 2.2), got ${c.prior.alpha}`);
  const larger = Math.max(n1, n2);
  if (!Number.isInteger(c.prior.flips) || c.prior.flips < 0 || c.prior.flips > larger) {
    throw new InputError(
      `${label('prior.flips')}: expected an integer from 0 to ${larger} (the larger latent size), got ${c.prior.flips}`,
    );
  }
  const params = parameterCount(c);
  if (!(params <= MAX_PARAMETERS)) {
    throw new InputError(
      `${label('hidden')}: ${c.hidden.join(',')} with view widths ${c.dims.join(',')} and latent ${c.latent.join(',')} makes ${params.toExponential(2)} parameters, more than the ${MAX_PARAMETERS.toExponential(2)} allowed`,
    );
  }
  return c;
}
