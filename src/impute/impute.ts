// Imputation through the model (§2.7): encode the given views to their
// posterior means, map them through the latent conditional of the target
// views given them (Eq. 12 over blocks), decode each target. Draws from
// the predictive distribution add the conditional's noise in latent space,
// and a Gaussian view's observation noise or a count view's counts.

import { forEachBatch } from '../data/dataset.ts';
import { InputError } from '../errors.ts';
import type { Jpvae } from '../model/jpvae.ts';
import { isCount, meanOf, valueRule, type Likelihood } from '../data/likelihood.ts';
import { drawCounts } from '../data/count-draws.ts';
import type { Rng } from '../data/rng.ts';
import { conditionalLatent, type BlockConditional } from './block-conditional.ts';
import { applyStandardize, type Standardize } from '../data/views.ts';
import { joinColumns } from '../linalg/dense.ts';

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

/**
 * For the rows in the given views' input buffers: encode them, map their
 * posterior means through Eq. 12 (plus covChol·eps when eps is given: a
 * draw), decode each target; returns the decoders' outputs (heap indices,
 * logits or Gaussian means), in the order of c.target.
 */
export function decodeConditional(model: Jpvae, c: BlockConditional, rows: number, eps?: Float64Array): number[] {
  const given = c.given.map((i) => model.views[i]),
    widths = given.map((v) => v.latent),
    z = new Float64Array(rows * c.nOut);
  for (const v of given) v.encode(model.P, rows);
  const mus = given.map((v) => model.k.heap.view(v.mu, rows * v.latent));
  conditionalLatent(c, joinColumns(mus, widths, rows), rows, z, eps);
  let col = 0;
  return c.target.map((t) => {
    const v = model.views[t],
      zt = model.k.heap.view(v.z, rows * v.latent);
    for (let r = 0; r < rows; r++) for (let j = 0; j < v.latent; j++) zt[r * v.latent + j] = z[r * c.nOut + col + j];
    col += v.latent;
    return v.decode(model.P, rows);
  });
}

/**
 * The target views of c for n rows of its given views (xs in the order of
 * c.given, the model's units): the likelihood's mean of each decoded
 * target (n×dim_t each, in the order of c.target). With `draws`, each row
 * is repeated `samples` times and each copy decodes a draw from the
 * conditional (plus, for a Gaussian view, its observation noise): rows
 * r·samples … r·samples + samples − 1 are row r's draws. A model with
 * covariates reads the rows' `design` (n × its design width; without it,
 * the average of the known categories).
 */
export function imputeViews(
  model: Jpvae,
  c: BlockConditional,
  xs: readonly Float32Array[],
  n: number,
  draws?: Draws,
  samples = 1,
  design?: Float32Array,
): Float32Array[] {
  const K = draws ? samples : 1,
    rowsOut = n * K;
  const inputs = xs.map((x, g) => repeatRows(x, n, model.views[c.given[g]].dim, K)),
    designs = design && repeatRows(design, n, model.designWidth, K);
  const targets = c.target.map((t) => model.views[t]);
  const observed = draws !== undefined && draws.observation !== false;
  // A predictive draw of a count view is a count from its likelihood at the decoded mean, from one count stream
  // per target (forks of the draws' one), so batches of any size give the same counts. Draws without a counts
  // stream cannot: one line, rather than draws that leave the counts' noise out.
  let stream = draws?.counts;
  const counts = targets.map((v, a) => {
    const rng = a === 0 ? stream : (stream = stream?.fork());
    if (!observed || !isCount(v.likelihood)) return null;
    if (!rng)
      throw new InputError(
        `draws: view ${c.target[a] + 1} is a count view, and these draws have no stream for its counts; use latent draws instead`,
      );
    const theta = v.dispersion(model.P);
    return (means: Float32Array) => drawCounts(rng, means, v.dim, theta);
  });
  const out = targets.map((v) => new Float32Array(rowsOut * v.dim));
  const mean = targets.map((v) => meanOf(v.likelihood));
  const logvars = targets.map((v) => (observed ? v.observationLogvar(model.P) : null));
  forEachBatch(rowsOut, model.maxRows, (start, idx) => {
    const rows = idx.length;
    c.given.forEach((i, g) => model.views[i].setInput(inputs[g], idx));
    model.setDesign(designs, idx);
    // Row by row, as every draw of jpvae: the latent's values, then each Gaussian target's observation noise.
    let eps: Float64Array | undefined;
    const obs = targets.map((v, t) => (logvars[t] ? new Float64Array(rows * v.dim) : null));
    if (draws) {
      eps = new Float64Array(rows * c.nOut);
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < c.nOut; j++) eps[r * c.nOut + j] = draws.noise();
        targets.forEach((v, t) => {
          const o = obs[t];
          if (o) for (let j = 0; j < v.dim; j++) o[r * v.dim + j] = draws.noise();
        });
      }
    }
    decodeConditional(model, c, rows, eps).forEach((p, t) => {
      const v = targets[t],
        o = model.k.heap.view(p, rows * v.dim),
        dst = out[t].subarray(start * v.dim, (start + rows) * v.dim),
        lv = logvars[t];
      for (let e = 0; e < o.length; e++) {
        dst[e] = mean[t](o[e]);
        if (lv) dst[e] += Math.exp(lv[e % v.dim] / 2) * obs[t]![e];
      }
      counts[t]?.(dst);
    });
  });
  return out;
}

