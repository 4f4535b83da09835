// The js twin of assembly/elementwise.ts: likelihoods with their gradients,
// the reparameterisation trick, Adam. Semantics: src/core/kernels.ts.
// `h` is the whole heap; every pointer indexes into it.

import type { Twin } from './twin.ts';

const LN_2PI = Math.log(2 * Math.PI);

/** σ(x) without overflow: e^{−|x|} is at most 1. */
function sigmoidOf(x: number): number {
  const e = Math.exp(-Math.abs(x));
  return x >= 0 ? 1 / (1 + e) : e / (1 + e);
}

export const sigmoid: Twin<'sigmoid'> = (h, n, x, y) => {
  for (let i = 0; i < n; i++) h[y + i] = sigmoidOf(h[x + i]);
};

export const bceWithLogits: Twin<'bceWithLogits'> = (h, rows, N, logits, target, loss, dLogits, scale) => {
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let j = 0; j < N; j++) {
      const i = r * N + j;
      const x = h[logits + i],
        t = h[target + i];
      // log(1 + e^x) − x·t, rewritten so that e^x never overflows and log(1 + tiny) keeps its digits.
      sum += Math.max(x, 0) - x * t + Math.log1p(Math.exp(-Math.abs(x)));
      if (dLogits) h[dLogits + i] = scale * (sigmoidOf(x) - t);
    }
    h[loss + r] = sum;
  }
};

export const gaussianNll: Twin<'gaussianNll'> = (h, rows, N, mean, target, logvar, loss, dMean, dLogvar, scale) => {
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let j = 0; j < N; j++) {
      const i = r * N + j,
        lv = h[logvar + j];
      const d = h[mean + i] - h[target + i],
        invVar = Math.exp(-lv);
      sum += 0.5 * (d * d * invVar + lv + LN_2PI);
      if (dMean) h[dMean + i] = scale * d * invVar;
      if (dLogvar) h[dLogvar + j] += scale * 0.5 * (1 - d * d * invVar);
    }
    h[loss + r] = sum;
  }
};

export const reparam: Twin<'reparam'> = (h, n, mu, logvar, eps, z) => {
  for (let i = 0; i < n; i++) h[z + i] = h[mu + i] + Math.exp(0.5 * h[logvar + i]) * h[eps + i];
};

export const reparamBackward: Twin<'reparamBackward'> = (h, n, logvar, eps, dz, dmu, dlogvar) => {
  for (let i = 0; i < n; i++) {
    h[dmu + i] += h[dz + i];
    h[dlogvar + i] += h[dz + i] * h[eps + i] * 0.5 * Math.exp(0.5 * h[logvar + i]);
  }
};

export const softmaxCrossEntropy: Twin<'softmaxCrossEntropy'> = (h, rows, N, logits, labels, loss, dLogits, scale) => {
  for (let r = 0; r < rows; r++) {
    const row = logits + r * N;
    // log-sum-exp shifted by the row maximum, so exp never overflows.
    let top = -Infinity;
    for (let j = 0; j < N; j++) top = Math.max(top, h[row + j]);
    let sumExp = 0;
    for (let j = 0; j < N; j++) sumExp += Math.exp(h[row + j] - top);
    const logSumExp = top + Math.log(sumExp);
    const label = h[labels + r];
    h[loss + r] = logSumExp - h[row + label];
    if (dLogits)
      for (let j = 0; j < N; j++)
        h[dLogits + r * N + j] = scale * (Math.exp(h[row + j] - logSumExp) - (j === label ? 1 : 0));
  }
};

export const adam: Twin<'adam'> = (h, n, p, g, m, v, lr, beta1, beta2, eps, t) => {
  const corr1 = 1 - beta1 ** t,
    corr2 = 1 - beta2 ** t;
  let finite = 1;
  for (let i = 0; i < n; i++) {
    const gi = h[g + i];
    if (!Number.isFinite(gi)) finite = 0;
    h[m + i] = beta1 * h[m + i] + (1 - beta1) * gi;
    h[v + i] = beta2 * h[v + i] + (1 - beta2) * gi * gi;
    h[p + i] -= (lr * h[m + i]) / corr1 / (Math.sqrt(h[v + i] / corr2) + eps);
  }
  return finite;
};
