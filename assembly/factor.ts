// The shared-factor prior over M latent blocks (the M-view joint prior):
// Σ = (1 − α)·I + α·A·Aᵀ with A (D×K) stacking blocks A_i whose rows are
// orthonormal, so Σ_ii = I and Σ_ij = α·A_i·A_jᵀ. Its KL (Eq. 7) for a
// diagonal posterior, with gradients. Semantics: src/core/kernels.ts.
// Latent-sized (D ≈ 60, K ≈ 20), once per step: scalar f64 loops.

import { at } from './util';
import { get64, set64, cholesky, choleskySolve, subOuter } from './linalg';

// @ts-ignore: decorator
@inline function ld(p: i32): f64 { return <f64>load<f32>(at(p)); }
// @ts-ignore: decorator
@inline function st(p: i32, v: f64): void { store<f32>(at(p), <f32>v); }
// @ts-ignore: decorator
@inline function add(p: i32, v: f64): void { store<f32>(at(p), <f32>(<f64>load<f32>(at(p)) + v)); }
// @ts-ignore: decorator
@inline function f64s(n: i32): usize { return <usize>n << 3; }

/**
 * With β = 1 − α and W = β·I_K + α·AᵀA (Woodbury):
 * Σ⁻¹ = (I − α·A·W⁻¹·Aᵀ)/β, ln|Σ| = (D − K)·ln β + ln|W|, and Y = A·W⁻¹ = Σ⁻¹A.
 * Per row, s = Yᵀμ and a = Σ⁻¹μ = (μ − α·A·s)/β:
 * KL = ½[ln|Σ| − Σlv − D + μ·a + Σ_k g_k·e^{lv_k}], g = diag(Σ⁻¹) = (1 − α·a_k·y_k)/β.
 * dA of Σ_r KL = 2α·(∂/∂Σ)·A = α[R·Y − Σ_r a·sᵀ − Σ⁻¹·diag(E)·Y], E = Σ_r e^{lv};
 * Σ⁻¹X = (X − α·Y·(AᵀX))/β.
 * Work (f64): L K² | Y D·K | g D | s K | a D | E D | GA D·K | T K².
 */
export function factorKl(rows: i32, D: i32, K: i32, alpha: f64, mu: i32, lv: i32, A: i32, kl: i32,
  dmu: i32, dlv: i32, dA: i32, scale: f64, work: i32): void {
  const L = at(work), Y = L + f64s(K * K), g = Y + f64s(D * K), s = g + f64s(D), a = s + f64s(K);
  const E = a + f64s(D), GA = E + f64s(D), T = GA + f64s(D * K);
  const beta = 1 - alpha;
  for (let i = 0; i < K; i++) {
    for (let j = 0; j < K; j++) {
      let v: f64 = 0;
      for (let r = 0; r < D; r++) v += ld(A + r * K + i) * ld(A + r * K + j);
      set64(L, i * K + j, (i == j ? beta : 0) + alpha * v);
    }
  }
  // α ≥ 1 (or NaN): no covariance. NaN, which the trainer checks for, instead of garbage.
  if (!(beta > 0) || !cholesky(K, L)) {
    for (let r = 0; r < rows; r++) st(kl + r, NaN);
    return;
  }
  let logDet = <f64>(D - K) * Math.log(beta);
  for (let k = 0; k < K; k++) logDet += 2 * Math.log(get64(L, k * K + k));
  for (let r = 0; r < D; r++) {
    const y = Y + f64s(r * K);
    let v: f64 = 0;
    for (let k = 0; k < K; k++) set64(y, k, ld(A + r * K + k));
    choleskySolve(K, L, y); // W symmetric: row r of A·W⁻¹ is W⁻¹·a_r
    for (let k = 0; k < K; k++) v += ld(A + r * K + k) * get64(y, k);
    set64(g, r, (1 - alpha * v) / beta);
  }

  const grad = dmu != 0;
  memory.fill(E, 0, f64s(D));
  memory.fill(GA, 0, f64s(D * K));
  for (let r = 0; r < rows; r++) {
    const m = mu + r * D, v = lv + r * D;
    for (let k = 0; k < K; k++) {
      let x: f64 = 0;
      for (let i = 0; i < D; i++) x += get64(Y, i * K + k) * ld(m + i);
      set64(s, k, x);
    }
    let acc = logDet - <f64>D;
    for (let i = 0; i < D; i++) {
      let x: f64 = 0;
      for (let k = 0; k < K; k++) x += ld(A + i * K + k) * get64(s, k);
      const ai = (ld(m + i) - alpha * x) / beta, l = ld(v + i), e = Math.exp(l), ge = get64(g, i) * e;
      set64(a, i, ai);
      acc += ld(m + i) * ai + ge - l;
      if (grad) {
        add(dmu + r * D + i, scale * ai);
        add(dlv + r * D + i, scale * 0.5 * (ge - 1));
        set64(E, i, get64(E, i) + e);
      }
    }
    st(kl + r, 0.5 * acc);
    if (grad && dA) subOuter(D, K, GA, a, s);
  }

  if (!grad || !dA) return;
  for (let i = 0; i < K; i++) {
    for (let j = 0; j < K; j++) {
      let v: f64 = 0; // (Aᵀ·diag(E)·Y)_ij
      for (let r = 0; r < D; r++) v += ld(A + r * K + i) * get64(E, r) * get64(Y, r * K + j);
      set64(T, i * K + j, v);
    }
  }
  for (let r = 0; r < D; r++) {
    for (let j = 0; j < K; j++) {
      let yt: f64 = 0; // (Y·T)_rj
      for (let k = 0; k < K; k++) yt += get64(Y, r * K + k) * get64(T, k * K + j);
      const y = get64(Y, r * K + j), sx = (get64(E, r) * y - alpha * yt) / beta;
      add(dA + r * K + j, scale * alpha * (<f64>rows * y + get64(GA, r * K + j) - sx));
    }
  }
}
