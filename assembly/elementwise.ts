// Elementwise kernels: likelihoods with their gradients, the
// reparameterisation trick, Adam. Semantics: src/core/kernels.ts.
// exp and log1p are vmath.ts's f32x4 ones; a kernel's scalar tail (sizes
// that are not multiples of 4) uses their lane-0 forms, so every element
// gets the bits a vector lane would. Per-row loss sums accumulate in f64,
// element by element in order.

import { at, madd } from './util';
import { expf1, expf4, log1pf1, log1pf4 } from './vmath';

const HALF_LN_2PI: f32 = 0.9189385332046727;

// @ts-ignore: decorator
@inline function sum4(x: v128): f32 {
  return f32x4.extract_lane(x, 0) + f32x4.extract_lane(x, 1) + f32x4.extract_lane(x, 2) + f32x4.extract_lane(x, 3);
}

/** σ(x) from e = exp(−|x|) ∈ (0, 1]: never overflows, exact limits at ±∞. */
// @ts-ignore: decorator
@inline function sigmoidFromExpNegAbs(x: f32, e: f32): f32 {
  return (x >= 0 ? <f32>1 : e) / (1 + e);
}

/** y = σ(x) over n elements: a Bernoulli view's mean from its logits (the runtime's Sigmoid). */
export function sigmoid(n: i32, x: i32, y: i32): void {
  const n4 = n & ~3, one = f32x4.splat(1), zero = f32x4.splat(0);
  for (let i = 0; i < n4; i += 4) {
    const v = v128.load(at(x + i)), e = expf4(f32x4.neg(f32x4.abs(v)));
    v128.store(at(y + i), f32x4.div(v128.bitselect(one, e, f32x4.ge(v, zero)), f32x4.add(one, e)));
  }
  for (let i = n4; i < n; i++) {
    const v = load<f32>(at(x + i));
    store<f32>(at(y + i), sigmoidFromExpNegAbs(v, expf1(-Mathf.abs(v))));
  }
}

