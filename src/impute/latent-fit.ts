// The latent Gaussian of imputation (§2.7): Eq. 12 conditions a joint
// Gaussian N(m, Σ) over the views' latent blocks. Two sources of (m, Σ):
// - the fit: the Gaussian of the posterior means of the TRAINING rows (the
//   product's default; the paper fits on the evaluated split, which leaks
//   the held-out views into the fit);
// - the model's own joint prior: m = 0, Σ of Eq. 6.

import { forEachBatch, gatherRows } from '../data/dataset.ts';
import { allViews, designRowsOf, rowsWith, viewsOf, type ViewData } from '../data/view-data.ts';
import { cholesky, joinColumns, meanCov, positiveDefinite } from '../linalg/dense.ts';
import type { Jpvae } from '../model/jpvae.ts';

export interface LatentFit {
  latent: number[]; // block sizes
  rows: number; // how many training rows the fit saw
  complete: number; // of which with every view
  mean: number[]; // D
  cov: number[]; // D², row-major
}

/** Posterior means of each view's rows (view i: n×n_i, f64), for the views in `views`; `design`: the rows' covariates. */
export function encodeViewMeans(
  model: Jpvae,
  xs: readonly Float32Array[],
  views: readonly number[],
  n: number,
  design?: Float32Array,
) {
  const out = views.map((i) => new Float64Array(n * model.views[i].latent));
  forEachBatch(n, model.maxRows, (start, idx) => {
    model.setDesign(design, idx);
    views.forEach((i, g) => {
      const v = model.views[i];
      v.setInput(xs[g], idx);
      v.encode(model.P, idx.length);
      out[g].set(model.k.heap.view(v.mu, idx.length * v.latent), start * v.latent);
    });
  });
  return out;
}

/** The rows of `data` with every view, and each view's posterior means of them (view i: rows×n_i, f64). */
export function completeMeans(model: Jpvae, data: ViewData): { rows: number; Z: Float64Array[] } {
  const all = viewsOf(model.fullMask),
    rows = rowsWith(data, all);
  const xs = all.map((i) => gatherRows(data.xs[i], data.dims[i], rows));
  return { rows: rows.length, Z: encodeViewMeans(model, xs, all, rows.length, designRowsOf(data, rows)) };
}

/**
 * The Gaussian of the training rows' posterior means, all blocks side by
 * side: the maximum-likelihood fit on the rows with every view, when more
 * of them than latent units (D) exist; else from every row, pairwise
 * (fitPairwise). The rows with every view give better imputations where
 * they suffice: the two-view planted check in test/own-data.test.ts imputes
 * worse through the pairwise fit (the variances then come from more rows
 * than the covariances between views, and the two no longer agree).
 */
export function fitLatent(model: Jpvae, train: ViewData): LatentFit {
  const latent = model.views.map((v) => v.latent),
    D = latent.reduce((a, b) => a + b, 0);
  const { rows, Z } = completeMeans(model, train);
  if (rows <= D) return fitPairwise(model, train);
  const { mean, cov } = meanCov(joinColumns(Z, latent, rows), rows, D);
  return { latent, rows, complete: rows, mean: Array.from(mean), cov: Array.from(cov) };
}

/**
 * View i's posterior means of the rows of `data` that have it: `mu` in the
 * order of `rows`, and `z` with each row's at its place (NaN where a row
 * lacks the view: never read).
 */
function viewMeans(model: Jpvae, data: ViewData, i: number) {
  const v = model.views[i],
    rows = rowsWith(data, [i]);
  const [mu] = encodeViewMeans(
    model,
    [gatherRows(data.xs[i], v.dim, rows)],
    [i],
    rows.length,
    designRowsOf(data, rows),
  );
  const z = new Float64Array(data.n * v.latent).fill(NaN);
  rows.forEach((r, t) => z.set(mu.subarray(t * v.latent, (t + 1) * v.latent), r * v.latent));
  return { rows, mu, z };
}

/**
 * The Gaussian of the training rows' posterior means from every row: block
 * i's mean over the rows that have view i, the covariance of blocks i, j
 * over the rows that have both (pairwise complete). A pair no row has
 * together is uncorrelated. Pairwise estimates need not make a covariance:
 * see shrinkToDefinite.
 */
