// Joint-prior kernels, plain-TypeScript twin of assembly/prior.ts
// (semantics: src/core/kernels.ts). Written the way the maths reads, with
// matrices as arrays of rows; numbers are doubles whatever the storage.

import type { FloatArray } from '../heap.ts';
import type { Twin } from './twin.ts';
import { SVD_SIGMA_MAX } from '../kernels.ts';

import {
  addInto,
  cholesky,
  dot,
  identity,
  matmul,
  matrix,
  matvec,
  timesDiag,
  rowOf,
  solve,
  transpose,
  zeros,
  type Matrix,
} from './matrix.ts';

/** dlv += scale·½(e − 1) for the row's variance ratios e = [D]ᵢᵢ·e^{lvᵢ}: Eq. 9's ½(tr − Σ lv) differentiated. */
function addLogvarGrad(h: FloatArray, dlv: number, ratios: number[], scale: number): void {
  const grad = ratios.map((e) => 0.5 * (e - 1));
  addInto(h, dlv, grad, scale);
}

/**
 * Eq. 9 per row. D1 = (I − CᵀC)⁻¹, M = D2·C = C·D1 (push-through), so both
 * cross terms equal μ2ᵀMμ1; a = Σ_C⁻¹μ = (D1μ1 − Mᵀμ2, D2μ2 − Mμ1).
 */
export const jointKl: Twin<'jointKl'> = (h, ...args) => {
  const [rows, n1, n2, mu1, lv1, mu2, lv2, C, kl, dmu1, dlv1, dmu2, dlv2, dC, scale] = args;
  const c = matrix(h, C, n2, n1),
    ct = transpose(c);
  const b1 = identity(n1).map((row, i) => row.map((v, j) => v - dot(ct[i], ct[j]))); // I − CᵀC
  const l = cholesky(b1);
  if (!l) {
    h.fill(NaN, kl, kl + rows);
    return;
  } // σ1(C) ≥ 1: no covariance, the trainer checks for NaN
  const b2 = identity(n2).map((row, i) => row.map((v, j) => v - dot(c[i], c[j]))); // I − CCᵀ
  const d1 = solve(b1, identity(n1)),
    d2 = solve(b2, identity(n2));
  const m = matmul(c, d1),
    mt = transpose(m);
  const logDetD1 = -2 * l.reduce((s, row, k) => s + Math.log(row[k]), 0);
  const gradC = zeros(n2, n1),
    e1 = new Array<number>(n1).fill(0),
    e2 = new Array<number>(n2).fill(0);
  for (let r = 0; r < rows; r++) {
    const [m1, v1, m2, v2] = [rowOf(h, mu1, r, n1), rowOf(h, lv1, r, n1), rowOf(h, mu2, r, n2), rowOf(h, lv2, r, n2)];
    const a1 = matvec(d1, m1).map((v, i) => v - dot(mt[i], m2));
    const a2 = matvec(d2, m2).map((v, j) => v - dot(m[j], m1));
    const diag1 = v1.map((lv, i) => d1[i][i] * Math.exp(lv)),
      diag2 = v2.map((lv, j) => d2[j][j] * Math.exp(lv));
    const traceTerms = (diag: number[], lv: number[]) => diag.reduce((s, de, i) => s + de - lv[i] - 1, 0);
    h[kl + r] = 0.5 * (dot(m1, a1) + dot(m2, a2) + traceTerms(diag1, v1) + traceTerms(diag2, v2) - logDetD1);
    if (!dmu1) continue;
    addInto(h, dmu1 + r * n1, a1, scale);
    addInto(h, dmu2 + r * n2, a2, scale);
    addLogvarGrad(h, dlv1 + r * n1, diag1, scale);
    addLogvarGrad(h, dlv2 + r * n2, diag2, scale);
    for (let i = 0; i < n1; i++) e1[i] += Math.exp(v1[i]);
    for (let j = 0; j < n2; j++) e2[j] += Math.exp(v2[j]);
    for (let j = 0; j < n2; j++) for (let i = 0; i < n1; i++) gradC[j][i] -= a2[j] * a1[i];
  }
  if (!dmu1 || !dC) return;
  // d/dC Σ_r KL = −[Σ_C⁻¹SΣ_C⁻¹]₂₁ + R[Σ_C⁻¹]₂₁, S = Σ_r(μμᵀ + diag(e^{lv})):
  // −Σ_r a2·a1ᵀ + M·diag(E1)·D1 + D2·diag(E2)·M − R·M.
  const me1d1 = matmul(timesDiag(m, e1), d1),
    d2e2m = matmul(timesDiag(d2, e2), m);
  const total = gradC.map((row, i) => row.map((g, j) => g + me1d1[i][j] + d2e2m[i][j] - rows * m[i][j]));
  addInto(h, dC, total, scale);
};

/**
 * Eq. 9 for C = αO (App. A.2): D1 = I/(1−α²), D2 = I + k·O·Oᵀ with
 * k = α²/(1−α²), M = αO/(1−α²), ln|D1| = −n1·ln(1−α²).
 */