export function bceWithLogits(rows: i32, N: i32, logits: i32, target: i32, loss: i32, dLogits: i32, scale: f32): void {
  const N4 = N & ~3, one = f32x4.splat(1), zero = f32x4.splat(0), vscale = f32x4.splat(scale);
  for (let r = 0; r < rows; r++) {
    const row = r * N;
    let acc: f64 = 0;
    let j = 0;
    for (; j < N4; j += 4) {
      const x = v128.load(at(logits + row + j));
      const t = v128.load(at(target + row + j));
      const e = expf4(f32x4.neg(f32x4.abs(x)));
      // log(1 + e^x) − x·t, rewritten so that neither e^x overflows nor log(1 + tiny) loses digits.
      const l = f32x4.add(f32x4.sub(f32x4.pmax(x, zero), f32x4.mul(x, t)), log1pf4(e));
      acc += <f64>f32x4.extract_lane(l, 0);
      acc += <f64>f32x4.extract_lane(l, 1);
      acc += <f64>f32x4.extract_lane(l, 2);
      acc += <f64>f32x4.extract_lane(l, 3);
      if (dLogits) {
        const sigmoid = f32x4.div(v128.bitselect(one, e, f32x4.ge(x, zero)), f32x4.add(one, e));
        v128.store(at(dLogits + row + j), f32x4.mul(vscale, f32x4.sub(sigmoid, t)));
      }
    }
    for (; j < N; j++) {
      const x = load<f32>(at(logits + row + j));
      const t = load<f32>(at(target + row + j));
      const e = expf1(-Mathf.abs(x));
      acc += <f64>((x < 0 ? <f32>0 : x) - x * t + log1pf1(e));
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
    const invVar = expf4(f32x4.neg(v128.load(at(logvar + j))));
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
    const invVar = expf1(-load<f32>(at(logvar + j)));
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
  const vhalf = f32x4.splat(0.5);
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const sd = expf4(f32x4.mul(vhalf, v128.load(at(logvar + i))));
    v128.store(at(z + i), f32x4.add(v128.load(at(mu + i)), f32x4.mul(sd, v128.load(at(eps + i)))));
  }
  for (let i = n4; i < n; i++) {
    const sd = expf1(0.5 * load<f32>(at(logvar + i)));
    store<f32>(at(z + i), load<f32>(at(mu + i)) + sd * load<f32>(at(eps + i)));
  }
}

export function reparamBackward(n: i32, logvar: i32, eps: i32, dz: i32, dmu: i32, dlogvar: i32): void {
  const vhalf = f32x4.splat(0.5);
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const g = v128.load(at(dz + i));
    v128.store(at(dmu + i), f32x4.add(v128.load(at(dmu + i)), g));
    const halfSd = f32x4.mul(vhalf, expf4(f32x4.mul(vhalf, v128.load(at(logvar + i)))));
    v128.store(at(dlogvar + i), madd(f32x4.mul(g, v128.load(at(eps + i))), halfSd, v128.load(at(dlogvar + i))));
  }
  for (let i = n4; i < n; i++) {
    const g = load<f32>(at(dz + i));
    store<f32>(at(dmu + i), load<f32>(at(dmu + i)) + g);
    const halfSd: f32 = 0.5 * expf1(0.5 * load<f32>(at(logvar + i)));
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
  const n4 = n & ~3, n8 = n & ~7, fmax = f32x4.splat(3.4028234663852886e38);
  let finite = i32x4.splat(-1); // each lane stays all-ones while its |g| ≤ FLT_MAX (false for NaN and ±Inf)
  // One pass over p, g, m, v, two vectors at a time (their loads and stores interleaved, which
  // overlaps each one's sqrt and division with the other's memory traffic), then one vector.
  let i = 0;
  for (; i < n8; i += 8) {
    const q = at(p + i), dg = at(g + i), dm = at(m + i), dv = at(v + i);
    const g0 = v128.load(dg), g1 = v128.load(dg, 16);
    finite = v128.and(finite, v128.and(f32x4.le(f32x4.abs(g0), fmax), f32x4.le(f32x4.abs(g1), fmax)));
    const m0 = madd(b1, v128.load(dm), f32x4.mul(c1, g0));
    const m1 = madd(b1, v128.load(dm, 16), f32x4.mul(c1, g1));
    const v0 = madd(b2, v128.load(dv), f32x4.mul(c2, f32x4.mul(g0, g0)));
    const v1 = madd(b2, v128.load(dv, 16), f32x4.mul(c2, f32x4.mul(g1, g1)));
    v128.store(dm, m0);
    v128.store(dm, m1, 16);
    v128.store(dv, v0);
    v128.store(dv, v1, 16);
    const d0 = f32x4.add(f32x4.sqrt(f32x4.mul(v0, vcorr2)), veps);
    const d1 = f32x4.add(f32x4.sqrt(f32x4.mul(v1, vcorr2)), veps);
    v128.store(q, f32x4.sub(v128.load(q), f32x4.div(f32x4.mul(vstep, m0), d0)));
    v128.store(q, f32x4.sub(v128.load(q, 16), f32x4.div(f32x4.mul(vstep, m1), d1)), 16);
  }
  for (; i < n4; i += 4) {
    const gi = v128.load(at(g + i));
    finite = v128.and(finite, f32x4.le(f32x4.abs(gi), fmax));
    const mi = madd(b1, v128.load(at(m + i)), f32x4.mul(c1, gi));
    const vi = madd(b2, v128.load(at(v + i)), f32x4.mul(c2, f32x4.mul(gi, gi)));
    v128.store(at(m + i), mi);
    v128.store(at(v + i), vi);
    const denom = f32x4.add(f32x4.sqrt(f32x4.mul(vi, vcorr2)), veps);
    v128.store(at(p + i), f32x4.sub(v128.load(at(p + i)), f32x4.div(f32x4.mul(vstep, mi), denom)));
  }
  for (; i < n; i++) {
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
