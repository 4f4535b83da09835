// Latent statistics and the conditional Gaussian of Eq. 12 against cases
// whose answers are known in closed form.

import test from 'ava';
import { Rng } from '../src/data/rng.ts';
import { activeUnits, crossCorrelation, frobenius } from '../src/eval/latent.ts';
import { meanCov } from '../src/linalg/dense.ts';
import { conditionalLatent, conditionalOf } from '../src/impute/block-conditional.ts';
import type { LatentFit } from '../src/impute/latent-fit.ts';
import { matmul, solveSpd, transpose } from '../src/linalg/dense.ts';
import { maxRelErr } from './util.ts';

// Planted linear-Gaussian latents: z1 ~ N(m1, I), z2 = B·z1 + c + σ·e.
// Then Σ11 = I, Σ21 = B, Σ22 = B·Bᵀ + σ²I, and E[z2 | z1 = a] = B·a + c exactly.
const n1 = 3,
  n2 = 5,
  sigma = 0.3;
const rng = new Rng(11);
const B = Float64Array.from({ length: n2 * n1 }, () => rng.normal());
const m1 = Float64Array.from({ length: n1 }, () => rng.normal());
const c = Float64Array.from({ length: n2 }, () => rng.normal());

function exactFit(): LatentFit {
  const d = n1 + n2,
    cov = new Array(d * d).fill(0),
    mean = new Array(d).fill(0);
  const BBt = matmul(B, transpose(B, n2, n1), n2, n1, n2);
  for (let i = 0; i < n1; i++) {
    cov[i * d + i] = 1;
    mean[i] = m1[i];
  }
  for (let i = 0; i < n2; i++) {
    mean[n1 + i] = c[i];
    for (let j = 0; j < n1; j++) mean[n1 + i] += B[i * n1 + j] * m1[j];
    for (let j = 0; j < n1; j++) {
      cov[(n1 + i) * d + j] = B[i * n1 + j];
      cov[j * d + n1 + i] = B[i * n1 + j];
    }
    for (let j = 0; j < n2; j++) cov[(n1 + i) * d + n1 + j] = BBt[i * n2 + j] + (i === j ? sigma * sigma : 0);
  }
  return { latent: [n1, n2], rows: 0, complete: 0, mean, cov };
}

test('E[z2 | z1] of a planted linear-Gaussian pair is B·a + c, with covariance σ²I', (t) => {
  const cond = conditionalOf(exactFit(), [1], [2]);
  t.true(maxRelErr(cond.gain, B) < 1e-9);
  t.true(maxRelErr(cond.offset, c) < 1e-9);
  const I = Float64Array.from({ length: n2 * n2 }, (_, k) => (k % (n2 + 1) === 0 ? sigma * sigma : 0));
  t.true(maxRelErr(cond.cov, I) < 1e-8);
});

test('E[z1 | z2] matches the Woodbury form (I + BᵀB/σ²)⁻¹Bᵀ/σ²', (t) => {
  const cond = conditionalOf(exactFit(), [2], [1]);
  const BtB = matmul(transpose(B, n2, n1), B, n1, n2, n1);
  for (let i = 0; i < n1; i++)
    for (let j = 0; j < n1; j++) BtB[i * n1 + j] = BtB[i * n1 + j] / sigma ** 2 + (i === j ? 1 : 0);
  const gain = solveSpd(
    BtB,
    n1,
    transpose(B, n2, n1).map((x) => x / sigma ** 2),
    n2,
  );
  t.true(maxRelErr(cond.gain, gain) < 1e-9);
  // and the conditional covariance is (I + BᵀB/σ²)⁻¹
  const I = Float64Array.from({ length: n1 * n1 }, (_, k) => (k % (n1 + 1) === 0 ? 1 : 0));
  t.true(maxRelErr(cond.cov, solveSpd(BtB, n1, I, n1)) < 1e-9);
});

test('the fit of sampled latents recovers the conditional, and sampled imputations have its covariance', (t) => {
  const n = 40000,
    d = n1 + n2,
    Z = new Float64Array(n * d);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < n1; j++) Z[r * d + j] = m1[j] + rng.normal();
    for (let i = 0; i < n2; i++) {
      let z = c[i] + sigma * rng.normal();
      for (let j = 0; j < n1; j++) z += B[i * n1 + j] * Z[r * d + j];
      Z[r * d + n1 + i] = z;
    }
  }
  const { mean, cov } = meanCov(Z, n, d);
  const cond = conditionalOf(
    { latent: [n1, n2], rows: n, complete: n, mean: Array.from(mean), cov: Array.from(cov) },
    [1],
    [2],
  );
  t.true(maxRelErr(cond.gain, B) < 0.02, `gain error ${maxRelErr(cond.gain, B)}`);
  // Draws at one fixed z1 = a scatter around B·a + c with covariance σ²I.
  const a = Float64Array.from(m1),
    draws = new Float64Array(n * n2);
  const za = new Float64Array(n * n1);
  for (let r = 0; r < n; r++) za.set(a, r * n1);
  const eps = new Float64Array(n * n2);
  rng.fillNormal(eps);
  conditionalLatent(cond, za, n, draws, eps);
  const s = meanCov(draws, n, n2);
  const expectMean = matmul(B, a, n2, n1, 1).map((x, i) => x + c[i]);
  t.true(maxRelErr(s.mean, expectMean) < 0.02);
  for (let i = 0; i < n2; i++) t.true(Math.abs(s.cov[i * n2 + i] - sigma ** 2) < 0.01, `var ${s.cov[i * n2 + i]}`);
});

test('active units count the units whose posterior mean varies by at least 0.01', (t) => {
  const n = 2000,
    sds = [1, 0.05, 0.2, 0.0, 0.12],
    d = sds.length; // variances 1, .0025, .04, 0, .0144
  const Z = new Float64Array(n * d);
  for (let r = 0; r < n; r++) for (let u = 0; u < d; u++) Z[r * d + u] = 3 + sds[u] * (r % 2 ? 1 : -1);
  t.is(activeUnits(Z, n, d), 3);
});

test('cross-correlation of a permuted, rescaled copy is a signed permutation matrix', (t) => {
  // Walsh columns: exactly zero-mean and mutually uncorrelated over n = 1024 rows.
  const n = 1024,
    Z1 = Float64Array.from({ length: n * 3 }, (_, k) => ((Math.floor(k / 3) >> (k % 3)) & 1 ? 1 : -1));
  const Z2 = new Float64Array(n * 4); // z2 = (2·z1[2], −z1[0], noise, 5·z1[1])
  for (let r = 0; r < n; r++) {
    Z2[r * 4] = 2 * Z1[r * 3 + 2];
    Z2[r * 4 + 1] = -Z1[r * 3];
    Z2[r * 4 + 2] = 0;
    Z2[r * 4 + 3] = 5 * Z1[r * 3 + 1];
  }
  const R = crossCorrelation(Z1, 3, Z2, 4, n);
  t.true(
    Math.abs(R[0 * 4 + 1] + 1) < 1e-12 && Math.abs(R[1 * 4 + 3] - 1) < 1e-12 && Math.abs(R[2 * 4 + 0] - 1) < 1e-12,
  );
  t.true(Math.abs(frobenius(R) - Math.sqrt(3)) < 1e-9);
});