export const orthoKl: Twin<'orthoKl'> = (h, ...args) => {
  const [rows, n1, n2, alpha, mu1, lv1, mu2, lv2, O, kl, dmu1, dlv1, dmu2, dlv2, dO, scale] = args;
  const c1 = 1 / (1 - alpha * alpha),
    k = alpha * alpha * c1,
    b = alpha * c1;
  const o = matrix(h, O, n2, n1),
    ot = transpose(o);
  const w = o.map((row) => dot(row, row)); // diag(O·Oᵀ)
  for (let r = 0; r < rows; r++) {
    const [m1, v1, m2, v2] = [rowOf(h, mu1, r, n1), rowOf(h, lv1, r, n1), rowOf(h, mu2, r, n2), rowOf(h, lv2, r, n2)];
    const t = matvec(ot, m2); // Oᵀμ2
    const var1 = v1.map((lv) => c1 * Math.exp(lv)),
      var2 = v2.map((lv, j) => Math.exp(lv) * (1 + k * w[j]));
    const sum = (x: number[]) => x.reduce((s, v) => s + v, 0);
    h[kl + r] =
      0.5 * (c1 * dot(m1, m1) + sum(var1) - sum(v1) - n1) +
      0.5 * (dot(m2, m2) + k * dot(t, t) + sum(var2) - sum(v2) - n2) +
      0.5 * n1 * Math.log(1 - alpha * alpha) -
      b * dot(t, m1);
    if (!dmu1) continue;
    const u = t.map((tc, c) => k * tc - b * m1[c]); // dμ2 = μ2 + O·u, dO = μ2·uᵀ + k·diag(e^{lv2})·O
    const g1 = m1.map((x, c) => c1 * x - b * t[c]),
      g2 = matvec(o, u).map((x, j) => x + m2[j]);
    addInto(h, dmu1 + r * n1, g1, scale);
    addInto(h, dmu2 + r * n2, g2, scale);
    addLogvarGrad(h, dlv1 + r * n1, var1, scale);
    addLogvarGrad(h, dlv2 + r * n2, var2, scale);
    const gO = dO ? o.map((row, j) => row.map((x, c) => m2[j] * u[c] + k * Math.exp(v2[j]) * x)) : [];
    addInto(h, dO, gO, scale);
  }
};

/** I − sign·A with A = triu(P,1) − triu(P,1)ᵀ. */
const cayleyMatrix = (p: Matrix, sign: number): Matrix =>
  p.map((row, i) => row.map((_, j) => (i === j ? 1 : -sign * (i < j ? p[i][j] : -p[j][i]))));
const flipSign = (m: number, flips: number, i: number): number => (i < m - flips ? 1 : -1);
/** X = Q[:, :n], the first n columns of Q = (I − A)⁻¹. */
function leadingColumns(p: Matrix, n: number): Matrix {
  const columns = identity(p.length).map((row) => row.slice(0, n)); // I[:, :n]
  return solve(cayleyMatrix(p, 1), columns);
}

/** O = J(I + A)(I − A)⁻¹ = J(2Q − I), Q = (I − A)⁻¹; first n columns. */
export const cayley: Twin<'cayley'> = (h, m, n, flips, P, O, _work) => {
  const x = leadingColumns(matrix(h, P, m, m), n);
  for (let i = 0; i < m; i++)
    for (let c = 0; c < n; c++) h[O + i * n + c] = flipSign(m, flips, i) * (2 * x[i][c] - (i === c ? 1 : 0));
};

/** ∂/∂A = 2Qᵀ·J·[dO, 0]·Qᵀ = 2·Y·Xᵀ with X = Q[:, :n], Y = (I + A)⁻¹·J·dO (Qᵀ = (I + A)⁻¹). */
export const cayleyBackward: Twin<'cayleyBackward'> = (h, m, n, flips, P, dO, dP, _work) => {
  const p = matrix(h, P, m, m),
    jdO = matrix(h, dO, m, n).map((row, i) => row.map((v) => flipSign(m, flips, i) * v));
  const gA = matmul(solve(cayleyMatrix(p, -1), jdO), transpose(leadingColumns(p, n)));
  for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) h[dP + i * m + j] += 2 * (gA[i][j] - gA[j][i]);
};

/** σ(s) = SVD_SIGMA_MAX·(1 − e^{−s})/(1 + e^{−s}) and its derivative, via e^{−|s|} (never overflows). */
function boundedSigma(s: number): { sigma: number; grad: number } {
  const e = Math.exp(-Math.abs(s));
  return {
    sigma: (Math.sign(s) * SVD_SIGMA_MAX * (1 - e)) / (1 + e),
    grad: (SVD_SIGMA_MAX * 2 * e) / ((1 + e) * (1 + e)),
  };
}

/** C = U·diag(σ(s))·Vᵀ (§2.6 option (b)). */
export const svdCompose: Twin<'svdCompose'> = (h, n1, n2, U, s, V, C) => {
  const sigma = Array.from(h.subarray(s, s + n1), (x) => boundedSigma(x).sigma);
  matmul(timesDiag(matrix(h, U, n2, n1), sigma), transpose(matrix(h, V, n1, n1))).forEach((row, i) =>
    h.set(row, C + i * n1),
  );
};

/** dU += dC·V·diag(σ), dV += dCᵀ·U·diag(σ), ds += σ'(s)·diag(Uᵀ·dC·V). */
export const svdComposeBackward: Twin<'svdComposeBackward'> = (h, n1, n2, U, s, V, dC, dU, ds, dV) => {
  const sig = Array.from(h.subarray(s, s + n1), boundedSigma),
    sigma = sig.map((x) => x.sigma);
  const u = matrix(h, U, n2, n1),
    v = matrix(h, V, n1, n1),
    g = matrix(h, dC, n2, n1);
  const gv = matmul(g, v),
    gtu = matmul(transpose(g), u);
  addInto(h, dU, timesDiag(gv, sigma));
  addInto(h, dV, timesDiag(gtu, sigma));
  const dsigma = sig.map(({ grad }, k) => grad * u.reduce((acc, row, i) => acc + row[k] * gv[i][k], 0));
  addInto(h, ds, dsigma);
};
