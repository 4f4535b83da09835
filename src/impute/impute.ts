// Impute one view from the other through the model (§2.7): encode the
// given view to its posterior mean, map it through the latent conditional
// (Eq. 12), decode with the other view's decoder. Reconstruction is the
// same path with the identity map on one view.

import type { FloatArray } from '../core/heap.ts';
import type { Jpvae } from '../model/jpvae.ts';
import { forEachBatch } from '../data/dataset.ts';
import { InputError } from '../errors.ts';
import { applyStandardize, type Standardize } from '../data/views.ts';
import { isCount, meanOf, valueRule, type Likelihood } from '../data/likelihood.ts';
import { drawCounts } from '../data/count-draws.ts';
import type { Rng } from '../data/rng.ts';
import { conditionalLatent, type Conditional } from './conditional.ts';

/** Writes view `to`'s latent z (rows×n_to) from view `from`'s posterior means mu (rows×n_from). */
type LatentMap = (rows: number, mu: FloatArray, z: FloatArray) => void;

/**
 * Draws from the model's predictive distribution instead of its mean:
 * `noise` gives N(0, 1) values, consumed row by row (the latent's n_i
 * values, then for a Gaussian view with `observation` its dim_i), so the
 * draws do not depend on how rows are batched. `observation` (default
 * true) adds a Gaussian view's own noise e^{½·logvar}·ε to the decoded
 * mean, and a count view's draw is a count from its likelihood at the
 * decoded mean, from `counts` (its own stream, consumed row by row after
 * the batch is decoded, so the normal stream is the same with or without
 * count views); without it a draw is the decoded latent draw only.
 */
export interface Draws {
  noise: () => number;
  observation?: boolean;
  counts?: Rng;
}

/**
 * What a draw is: `predictive` (the default), a sample of the model's
 * predictive distribution p(x_i | x_j), the latent draw decoded plus a
 * Gaussian view's observation noise; `latent`, the decoded latent draw
 * alone (the likelihood's mean at z_i), which leaves the observation noise
 * out and so understates a Gaussian view's spread. A Bernoulli view's draw
 * is the probabilities at z_i either way.
 */
export type DrawKind = 'predictive' | 'latent';
export const DRAW_KINDS: readonly DrawKind[] = ['predictive', 'latent'];

/**
 * How a predictive draw turns a count view's decoded means (rows×dim, in
 * place) into counts from its likelihood (θ: a negative binomial view's
 * dispersion) from `rng` (default the draws' counts stream), or null (not
 * a count view, or latent draws). Draws without a counts stream cannot:
 * one line, rather than draws that leave the counts' noise out.
 */
export function countDraws(
  view: { likelihood: Likelihood; dim: number },
  i: number,
  theta: ArrayLike<number> | null,
  draws?: Draws,
  rng = draws?.counts,
): ((means: Float32Array) => void) | null {
  if (!draws || draws.observation === false || !isCount(view.likelihood)) return null;
  if (!rng)
    throw new InputError(
      `draws: view ${i + 1} is a count view, and these draws have no stream for its counts; use latent draws instead`,
    );
  return (means) => drawCounts(rng, means, view.dim, theta);
}

/** The Draws of `kind` from `rng`: its N(0, 1) values, and a fork of it for count views' draws. */
export function drawsOf(kind: DrawKind, rng: Rng): Draws {
  return { noise: () => rng.normal(), observation: kind === 'predictive', counts: rng.fork() };
}

/**
 * Fill a draw's N(0, 1) noise for `rows` rows in the order every draw of
 * jpvae consumes it: per row, the latent's `latent` values into `eps`, then
 * (when `observation` is given) the view's `dim` values into it. The
 * library, the CLI and the runtime's samplers all draw through this, so the
 * same seed gives the same draws everywhere.
 */
export function fillDrawNoise(
  noise: () => number,
  rows: number,
  eps: { [i: number]: number },
  latent: number,
  observation: { [i: number]: number } | null,
  dim: number,
): void {
  for (let r = 0; r < rows; r++) {
    for (let a = 0; a < latent; a++) eps[r * latent + a] = noise();
    if (observation) for (let j = 0; j < dim; j++) observation[r * dim + j] = noise();
  }
}

/** Each of `rows` rows of width `width` repeated K times in a row (row r's copies at r·K … r·K+K−1). */
export function repeatRows(x: Float32Array, rows: number, width: number, K: number): Float32Array {
  if (K === 1) return x;
  const out = new Float32Array(rows * K * width);
  for (let r = 0; r < rows * K; r++)
    out.set(x.subarray(Math.floor(r / K) * width, (Math.floor(r / K) + 1) * width), r * width);
  return out;
}

/** For the rows in view `from`'s input buffer: encode, map the latent, decode view `to`; returns the logits' heap index. */
function decodeRows(model: Jpvae, from: 0 | 1, to: 0 | 1, rows: number, map: LatentMap): number {
  const k = model.k,
    vf = model.views[from],
    vt = model.views[to];
  model.encode(from, rows);
  map(rows, k.heap.view(vf.mu, rows * vf.latent), k.heap.view(vt.z, rows * vt.latent));
  return model.decode(to, rows);
}

