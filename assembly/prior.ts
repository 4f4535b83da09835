// The joint-prior kernels (paper §2.5–2.6): the KL of Eq. 9 with its
// gradients, its orthogonal fast path (App. A.2), the Cayley map and the
// singular-value-bound composition of C. Semantics: src/core/kernels.ts.
// These run once per step on latent-sized matrices (n ≈ 20), so they are
// plain scalar loops in f64; inverses and log-determinants use linalg.ts in
// the caller's `work` block.

import { at } from './util';
import { get64, set64, cholesky, choleskySolve, luFactor, luSolve, subOuter } from './linalg';

// @ts-ignore: decorator
@inline function ld(p: i32): f64 { return <f64>load<f32>(at(p)); }
// @ts-ignore: decorator
@inline function st(p: i32, v: f64): void { store<f32>(at(p), <f32>v); }
// @ts-ignore: decorator
@inline function add(p: i32, v: f64): void { store<f32>(at(p), <f32>(<f64>load<f32>(at(p)) + v)); }
/** Byte size of n f64 values. */
// @ts-ignore: decorator
@inline function f64s(n: i32): usize { return <usize>n << 3; }

/**
 * One view's part of a row of Eq. 9: a = D·μ − M̃·μ_other (M̃ = Mᵀ for view 1,
 * M for view 2, read through the strides) into `a`; returns
 * μ·a + Σ(D_kk·e^{lv_k} − lv_k − 1); with dmu ≠ 0 adds scale·a to dmu,
 * scale·½(D_kk·e^{lv} − 1) to dlv and e^{lv} to E.
 */
function viewTerms(n: i32, nOther: i32, mu: i32, lv: i32, muOther: i32, D: usize, M: usize, mSelf: i32, mOther: i32,
  a: usize, E: usize, dmu: i32, dlv: i32, scale: f64): f64 {
  let acc: f64 = 0;
  for (let i = 0; i < n; i++) {
    let s: f64 = 0;
    for (let k = 0; k < n; k++) s += get64(D, i * n + k) * ld(mu + k);
    for (let j = 0; j < nOther; j++) s -= get64(M, i * mSelf + j * mOther) * ld(muOther + j);
    set64(a, i, s);
    const v = ld(lv + i), e = Math.exp(v), de = get64(D, i * n + i) * e;
    acc += ld(mu + i) * s + de - v - 1;
    if (dmu) {
      add(dmu + i, scale * s);
      add(dlv + i, scale * 0.5 * (de - 1));
      set64(E, i, get64(E, i) + e);
    }
  }
  return acc;
}

/**
 * Eq. 9 per row. With D1 = (I − CᵀC)⁻¹, M = C·D1 = D2·C (push-through) and
 * D2 = I + M·Cᵀ (Woodbury), both cross terms of Eq. 9 equal μ2ᵀMμ1, and
 * a = Σ_C⁻¹μ splits into a1 = D1μ1 − Mᵀμ2, a2 = D2μ2 − Mμ1:
 * KL = ½[μ1·a1 + μ2·a2 + Σ(diag(D1)e^{lv1} − lv1 − 1) + Σ(diag(D2)e^{lv2} − lv2 − 1) − ln|D1|].
 * dC of Σ_r KL is −[Σ_C⁻¹SΣ_C⁻¹]₂₁ + R[Σ_C⁻¹]₂₁ with S = Σ_r(μμᵀ + Σ):
 * −Σ_r a2·a1ᵀ + M·diag(E1)·D1 + D2·diag(E2)·M − R·M, E_i = Σ_r e^{lv_i}.
 * Work (f64): L n1² | D1 n1² | M n2·n1 | D2 n2² | G n2·n1 | a1 n1 | a2 n2 | E1 n1 | E2 n2.
 */
