// A planted linear-Gaussian two-view problem whose exact conditional is
// known: z = (z1, z2) ~ N(0, [[I, Cᵀ],[C, I]]) with C = diag(ρ),
// x_i = m_i + s_i ⊙ (A_i z_i + σ ε_i). Its p(x2 | x1) is Gaussian in
// closed form, so draws of it are calibrated by construction.

import { Rng } from '../src/data/rng.ts';
import { cholesky, matmul, solveSpd, transpose } from '../src/linalg/dense.ts';

export interface PlantedLinear {
  n: number;
  dims: [number, number];
  x: [Float32Array, Float32Array]; // raw units: far from 0, very different scales
  /** x2 | x1 = a is N(mean + gain·(a − m1), cov), in raw units. */
  exact: { gain: Float64Array; offset: Float64Array; cov: Float64Array };
}

export function plantedLinear(n: number, seed: number, dim = 5, rho = [0.9, 0.7], sigma = 0.5): PlantedLinear {
  const rng = new Rng(seed),
    L = rho.length;
  const A = [0, 1].map(() => Float64Array.from({ length: dim * L }, () => rng.normal()));
  const m = [
    Float64Array.from({ length: dim }, (_, j) => 1000 + 10 * j),
    Float64Array.from({ length: dim }, (_, j) => -50 - j),
  ];
  const s = [
    Float64Array.from({ length: dim }, () => 0.05),
    Float64Array.from({ length: dim }, (_, j) => 300 / (j + 1)),
  ];
  const x: [Float32Array, Float32Array] = [new Float32Array(n * dim), new Float32Array(n * dim)];
  for (let r = 0; r < n; r++) {
    const z1 = rho.map(() => rng.normal());
    const z2 = rho.map((p, a) => p * z1[a] + Math.sqrt(1 - p * p) * rng.normal());
    [z1, z2].forEach((z, v) => {
      for (let j = 0; j < dim; j++) {
        let a = sigma * rng.normal();
        for (let l = 0; l < L; l++) a += A[v][j * L + l] * z[l];
        x[v][r * dim + j] = m[v][j] + s[v][j] * a;
      }
    });
  }
  // Raw covariances: Σ11 = S1(A1A1ᵀ + σ²I)S1, Σ22 likewise, Σ21 = S2 A2 C A1ᵀ S1.
  const cov = (v: number) => {
    const c = matmul(A[v], transpose(A[v], dim, L), dim, L, dim);
    for (let i = 0; i < dim; i++)
      for (let j = 0; j < dim; j++)
        c[i * dim + j] = s[v][i] * s[v][j] * (c[i * dim + j] + (i === j ? sigma * sigma : 0));
    return c;
  };
  const AC = Float64Array.from(A[1], (a, t) => a * rho[t % L]);
  const S21 = matmul(AC, transpose(A[0], dim, L), dim, L, dim);
  for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) S21[i * dim + j] *= s[1][i] * s[0][j];
  const S11 = cov(0),
    S22 = cov(1);
  const gain = transpose(solveSpd(S11, dim, transpose(S21, dim, dim), dim), dim, dim); // Σ21 Σ11⁻¹
  const explained = matmul(gain, transpose(S21, dim, dim), dim, dim, dim);
  const condCov = Float64Array.from(S22, (v, t) => v - explained[t]);
  const offset = Float64Array.from(m[1]);
  for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) offset[i] -= gain[i * dim + j] * m[0][j];
  return { n, dims: [dim, dim], x, exact: { gain, offset, cov: condCov } };
}

/** K draws per row of x2 | x1 from the exact conditional (rows×K×dim), raw units. */
export function exactDraws(p: PlantedLinear, x1: Float32Array, rows: number, K: number, seed: number): Float64Array {
  const [d1, d2] = p.dims,
    rng = new Rng(seed),
    Lc = cholesky(p.exact.cov, d2)!;
  const out = new Float64Array(rows * K * d2),
    eps = new Float64Array(d2);
  for (let r = 0; r < rows; r++)
    for (let k = 0; k < K; k++) {
      for (let i = 0; i < d2; i++) eps[i] = rng.normal();
      for (let i = 0; i < d2; i++) {
        let v = p.exact.offset[i];
        for (let j = 0; j < d1; j++) v += p.exact.gain[i * d1 + j] * x1[r * d1 + j];
        for (let j = 0; j <= i; j++) v += Lc[i * d2 + j] * eps[j];
        out[(r * K + k) * d2 + i] = v;
      }
    }
  return out;
}
