// Imputation for M views (§2.7 generalised): encode the given views to
// their posterior means, map them through the latent conditional of the
// target views given them (Eq. 12 over blocks), decode each target. The
// latent Gaussian is fitted on the training rows that have every view.

import { forEachBatch, gatherRows } from '../data/dataset.ts';
import { InputError } from '../errors.ts';
import { allViews, type MultiViewData } from '../data/multi-view.ts';
import { cholesky, positiveDefinite } from '../linalg/dense.ts';
import type { MultiJpvae } from '../model/multi-jpvae.ts';
import { blockConditional, type BlockConditional } from './block-conditional.ts';
import { conditionalLatent } from './conditional.ts';
import { countDraws, repeatRows, type Draws } from './impute.ts';
import { meanOf } from '../data/likelihood.ts';

export interface MultiLatentFit {
  latent: number[]; // block sizes
  rows: number; // how many training rows the fit saw
  complete: number; // of which with every view
  mean: number[]; // D
  cov: number[]; // D², row-major
}

/** Posterior means of each view's rows (view i: n×n_i, f64), for the views in `views`. */
export function encodeViewMeans(model: MultiJpvae, xs: readonly Float32Array[], views: readonly number[], n: number) {
  const out = views.map((i) => new Float64Array(n * model.views[i].latent));
  forEachBatch(n, model.maxRows, (start, idx) => {
    views.forEach((i, g) => {
      const v = model.views[i];
      v.setInput(xs[g], idx);
      v.encode(model.P, idx.length);
      out[g].set(model.k.heap.view(v.mu, idx.length * v.latent), start * v.latent);
    });
  });
  return out;
}

/**
 * The Gaussian of the training rows' posterior means, all blocks side by
 * side, from every row: block i's mean over the rows that have view i, the
 * covariance of blocks i, j over the rows that have both (pairwise
 * complete; with every view in every row, the maximum-likelihood fit). A
 * pair no row has together is uncorrelated. Pairwise estimates need not
 * make a covariance: see shrinkToDefinite.
 */
export function fitMultiLatent(model: MultiJpvae, train: MultiViewData): MultiLatentFit {
  const m = model.m,
    latent = model.views.map((v) => v.latent),
    D = latent.reduce((a, b) => a + b, 0);
  const starts = latent.map((_, i) => latent.slice(0, i).reduce((a, b) => a + b, 0));
  const has = (r: number, i: number) => !train.present || (train.present[r] & (1 << i)) !== 0;
  // Each view's posterior means, for the rows that have it (NaN elsewhere: never read).
  const Z = model.views.map((v, i) => {
    const rows = Array.from({ length: train.n }, (_, r) => r).filter((r) => has(r, i));
    const [mu] = encodeViewMeans(model, [gatherRows(train.xs[i], v.dim, rows)], [i], rows.length);
    const z = new Float64Array(train.n * v.latent).fill(NaN);
    rows.forEach((r, t) => z.set(mu.subarray(t * v.latent, (t + 1) * v.latent), r * v.latent));
    return { z, count: rows.length };
  });
  Z.forEach(({ count }, i) => {
    if (count <= latent[i])
      throw new RangeError(
        `latent fit: ${count} training rows have view ${i + 1}, at least ${latent[i] + 1} are needed`,
      );
  });
  const mean = new Float64Array(D);
  for (let i = 0; i < m; i++)
    for (let r = 0; r < train.n; r++)
      if (has(r, i)) for (let a = 0; a < latent[i]; a++) mean[starts[i] + a] += Z[i].z[r * latent[i] + a] / Z[i].count;
  const cov = new Float64Array(D * D);
  for (let i = 0; i < m; i++)
    for (let j = i; j < m; j++) {
      const rows = Array.from({ length: train.n }, (_, r) => r).filter((r) => has(r, i) && has(r, j));
      for (const r of rows)
        for (let a = 0; a < latent[i]; a++) {
          const za = Z[i].z[r * latent[i] + a] - mean[starts[i] + a];
          for (let b = 0; b < latent[j]; b++) {
            const v = (za * (Z[j].z[r * latent[j] + b] - mean[starts[j] + b])) / rows.length;
            cov[(starts[i] + a) * D + starts[j] + b] += v;
            if (i !== j) cov[(starts[j] + b) * D + starts[i] + a] += v;
          }
        }
    }
  const full = allViews(m),
    complete = train.present ? train.present.filter((p) => p === full).length : train.n;
  return { latent, rows: train.n, complete, mean: Array.from(mean), cov: Array.from(shrinkToDefinite(cov, latent)) };
}