export function jointKl(rows: i32, n1: i32, n2: i32, mu1: i32, lv1: i32, mu2: i32, lv2: i32, C: i32,
  kl: i32, dmu1: i32, dlv1: i32, dmu2: i32, dlv2: i32, dC: i32, scale: f64, work: i32): void {
  const L = at(work), D1 = L + f64s(n1 * n1), M = D1 + f64s(n1 * n1), D2 = M + f64s(n2 * n1);
  const G = D2 + f64s(n2 * n2), a1 = G + f64s(n2 * n1), a2 = a1 + f64s(n1), E1 = a2 + f64s(n2), E2 = E1 + f64s(n1);

  for (let i = 0; i < n1; i++) {
    for (let j = 0; j < n1; j++) {
      let s: f64 = i == j ? 1 : 0;
      for (let r = 0; r < n2; r++) s -= ld(C + r * n1 + i) * ld(C + r * n1 + j);
      set64(L, i * n1 + j, s);
    }
  }
  // σ1(C) ≥ 1: Σ_C is no covariance. NaN, which the trainer checks for, instead of garbage.
  if (!cholesky(n1, L)) {
    for (let r = 0; r < rows; r++) st(kl + r, NaN);
    return;
  }
  let logDetD1: f64 = 0;
  for (let k = 0; k < n1; k++) logDetD1 -= 2 * Math.log(get64(L, k * n1 + k));
  for (let i = 0; i < n1; i++) {
    const row = D1 + f64s(i * n1);
    for (let j = 0; j < n1; j++) set64(row, j, i == j ? 1 : 0);
    choleskySolve(n1, L, row); // D1 is symmetric: row i = D1·e_i
  }
  for (let i = 0; i < n2; i++) {
    for (let j = 0; j < n1; j++) {
      let s: f64 = 0;
      for (let k = 0; k < n1; k++) s += ld(C + i * n1 + k) * get64(D1, k * n1 + j);
      set64(M, i * n1 + j, s);
    }
  }
  for (let i = 0; i < n2; i++) {
    for (let j = 0; j < n2; j++) {
      let s: f64 = i == j ? 1 : 0;
      for (let k = 0; k < n1; k++) s += get64(M, i * n1 + k) * ld(C + j * n1 + k);
      set64(D2, i * n2 + j, s);
    }
  }

  const grad = dmu1 != 0;
  memory.fill(G, 0, f64s(n2 * n1));
  memory.fill(E1, 0, f64s(n1));
  memory.fill(E2, 0, f64s(n2));
  for (let r = 0; r < rows; r++) {
    const m1 = mu1 + r * n1, v1 = lv1 + r * n1, m2 = mu2 + r * n2, v2 = lv2 + r * n2;
    let acc = -logDetD1;
    acc += viewTerms(n1, n2, m1, v1, m2, D1, M, 1, n1, a1, E1, grad ? dmu1 + r * n1 : 0, dlv1 + r * n1, scale);
    acc += viewTerms(n2, n1, m2, v2, m1, D2, M, n1, 1, a2, E2, grad ? dmu2 + r * n2 : 0, dlv2 + r * n2, scale);
    st(kl + r, 0.5 * acc);
    if (grad && dC) subOuter(n2, n1, G, a2, a1);
  }

  if (!grad || !dC) return;
  for (let i = 0; i < n2; i++) {
    for (let j = 0; j < n1; j++) {
      let s = get64(G, i * n1 + j) - <f64>rows * get64(M, i * n1 + j);
      for (let k = 0; k < n1; k++) s += get64(M, i * n1 + k) * get64(E1, k) * get64(D1, k * n1 + j);
      for (let k = 0; k < n2; k++) s += get64(D2, i * n2 + k) * get64(E2, k) * get64(M, k * n1 + j);
      add(dC + i * n1 + j, scale * s);
    }
  }
}

/**
 * Eq. 9 for C = αO, OᵀO = I (App. A.2): D1 = c1·I with c1 = 1/(1−α²),
 * D2 = I + k·O·Oᵀ with k = α²c1, M = b·O with b = αc1, ln|D1| = −n1·ln(1−α²):
 * KL = ½[c1(|μ1|² + Σe^{lv1}) − Σlv1 − n1] + ½[|μ2|² + k|Oᵀμ2|² + Σ_j e^{lv2_j}(1 + k|O_j|²) − Σlv2 − n2]
 *      + ½n1·ln(1−α²) − b·μ2ᵀOμ1.
 * No scratch: the O-coupled terms go one column c of O at a time, with
 * t = (Oᵀμ2)_c and u = k·t − b·μ1_c giving dμ2 += O_c·u and dO_c += μ2·u.
 */