/** Reconstruct view i (the likelihood's mean) from its own rows (n of them in x, `design` their covariates), decoding the posterior mean. */
export function reconstructView(
  model: Jpvae,
  i: number,
  x: Float32Array,
  n: number,
  design?: Float32Array,
): Float32Array {
  const v = model.views[i],
    heap = model.k.heap,
    mean = meanOf(v.likelihood),
    out = new Float32Array(n * v.dim);
  forEachBatch(n, model.maxRows, (start, idx) => {
    const rows = idx.length;
    v.setInput(x, idx);
    model.setDesign(design, idx);
    v.encode(model.P, rows);
    heap.view(v.z, rows * v.latent).set(heap.view(v.mu, rows * v.latent));
    const o = heap.view(v.decode(model.P, rows), rows * v.dim);
    for (let t = 0; t < o.length; t++) out[start * v.dim + t] = mean(o[t]);
  });
  return out;
}

/**
 * A given view's rows as a user hands them (n×width in x): complete and
 * finite, in [0, 1] for a Bernoulli view, counts for a count view; `label`
 * and `firstRow` place an error, which names the model's view i + 1.
 */
export function checkGivenRows(
  x: Float32Array,
  width: number,
  likelihood: Likelihood,
  i: number,
  label: string,
  firstRow = 0,
): void {
  const bad = x.findIndex((v) => !Number.isFinite(v));
  const at = (e: number) => `row ${firstRow + Math.floor(e / width) + 1}, column ${(e % width) + 1} is ${x[e]}`;
  if (bad >= 0) throw new InputError(`${label}: ${at(bad)}; a given view must be complete and finite`);
  const rule = valueRule(likelihood);
  const off = rule ? x.findIndex((v) => !rule.fits(v)) : -1;
  if (off >= 0) throw new InputError(`${label}: ${at(off)}, ${rule!.needs} (the model's view ${i + 1})`);
}

/**
 * imputeViews in the user's units: each given view's rows (xs in the order
 * of c.given, as the user has them) standardised where the model
 * standardises that view (in place: pass copies to keep them), the
 * targets de-standardised into their own units.
 */
export function imputeInUnits(
  model: Jpvae,
  c: BlockConditional,
  standardize: readonly (Standardize | null)[],
  xs: readonly Float32Array[],
  n: number,
  draws?: Draws,
  samples = 1,
  design?: Float32Array,
): Float32Array[] {
  c.given.forEach((g, a) => standardize[g] && applyStandardize(xs[a], model.views[g].dim, standardize[g]!));
  const ys = imputeViews(model, c, xs, n, draws, samples, design);
  ys.forEach((y, t) => {
    const s = standardize[c.target[t]];
    if (s) applyStandardize(y, model.views[c.target[t]].dim, s, true);
  });
  return ys;
}

/** Imputed rows (n·K draws of `width` values, row r's at r·K…) must be finite: a NaN or infinity comes from weights out of range; `label` and `firstRow` name the input row. */
export function checkImputed(y: Float32Array, width: number, K: number, label: string, firstRow = 0): void {
  const bad = y.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0)
    throw new InputError(
      `${label}: row ${firstRow + Math.floor(bad / (width * K)) + 1} imputes to ${y[bad]}: the model's weights are out of range`,
    );
}
