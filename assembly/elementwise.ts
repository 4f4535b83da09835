// Elementwise kernels: likelihoods with their gradients, the
// reparameterisation trick, Adam. Semantics: src/core/kernels.ts.
// WebAssembly has no vector exp/log, so exp and log1p run per lane in
// scalar f32; the arithmetic around them is f32x4, with scalar tails for
// sizes that are not multiples of 4. Per-row loss sums accumulate in f64.

import { at, madd } from './util';

const HALF_LN_2PI: f32 = 0.9189385332046727;

/** Mathf.exp on each lane (there is no SIMD exp). */
function exp4(x: v128): v128 {
  let r = f32x4.splat(Mathf.exp(f32x4.extract_lane(x, 0)));
  r = f32x4.replace_lane(r, 1, Mathf.exp(f32x4.extract_lane(x, 1)));
  r = f32x4.replace_lane(r, 2, Mathf.exp(f32x4.extract_lane(x, 2)));
  return f32x4.replace_lane(r, 3, Mathf.exp(f32x4.extract_lane(x, 3)));
}

// @ts-ignore: decorator
@inline function sum4(x: v128): f32 {
  return f32x4.extract_lane(x, 0) + f32x4.extract_lane(x, 1) + f32x4.extract_lane(x, 2) + f32x4.extract_lane(x, 3);
}

/** σ(x) from e = exp(−|x|) ∈ (0, 1]: never overflows, exact limits at ±∞. */
// @ts-ignore: decorator
@inline function sigmoidFromExpNegAbs(x: f32, e: f32): f32 {
  return (x >= 0 ? <f32>1 : e) / (1 + e);
}

export function bceWithLogits(rows: i32, N: i32, logits: i32, target: i32, loss: i32, dLogits: i32, scale: f32): void {
  for (let r = 0; r < rows; r++) {
    const row = r * N;
    let acc: f64 = 0;
    for (let j = 0; j < N; j++) {
      const x = load<f32>(at(logits + row + j));
      const t = load<f32>(at(target + row + j));
      const e = Mathf.exp(-Mathf.abs(x));
      // log(1 + e^x) − x·t, rewritten so that neither e^x overflows nor log(1 + tiny) loses digits.
      acc += <f64>(Mathf.max(x, 0) - x * t + Mathf.log1p(e));
      if (dLogits) store<f32>(at(dLogits + row + j), scale * (sigmoidFromExpNegAbs(x, e) - t));
    }
    store<f32>(at(loss + r), <f32>acc);
  }
}

export function gaussianNll(rows: i32, N: i32, mean: i32, target: i32, logvar: i32, loss: i32,
  dMean: i32, dLogvar: i32, scale: f32): void {
  // Column blocks outside, rows inside: e^{−lv} is computed once per feature, not once per element.
  let constant: f64 = 0;
  for (let j = 0; j < N; j++) constant += 0.5 * <f64>load<f32>(at(logvar + j)) + <f64>HALF_LN_2PI;
  for (let r = 0; r < rows; r++) store<f32>(at(loss + r), <f32>constant);
  const vscale = f32x4.splat(scale);
  const vhalf = f32x4.splat(0.5);
  const vrows = f32x4.splat(<f32>rows);
  const N4 = N & ~3;
  for (let j = 0; j < N4; j += 4) {
    const invVar = exp4(f32x4.neg(v128.load(at(logvar + j))));
    let sqSum = f32x4.splat(0);
    for (let r = 0; r < rows; r++) {
      const i = r * N + j;
      const d = f32x4.sub(v128.load(at(mean + i)), v128.load(at(target + i)));
      const dIv = f32x4.mul(d, invVar);
      const sq = f32x4.mul(d, dIv);
      store<f32>(at(loss + r), load<f32>(at(loss + r)) + 0.5 * sum4(sq));
      if (dMean) v128.store(at(dMean + i), f32x4.mul(vscale, dIv));
      sqSum = f32x4.add(sqSum, sq);
    }
    if (dLogvar) {
      const g = f32x4.mul(f32x4.mul(vscale, vhalf), f32x4.sub(vrows, sqSum));
      v128.store(at(dLogvar + j), f32x4.add(v128.load(at(dLogvar + j)), g));
    }
  }
  for (let j = N4; j < N; j++) {
    const invVar = Mathf.exp(-load<f32>(at(logvar + j)));
    let sqSum: f32 = 0;
    for (let r = 0; r < rows; r++) {
      const i = r * N + j;
      const d = load<f32>(at(mean + i)) - load<f32>(at(target + i));
      const sq = d * d * invVar;
      store<f32>(at(loss + r), load<f32>(at(loss + r)) + 0.5 * sq);
      if (dMean) store<f32>(at(dMean + i), scale * d * invVar);
      sqSum += sq;
    }
    if (dLogvar) store<f32>(at(dLogvar + j), load<f32>(at(dLogvar + j)) + scale * 0.5 * (<f32>rows - sqSum));
  }
}

