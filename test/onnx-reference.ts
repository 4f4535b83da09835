// The library's own encoder and decoder forward of one view, in batches
// the model's buffers hold: the reference the ONNX tests hold graphs to.

import { meanOf } from '../src/data/likelihood.ts';
import type { Jpvae } from '../src/model/jpvae.ts';
import { Rng } from '../src/data/rng.ts';

/** Rows start … start+m of n×w values. */
const chunk = (x: Float32Array, w: number, start: number, m: number) => x.subarray(start * w, (start + m) * w);

/** Posterior mean and log-variance of view v for n rows as the model's data has them (standardised where it is; setInput takes a count view's log1p). */
export function encodeRows(net: Jpvae, v: number, x: Float32Array, n: number) {
  const view = net.views[v];
  const mu = new Float32Array(n * view.latent),
    logvar = new Float32Array(n * view.latent);
  for (let start = 0; start < n; start += net.maxRows) {
    const m = Math.min(net.maxRows, n - start);
    view.setInput(
      chunk(x, view.dim, start, m),
      Array.from({ length: m }, (_, r) => r),
    );
    view.encode(net.P, m);
    mu.set(net.k.heap.view(view.mu, m * view.latent), start * view.latent);
    logvar.set(net.k.heap.view(view.lv, m * view.latent), start * view.latent);
  }
  return { mu, logvar };
}

/** The likelihood's mean of view v (meanOf: σ, identity, e^η) at latents z, n rows, in the model's data units. */
export function decodeRows(net: Jpvae, v: number, z: Float32Array, n: number): Float32Array {
  const view = net.views[v],
    mean = meanOf(view.likelihood),
    y = new Float32Array(n * view.dim);
  for (let start = 0; start < n; start += net.maxRows) {
    const m = Math.min(net.maxRows, n - start);
    net.k.heap.view(view.z, m * view.latent).set(chunk(z, view.latent, start, m));
    y.set(Float32Array.from(net.k.heap.view(view.decode(net.P, m), m * view.dim), mean), start * view.dim);
  }
  return y;
}

/**
 * A sampler's feeds for n rows of target view t (0-based) from Rng(seed), in the order the library
 * draws its noise: per row the latent's, then a Gaussian target's observation noise.
 */
export function samplerFeeds(net: Jpvae, t: number, n: number, seed: number): Record<string, Float32Array> {
  const view = net.views[t],
    gaussian = view.likelihood.kind === 'gaussian',
    rng = new Rng(seed);
  const eps = new Float32Array(n * view.latent),
    noise = new Float32Array(n * view.dim);
  for (let r = 0; r < n; r++) {
    for (let a = 0; a < view.latent; a++) eps[r * view.latent + a] = rng.normal();
    if (gaussian) for (let j = 0; j < view.dim; j++) noise[r * view.dim + j] = rng.normal();
  }
  return { [`eps${t + 1}`]: eps, ...(gaussian ? { [`noise${t + 1}`]: noise } : {}) };
}