export function orthoKl(rows: i32, n1: i32, n2: i32, alpha: f64, mu1: i32, lv1: i32, mu2: i32, lv2: i32,
  O: i32, kl: i32, dmu1: i32, dlv1: i32, dmu2: i32, dlv2: i32, dO: i32, scale: f64): void {
  const c1 = 1 / (1 - alpha * alpha), k = alpha * alpha * c1, b = alpha * c1;
  const grad = dmu1 != 0;
  for (let r = 0; r < rows; r++) {
    const m1 = mu1 + r * n1, v1 = lv1 + r * n1, m2 = mu2 + r * n2, v2 = lv2 + r * n2;
    let acc = <f64>n1 * Math.log(1 - alpha * alpha);
    for (let j = 0; j < n2; j++) {
      let w: f64 = 0; // (O·Oᵀ)_jj
      for (let c = 0; c < n1; c++) w += ld(O + j * n1 + c) * ld(O + j * n1 + c);
      const m = ld(m2 + j), lv = ld(v2 + j), e = Math.exp(lv);
      acc += m * m + e * (1 + k * w) - lv - 1;
      if (grad) {
        add(dmu2 + r * n2 + j, scale * m);
        add(dlv2 + r * n2 + j, scale * 0.5 * (e * (1 + k * w) - 1));
        if (dO) for (let c = 0; c < n1; c++) add(dO + j * n1 + c, scale * k * e * ld(O + j * n1 + c));
      }
    }
    for (let c = 0; c < n1; c++) {
      let t: f64 = 0;
      for (let j = 0; j < n2; j++) t += ld(O + j * n1 + c) * ld(m2 + j);
      const m = ld(m1 + c), lv = ld(v1 + c), e = Math.exp(lv);
      acc += c1 * (m * m + e) - lv - 1 + k * t * t - 2 * b * t * m;
      if (grad) {
        add(dmu1 + r * n1 + c, scale * (c1 * m - b * t));
        add(dlv1 + r * n1 + c, scale * 0.5 * (c1 * e - 1));
        const u = k * t - b * m;
        for (let j = 0; j < n2; j++) {
          add(dmu2 + r * n2 + j, scale * u * ld(O + j * n1 + c));
          if (dO) add(dO + j * n1 + c, scale * u * ld(m2 + j));
        }
      }
    }
    st(kl + r, 0.5 * acc);
  }
}

/** X (m×n) ← the first n columns of (I − sign·A)⁻¹, A = triu(P,1) − triu(P,1)ᵀ. Uses lu (m²) and piv (m). */
function cayleySolve(m: i32, n: i32, P: i32, sign: f64, lu: usize, piv: usize, X: usize): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      const a = i < j ? ld(P + i * m + j) : i > j ? -ld(P + j * m + i) : 0;
      set64(lu, i * m + j, (i == j ? 1 : 0) - sign * a);
    }
  }
  luFactor(m, lu, piv);
  luSolve(m, lu, piv, X, n);
}

/** J's diagonal: the last `flips` rows are negated. */
// @ts-ignore: decorator
@inline function flipSign(m: i32, flips: i32, i: i32): f64 { return i < m - flips ? 1 : -1; }

/** O = J(I + A)(I − A)⁻¹ = J(2Q − I) with Q = (I − A)⁻¹. Work (f64): lu m² | piv m | X m·n. */
export function cayley(m: i32, n: i32, flips: i32, P: i32, O: i32, work: i32): void {
  const lu = at(work), piv = lu + f64s(m * m), X = piv + f64s(m);
  for (let i = 0; i < m; i++) for (let c = 0; c < n; c++) set64(X, i * n + c, i == c ? 1 : 0);
  cayleySolve(m, n, P, 1, lu, piv, X);
  for (let i = 0; i < m; i++) {
    for (let c = 0; c < n; c++) st(O + i * n + c, flipSign(m, flips, i) * (2 * get64(X, i * n + c) - (i == c ? 1 : 0)));
  }
}