export function reparam(n: i32, mu: i32, logvar: i32, eps: i32, z: i32): void {
  for (let i = 0; i < n; i++) {
    const sd = Mathf.exp(0.5 * load<f32>(at(logvar + i)));
    store<f32>(at(z + i), load<f32>(at(mu + i)) + sd * load<f32>(at(eps + i)));
  }
}

export function reparamBackward(n: i32, logvar: i32, eps: i32, dz: i32, dmu: i32, dlogvar: i32): void {
  const vhalf = f32x4.splat(0.5);
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const g = v128.load(at(dz + i));
    v128.store(at(dmu + i), f32x4.add(v128.load(at(dmu + i)), g));
    const halfSd = f32x4.mul(vhalf, exp4(f32x4.mul(vhalf, v128.load(at(logvar + i)))));
    v128.store(at(dlogvar + i), madd(f32x4.mul(g, v128.load(at(eps + i))), halfSd, v128.load(at(dlogvar + i))));
  }
  for (let i = n4; i < n; i++) {
    const g = load<f32>(at(dz + i));
    store<f32>(at(dmu + i), load<f32>(at(dmu + i)) + g);
    const halfSd: f32 = 0.5 * Mathf.exp(0.5 * load<f32>(at(logvar + i)));
    store<f32>(at(dlogvar + i), load<f32>(at(dlogvar + i)) + g * load<f32>(at(eps + i)) * halfSd);
  }
}

export function softmaxCrossEntropy(
  rows: i32, N: i32, logits: i32, labels: i32, loss: i32, dLogits: i32, scale: f32,
): void {
  for (let r = 0; r < rows; r++) {
    const row = logits + r * N;
    // Shift by the row maximum so that exp never overflows (log-sum-exp).
    let top = load<f32>(at(row));
    for (let j = 1; j < N; j++) top = Mathf.max(top, load<f32>(at(row + j)));
    let sumExp: f64 = 0;
    for (let j = 0; j < N; j++) sumExp += <f64>Mathf.exp(load<f32>(at(row + j)) - top);
    const label = <i32>load<f32>(at(labels + r));
    store<f32>(at(loss + r), <f32>(<f64>top - <f64>load<f32>(at(row + label)) + Math.log(sumExp)));
    if (dLogits) {
      for (let j = 0; j < N; j++) {
        const p = <f32>(<f64>Mathf.exp(load<f32>(at(row + j)) - top) / sumExp);
        store<f32>(at(dLogits + r * N + j), scale * (p - (j == label ? <f32>1 : <f32>0)));
      }
    }
  }
}

export function adam(n: i32, p: i32, g: i32, m: i32, v: i32, lr: f32, beta1: f32, beta2: f32, eps: f32, t: i32): i32 {
  // Bias corrections (Kingma & Ba, Alg. 1) once per call, in f64 so β^t stays accurate.
  const step = <f32>(<f64>lr / (1 - Math.pow(<f64>beta1, <f64>t)));
  const invCorr2 = <f32>(1 / (1 - Math.pow(<f64>beta2, <f64>t)));
  const b1 = f32x4.splat(beta1), c1 = f32x4.splat(1 - beta1);
  const b2 = f32x4.splat(beta2), c2 = f32x4.splat(1 - beta2);
  const vstep = f32x4.splat(step), vcorr2 = f32x4.splat(invCorr2), veps = f32x4.splat(eps);
  const n4 = n & ~3, fmax = f32x4.splat(3.4028234663852886e38);
  let finite = i32x4.splat(-1); // each lane stays all-ones while its |g| ≤ FLT_MAX (false for NaN and ±Inf)
  for (let i = 0; i < n4; i += 4) {
    const gi = v128.load(at(g + i));
    finite = v128.and(finite, f32x4.le(f32x4.abs(gi), fmax));
    const mi = madd(b1, v128.load(at(m + i)), f32x4.mul(c1, gi));
    const vi = madd(b2, v128.load(at(v + i)), f32x4.mul(c2, f32x4.mul(gi, gi)));
    v128.store(at(m + i), mi);
    v128.store(at(v + i), vi);
    const denom = f32x4.add(f32x4.sqrt(f32x4.mul(vi, vcorr2)), veps);
    v128.store(at(p + i), f32x4.sub(v128.load(at(p + i)), f32x4.div(f32x4.mul(vstep, mi), denom)));
  }
  for (let i = n4; i < n; i++) {
    const gi = load<f32>(at(g + i));
    const mi = beta1 * load<f32>(at(m + i)) + (1 - beta1) * gi;
    const vi = beta2 * load<f32>(at(v + i)) + (1 - beta2) * gi * gi;
    store<f32>(at(m + i), mi);
    store<f32>(at(v + i), vi);
    store<f32>(at(p + i), load<f32>(at(p + i)) - step * mi / (Mathf.sqrt(vi * invCorr2) + eps));
    if (!(Mathf.abs(gi) <= <f32>3.4028234663852886e38)) finite = f32x4.splat(0);
  }
  return i32x4.all_true(finite) ? 1 : 0;
}