/** The model's own prior as the latent Gaussian: mean 0, Σ of the factor prior. */
export function multiPriorGaussian(model: MultiJpvae): MultiLatentFit {
  const latent = model.views.map((v) => v.latent);
  return {
    latent,
    rows: 0,
    complete: 0,
    mean: new Array(model.prior.D).fill(0),
    cov: Array.from(model.priorCovariance()),
  };
}

/**
 * Eq. 12 of the views `target` given the views `given` under a fit: views
 * numbered from 1 to M, as `jpvae impute --given 1,3 --target 2` numbers
 * them (imputeMulti then takes the given views' rows in the order of `given`
 * and returns the targets' in the order of `target`).
 */
export function multiConditional(
  fit: MultiLatentFit,
  given: readonly number[],
  target: readonly number[],
): BlockConditional {
  const m = fit.latent.length,
    bad = [...given, ...target].find((v) => !(Number.isInteger(v) && v >= 1 && v <= m));
  if (bad !== undefined) throw new InputError(`views: expected view numbers from 1 to ${m}, got ${bad}`);
  return blockConditional(
    fit.mean,
    fit.cov,
    fit.latent,
    given.map((v) => v - 1),
    target.map((v) => v - 1),
  );
}

/**
 * For the rows in the given views' input buffers: encode them, map their
 * posterior means through Eq. 12 (plus covChol·eps when eps is given: a
 * draw), decode each target; returns the decoders' outputs (heap indices,
 * logits or Gaussian means), in the order of c.target.
 */
export function decodeConditional(model: MultiJpvae, c: BlockConditional, rows: number, eps?: Float64Array): number[] {
  const a = new Float64Array(rows * c.nIn),
    z = new Float64Array(rows * c.nOut);
  let col = 0;
  for (const i of c.given) {
    const v = model.views[i];
    v.encode(model.P, rows);
    const mu = model.k.heap.view(v.mu, rows * v.latent);
    for (let r = 0; r < rows; r++) for (let j = 0; j < v.latent; j++) a[r * c.nIn + col + j] = mu[r * v.latent + j];
    col += v.latent;
  }
  conditionalLatent(c, a, rows, z, eps);
  col = 0;
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
 * r·samples … r·samples + samples − 1 are row r's draws.
 */
export function imputeMulti(
  model: MultiJpvae,
  c: BlockConditional,
  xs: readonly Float32Array[],
  n: number,
  draws?: Draws,
  samples = 1,
): Float32Array[] {
  const K = draws ? samples : 1,
    rowsOut = n * K;
  const inputs = xs.map((x, g) => repeatRows(x, n, model.views[c.given[g]].dim, K));
  const targets = c.target.map((t) => model.views[t]);
  // One count stream per target (forks of the draws' one), so batches of any size give the same counts.
  let stream = draws?.counts;
  const counts = targets.map((v, a) => {
    const rng = a === 0 ? stream : (stream = stream?.fork());
    return countDraws(v, c.target[a], v.dispersion(model.P), draws, rng);
  });
  const out = targets.map((v) => new Float32Array(rowsOut * v.dim));
  const mean = targets.map((v) => meanOf(v.likelihood));
  const logvars = targets.map((_, a) =>
    draws && draws.observation !== false ? model.observationLogvar(c.target[a]) : null,
  );
  forEachBatch(rowsOut, model.maxRows, (start, idx) => {
    const rows = idx.length;
    c.given.forEach((i, g) => model.views[i].setInput(inputs[g], idx));
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

/**
 * A pairwise-complete covariance made positive definite: the cross blocks
 * scaled by λ = 1, 0.9, 0.8, … until it has a Cholesky factor (λ = 0 keeps
 * only the diagonal blocks, each a proper covariance, with the ridge of
 * positiveDefinite where a unit collapsed).
 */
export function shrinkToDefinite(cov: Float64Array, latent: readonly number[]): Float64Array {
  const D = cov.length ** 0.5,
    block = new Int32Array(D);
  let at = 0;
  latent.forEach((d, b) => block.fill(b, at, (at += d)));
  for (let step = 0; step <= 10; step++) {
    const lambda = 1 - step / 10,
      S = cov.map((v, e) => (block[Math.floor(e / D)] === block[e % D] ? v : lambda * v));
    if (cholesky(S, D)) return S;
  }
  return positiveDefinite(
    cov.map((v, e) => (block[Math.floor(e / D)] === block[e % D] ? v : 0)),
    D,
  );
}