/** The latent map of Eq. 12 for one batch, and what a draw does to its decoded means: add a Gaussian view's observation noise, or draw a count view's counts. */
function conditionalDraws(model: Jpvae, c: Conditional, draws?: Draws) {
  const counts = countDraws(model.views[c.target], c.target, model.dispersion(c.target), draws);
  const dim = model.views[c.target].dim,
    logvar = draws && draws.observation !== false ? model.observationLogvar(c.target) : null;
  let observation: Float64Array | null = null;
  const map: LatentMap = (rows, mu, z) => {
    if (!draws) {
      conditionalLatent(c, mu, rows, z);
      return;
    }
    const eps = new Float64Array(rows * c.nOut),
      obs = logvar && new Float64Array(rows * dim);
    fillDrawNoise(draws.noise, rows, eps, c.nOut, obs, dim);
    if (obs) for (let t = 0; t < obs.length; t++) obs[t] *= Math.exp(logvar![t % dim] / 2);
    observation = obs;
    conditionalLatent(c, mu, rows, z, eps);
  };
  const perturb = (means: Float32Array) => {
    if (observation) for (let t = 0; t < means.length; t++) means[t] += observation[t];
    counts?.(means);
  };
  return { map, perturb };
}

/** Imputed logits (or Gaussian means) of view `c.target` for the rows in the other view's input buffer: the decoded conditional mean. */
export function imputeRows(model: Jpvae, c: Conditional, rows: number): number {
  return decodeRows(model, (1 - c.target) as 0 | 1, c.target, rows, conditionalDraws(model, c).map);
}

/** The mean of p(x_to | z) (Bernoulli: σ(logits); Gaussian: the decoder's output) for n rows of view `from`'s data; `perturb` may change each batch's means. */
function decodeView(
  model: Jpvae,
  from: 0 | 1,
  to: 0 | 1,
  input: Float32Array,
  n: number,
  map: LatentMap,
  perturb?: (means: Float32Array) => void,
): Float32Array {
  const { dim, likelihood } = model.views[to],
    out = new Float32Array(n * dim);
  const mean = meanOf(likelihood);
  forEachBatch(n, model.maxRows, (start, idx) => {
    model.setInput(from, input, idx);
    const o = model.k.heap.view(decodeRows(model, from, to, idx.length, map), idx.length * dim);
    for (let t = 0; t < o.length; t++) out[start * dim + t] = mean(o[t]);
    perturb?.(out.subarray(start * dim, (start + idx.length) * dim));
  });
  return out;
}

/**
 * Impute view `c.target` from n rows of the other view (standardised as the
 * model's data): the likelihood's mean of the decoded conditional mean
 * (n×dim_i), or with `draws` one draw per row from the predictive
 * distribution.
 */
export function imputeView(model: Jpvae, c: Conditional, given: Float32Array, n: number, draws?: Draws): Float32Array {
  const { map, perturb } = conditionalDraws(model, c, draws);
  return decodeView(model, (1 - c.target) as 0 | 1, c.target, given, n, map, perturb);
}

/**
 * imputeView in the user's units: `given` rows as the user has them (it is
 * standardised in place where the model standardises that view), the
 * result de-standardised back into the target view's original units.
 */
export function imputeRaw(
  model: Jpvae,
  c: Conditional,
  standardize: readonly (Standardize | null)[],
  given: Float32Array,
  n: number,
  draws?: Draws,
): Float32Array {
  const j = 1 - c.target,
    sj = standardize[j],
    si = standardize[c.target];
  if (sj) applyStandardize(given, model.views[j].dim, sj);
  const y = imputeView(model, c, given, n, draws);
  if (si) applyStandardize(y, model.views[c.target].dim, si, true);
  return y;
}

/** Reconstruct view i (the likelihood's mean) from its own data, decoding the posterior mean. */
export function reconstructView(model: Jpvae, i: 0 | 1, x: Float32Array, n: number): Float32Array {
  return decodeView(model, i, i, x, n, (_rows, mu, z) => z.set(mu));
}

/**
 * The CLI's and the API's imputation of rows as the user has them: the
 * given view's `rows` rows in x, checked complete and finite (`label` and
 * `firstRow` place an error), each repeated `samples` times, a draw each
 * when `draws` is given, through imputeRaw: (rows·samples)×dim_i.
 */
export function imputeUserRows(
  model: Jpvae,
  c: Conditional,
  standardize: readonly (Standardize | null)[],
  x: Float32Array,
  rows: number,
  samples: number,
  draws: Draws | undefined,
  label: string,
  firstRow = 0,
): Float32Array {
  const width = model.views[1 - c.target].dim,
    K = samples;
  const bad = x.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0)
    throw new InputError(
      `${label}: row ${firstRow + Math.floor(bad / width) + 1}, column ${(bad % width) + 1} is ${x[bad]}; the given view must be complete and finite`,
    );
  const rule = valueRule(model.views[1 - c.target].likelihood);
  const off = rule ? x.findIndex((v) => !rule.fits(v)) : -1;
  if (off >= 0)
    throw new InputError(
      `${label}: row ${firstRow + Math.floor(off / width) + 1}, column ${(off % width) + 1} is ${x[off]}, ${rule!.needs} (the model's view ${2 - c.target})`,
    );
  // Each row repeated K times, each copy with its own draw.
  const y = imputeRaw(model, c, standardize, repeatRows(x, rows, width, K), rows * K, draws);
  const nan = y.findIndex((v) => !Number.isFinite(v));
  if (nan >= 0)
    throw new InputError(
      `${label}: row ${firstRow + Math.floor(nan / (model.views[c.target].dim * K)) + 1} imputes to ${y[nan]}: the model's weights are out of range`,
    );
  return y;
}