/**
 * dO = 2J·dQ = 2J·Q·dA·Q, so ∂/∂A = 2Qᵀ·J·Ḡ·Qᵀ with Ḡ = [dO, 0] (m×m).
 * Qᵀ = (I + A)⁻¹ (A is skew), so ∂/∂A = 2·Y·Xᵀ with X = Q[:, :n] and
 * Y = (I + A)⁻¹·J·dO; A_ij = P_ij and A_ji = −P_ij for i < j.
 * Work (f64): lu m² | piv m | X m·n | Y m·n.
 */
export function cayleyBackward(m: i32, n: i32, flips: i32, P: i32, dO: i32, dP: i32, work: i32): void {
  const lu = at(work), piv = lu + f64s(m * m), X = piv + f64s(m), Y = X + f64s(m * n);
  for (let i = 0; i < m; i++) {
    for (let c = 0; c < n; c++) {
      set64(X, i * n + c, i == c ? 1 : 0);
      set64(Y, i * n + c, flipSign(m, flips, i) * ld(dO + i * n + c));
    }
  }
  cayleySolve(m, n, P, 1, lu, piv, X);
  cayleySolve(m, n, P, -1, lu, piv, Y);
  for (let i = 0; i < m; i++) {
    for (let j = i + 1; j < m; j++) {
      let s: f64 = 0;
      for (let c = 0; c < n; c++) {
        s += get64(Y, i * n + c) * get64(X, j * n + c) - get64(Y, j * n + c) * get64(X, i * n + c);
      }
      add(dP + i * m + j, 2 * s);
    }
  }
}

/** SVD_SIGMA_MAX of src/core/kernels.ts: keeps σ1(C) < 1 even where f32 tanh saturates. */
const SIGMA_MAX: f64 = 1 - 1.0 / 1024;

/** σ(s) = SIGMA_MAX·(1 − e^{−s})/(1 + e^{−s}), written with e^{−|s|} so that it never overflows. */
function boundedSigma(s: f64): f64 {
  const e = Math.exp(-Math.abs(s));
  const v = SIGMA_MAX * (1 - e) / (1 + e);
  return s < 0 ? -v : v;
}
/** σ'(s) = SIGMA_MAX·2e^{−|s|}/(1 + e^{−|s|})². */
function boundedSigmaGrad(s: f64): f64 {
  const e = Math.exp(-Math.abs(s));
  return SIGMA_MAX * 2 * e / ((1 + e) * (1 + e));
}

/** C = U·diag(σ(s))·Vᵀ (§2.6 option (b)); one σ_k per column pair, accumulated in place. */
export function svdCompose(n1: i32, n2: i32, U: i32, s: i32, V: i32, C: i32): void {
  for (let i = 0; i < n2 * n1; i++) st(C + i, 0);
  for (let k = 0; k < n1; k++) {
    const sig = boundedSigma(ld(s + k));
    for (let i = 0; i < n2; i++) {
      const u = sig * ld(U + i * n1 + k);
      for (let j = 0; j < n1; j++) add(C + i * n1 + j, u * ld(V + j * n1 + k));
    }
  }
}

/** dU += dC·V·diag(σ), dV += dCᵀ·U·diag(σ), ds += σ'(s)·diag(Uᵀ·dC·V). */
export function svdComposeBackward(n1: i32, n2: i32, U: i32, s: i32, V: i32, dC: i32, dU: i32, ds: i32, dV: i32): void {
  for (let k = 0; k < n1; k++) {
    const sig = boundedSigma(ld(s + k));
    let dsk: f64 = 0;
    for (let i = 0; i < n2; i++) {
      let w: f64 = 0; // (dC·V)_ik
      for (let j = 0; j < n1; j++) w += ld(dC + i * n1 + j) * ld(V + j * n1 + k);
      add(dU + i * n1 + k, sig * w);
      dsk += ld(U + i * n1 + k) * w;
    }
    add(ds + k, boundedSigmaGrad(ld(s + k)) * dsk);
    for (let j = 0; j < n1; j++) {
      let w: f64 = 0; // (dCᵀ·U)_jk
      for (let i = 0; i < n2; i++) w += ld(dC + i * n1 + j) * ld(U + i * n1 + k);
      add(dV + j * n1 + k, sig * w);
    }
  }
}
