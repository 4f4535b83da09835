// The js twin of assembly/counts.ts: Poisson and negative binomial
// likelihoods on log-rates, with their gradients. Semantics:
// src/core/kernels.ts (countNll). In f64 whatever the heap's precision,
// as the wasm kernel computes them.

import type { Twin } from './twin.ts';

const HALF_LN_2PI = 0.5 * Math.log(2 * Math.PI);

/** ln Γ(x), x > 0: Γ(x) = Γ(x + 1)/x up to x ≥ 8, then Stirling's series to x⁻⁹ (error below 3e-13). */
export function lgamma(x: number): number {
  let shift = 1;
  for (; x < 8; x++) shift *= x;
  const r2 = 1 / (x * x);
  const series = (1 / 12 - r2 * (1 / 360 - r2 * (1 / 1260 - r2 * (1 / 1680 - r2 / 1188)))) / x;
  return (x - 0.5) * Math.log(x) - x + HALF_LN_2PI + series - Math.log(shift);
}

/** ψ(x) = d ln Γ(x)/dx, x > 0: ψ(x) = ψ(x + 1) − 1/x up to x ≥ 8, then the asymptotic series to x⁻¹⁰. */
export function digamma(x: number): number {
  let acc = 0;
  for (; x < 8; x++) acc -= 1 / x;
  const r2 = 1 / (x * x);
  return acc + Math.log(x) - 0.5 / x - r2 * (1 / 12 - r2 * (1 / 120 - r2 * (1 / 252 - r2 * (1 / 240 - r2 / 132))));
}

/**
 * −log p(x | μ, θ) of one count and its derivatives in log μ and log θ;
 * NB(μ, θ) with mean μ and variance μ + μ²/θ, or Poisson(μ) without θ.
 */
export function countTerm(x: number, logMu: number, logTheta: number | null): [number, number, number] {
  const mu = Math.exp(logMu);
  if (logTheta === null) return [mu - (x > 0 ? x * logMu - lgamma(x + 1) : 0), mu - x, 0];
  // log(θ + μ) in log space: neither θ nor μ need be representable.
  const theta = Math.exp(logTheta),
    logSum = Math.max(logMu, logTheta) + Math.log1p(Math.exp(-Math.abs(logMu - logTheta)));
  const logThetaShare = logTheta - logSum, // log(θ/(θ + μ))
    muShare = Math.exp(logMu - logSum), // μ/(θ + μ)
    xShare = x * Math.exp(-logSum); // x/(θ + μ)
  let nll = -theta * logThetaShare,
    dPsi = 0;
  if (x > 0) {
    nll -= lgamma(x + theta) - lgamma(theta) - lgamma(x + 1) + x * (logMu - logSum);
    dPsi = digamma(x + theta) - digamma(theta);
  }
  // θ(μ − x)/(θ + μ), from the smaller of θ and μ.
  const dLogMu = logMu < logTheta ? Math.exp(logThetaShare) * (mu - x) : theta * (muShare - xShare);
  const dLogTheta = -theta * (dPsi + logThetaShare + muShare - xShare);
  return [nll, dLogMu, dLogTheta];
}

export const countNll: Twin<'countNll'> = (h, ...args) => {
  const [rows, N, logRate, logSize, target, logTheta, loss, dLogRate, dLogTheta, scale] = args;
  for (let r = 0; r < rows; r++) {
    const ls = logSize ? h[logSize + r] : 0;
    let sum = 0;
    for (let j = 0; j < N; j++) {
      const i = r * N + j;
      const [nll, dMu, dTheta] = countTerm(h[target + i], h[logRate + i] + ls, logTheta ? h[logTheta + j] : null);
      sum += nll;
      if (dLogRate) h[dLogRate + i] = scale * dMu;
      if (dLogTheta) h[dLogTheta + j] += scale * dTheta;
    }
    h[loss + r] = sum;
  }
};