export function fitPairwise(model: Jpvae, train: ViewData): LatentFit {
  const m = model.m,
    latent = model.views.map((v) => v.latent),
    D = latent.reduce((a, b) => a + b, 0);
  const starts = latent.map((_, i) => latent.slice(0, i).reduce((a, b) => a + b, 0));
  const mean = new Float64Array(D);
  // Each view's posterior means, for the rows that have it, and their mean.
  const Z = model.views.map((v, i) => {
    const { rows, mu, z } = viewMeans(model, train, i);
    for (let e = 0; e < mu.length; e++) mean[starts[i] + (e % v.latent)] += mu[e] / rows.length;
    return { z, count: rows.length };
  });
  Z.forEach(({ count }, i) => {
    if (count <= latent[i])
      throw new RangeError(
        `latent fit: ${count} training rows have view ${i + 1}, at least ${latent[i] + 1} are needed`,
      );
  });
  const cov = new Float64Array(D * D);
  for (let i = 0; i < m; i++)
    for (let j = i; j < m; j++) {
      const rows = rowsWith(train, [i, j]);
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

/** The model's own joint prior as the latent Gaussian: mean 0, Σ of Eq. 6 (its generalisation to M blocks). */
export function priorGaussian(model: Jpvae): LatentFit {
  const latent = model.views.map((v) => v.latent),
    D = latent.reduce((a, b) => a + b, 0);
  return { latent, rows: 0, complete: 0, mean: new Array(D).fill(0), cov: Array.from(model.priorCovariance()) };
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

/**
 * The latent fit with a new cohort's rows (`data`) pooled in, as if they
 * had been among the `fit.rows` it was fitted on: each block's mean over
 * the old rows and the new rows that have its view, and each covariance
 * entry of blocks i, j over the old rows and the new rows that have both
 * views (kept as it was where none has both); made positive definite as a
 * pairwise fit is (shrinkToDefinite).
 */
export function poolLatentFit(model: Jpvae, fit: LatentFit, data: ViewData): LatentFit {
  const latent = fit.latent,
    D = latent.reduce((a, b) => a + b, 0),
    start = latent.map((_, i) => latent.slice(0, i).reduce((a, b) => a + b, 0)),
    n0 = fit.rows;
  // Each view's posterior means of the new rows that have it.
  const Z = model.views.map((_, i) => viewMeans(model, data, i).z);
  const block = new Int32Array(D);
  latent.forEach((d, i) => block.fill(i, start[i], start[i] + d));
  const blockOf = (e: number) => block[e],
    value = (r: number, e: number) => Z[block[e]][r * latent[block[e]] + e - start[block[e]]];
  const mean = Float64Array.from(fit.mean),
    cov = Float64Array.from(fit.cov);
  for (let i = 0; i < latent.length; i++) {
    const rows = rowsWith(data, [i]);
    for (let a = start[i]; a < start[i] + latent[i]; a++) {
      let s = n0 * fit.mean[a];
      for (const r of rows) s += value(r, a);
      mean[a] = s / (n0 + rows.length);
    }
  }
  for (let a = 0; a < D; a++)
    for (let b = 0; b < D; b++) {
      const rows = rowsWith(data, [blockOf(a), blockOf(b)]);
      if (!rows.length) continue;
      const N = n0 + rows.length;
      let sa = n0 * fit.mean[a],
        sb = n0 * fit.mean[b],
        sab = n0 * (fit.cov[a * D + b] + fit.mean[a] * fit.mean[b]);
      for (const r of rows) {
        const x = value(r, a),
          y = value(r, b);
        sa += x;
        sb += y;
        sab += x * y;
      }
      cov[a * D + b] = sab / N - (sa / N) * (sb / N);
    }
  return {
    latent,
    rows: n0 + data.n,
    complete: fit.complete + rowsWith(data, viewsOf(model.fullMask)).length,
    mean: Array.from(mean),
    cov: Array.from(shrinkToDefinite(cov, latent)),
  };
}
