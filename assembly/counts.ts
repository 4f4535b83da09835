// Count likelihoods: Poisson and negative binomial on log-rates, with their
// gradients. Semantics: src/core/kernels.ts (countNll).
//
// Scalar f64 throughout: the NB terms are differences of lgamma and
// digamma values that cancel (lgamma(x + θ) − lgamma(θ) for θ ≫ x loses
// every digit in f32), and WebAssembly has no vector exp, log or lgamma,
// so f32x4 would only carry the few multiplications between the calls.
// A zero count skips the lgamma and digamma calls (its terms are 0), which
// is most of the work on sparse count data.

import { at } from './util';

const HALF_LN_2PI: f64 = 0.9189385332046728;

/**
 * ln Γ(x) for x > 0: shifted up to x ≥ 8 by Γ(x) = Γ(x + 1)/x, then the
 * Stirling series to the x⁻⁹ term (error below 3e-13 at x = 8). ln Γ(0) = +∞.
 */
export function lgamma(x: f64): f64 {
  let shift: f64 = 1;
  while (x < 8) {
    shift *= x;
    x += 1;
  }
  const r = 1 / x,
    r2 = r * r;
  const series = r * (1.0 / 12 - r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 * (1.0 / 1680 - r2 / 1188))));
  return (x - 0.5) * Math.log(x) - x + HALF_LN_2PI + series - Math.log(shift);
}

/**
 * ψ(x) = d ln Γ(x)/dx for x > 0: ψ(x) = ψ(x + 1) − 1/x up to x ≥ 8, then
 * the asymptotic series to x⁻¹⁰ (error below 4e-13).
 */
export function digamma(x: f64): f64 {
  let acc: f64 = 0;
  while (x < 8) {
    acc -= 1 / x;
    x += 1;
  }
  const r = 1 / x,
    r2 = r * r;
  return (
    acc + Math.log(x) - 0.5 * r - r2 * (1.0 / 12 - r2 * (1.0 / 120 - r2 * (1.0 / 252 - r2 * (1.0 / 240 - r2 / 132))))
  );
}

/** log(1 + e^{−|d|}): the softplus tail, never overflows. */
// @ts-ignore: decorator
@inline function log1pExpNegAbs(d: f64): f64 {
  return Math.log1p(Math.exp(-Math.abs(d)));
}

export function countNll(rows: i32, N: i32, logRate: i32, logSize: i32, target: i32, logTheta: i32, loss: i32,
  dLogRate: i32, dLogTheta: i32, scale: f32): void {
  const s = <f64>scale;
  for (let r = 0; r < rows; r++) {
    const ls: f64 = logSize ? <f64>load<f32>(at(logSize + r)) : 0;
    let acc: f64 = 0;
    for (let j = 0; j < N; j++) {
      const i = r * N + j;
      const l = <f64>load<f32>(at(logRate + i)) + ls; // log μ
      const x = <f64>load<f32>(at(target + i));
      if (!logTheta) {
        // Poisson: μ − x·log μ + ln Γ(x + 1).
        const mu = Math.exp(l);
        acc += x > 0 ? mu - x * l + lgamma(x + 1) : mu;
        if (dLogRate) store<f32>(at(dLogRate + i), <f32>(s * (mu - x)));
        continue;
      }
      // NB(μ, θ): L = log(θ + μ) in log space, so that neither θ nor μ need be representable.
      const a = <f64>load<f32>(at(logTheta + j)),
        theta = Math.exp(a);
      const d = l - a,
        soft = log1pExpNegAbs(d);
      const aL = d < 0 ? -soft : -d - soft; // log(θ/(θ + μ))
      const lL = d < 0 ? d - soft : -soft; // log(μ/(θ + μ))
      const sigma = Math.exp(lL); // μ/(θ + μ)
      let nll = -theta * aL;
      let poly: f64 = 0; // ψ(x + θ) − ψ(θ)
      let xOverSum: f64 = 0; // x/(θ + μ)
      if (x > 0) {
        nll -= lgamma(x + theta) - lgamma(theta) - lgamma(x + 1) + x * lL;
        poly = digamma(x + theta) - digamma(theta);
        xOverSum = x * Math.exp(-(a - aL)); // θ + μ = θ·e^{−aL}
      }
      acc += nll;
      if (dLogRate) {
        // ∂/∂log μ = θ(μ − x)/(θ + μ), from whichever of θ and μ is the smaller, so nothing overflows.
        const g = d < 0 ? Math.exp(aL) * (Math.exp(l) - x) : theta * (sigma - xOverSum);
        store<f32>(at(dLogRate + i), <f32>(s * g));
      }
      if (dLogTheta) {
        // ∂/∂log θ = −θ·(ψ(x + θ) − ψ(θ) + log(θ/(θ + μ)) + (μ − x)/(θ + μ)).
        const g = -theta * (poly + aL + sigma - xOverSum);
        store<f32>(at(dLogTheta + j), load<f32>(at(dLogTheta + j)) + <f32>(s * g));
      }
    }
    store<f32>(at(loss + r), <f32>acc);
  }
}
