// What the JS peers of `jpvae bench --peers` (TensorFlow.js, jax-js) share:
// the reference model's sizes, its rows, and the form each peer takes.

import { Rng } from '../data/rng.ts';
import { BATCH, REFERENCE_CONFIG } from './train.ts';

/** One training step of a peer library in one form, on one backend. */
export interface JsPeer {
  /** Library, backend and form, as the bench reports it ("tfjs-wasm stock"). */
  name: string;
  /** How this form trains: what it writes by hand, what the library could not do, its threads. */
  note: string;
  /** Called before each round: a library with one global backend switches to this peer's. */
  enter(): Promise<void>;
  /** A full training step: forward, backward, Adam, and its result read back (so lazy work is done). */
  step(): void | Promise<void>;
  close(): void;
}

export const DIM = REFERENCE_CONFIG.dims[0],
  HIDDEN = REFERENCE_CONFIG.hidden[0],
  LATENT = REFERENCE_CONFIG.latent[0];
export const ALPHA = (REFERENCE_CONFIG.prior as { alpha: number }).alpha;
export const LEARNING_RATE = 1e-3;
/** The dense layers of one view as [in, out]: encoder trunk, mean and log-variance heads, decoder. */
export const LAYERS = {
  encoder: [
    [DIM, HIDDEN],
    [HIDDEN, HIDDEN],
  ],
  heads: [HIDDEN, LATENT],
  decoder: [
    [LATENT, HIDDEN],
    [HIDDEN, HIDDEN],
    [HIDDEN, DIM],
  ],
} as const;
export { BATCH };

/** The KL's constants for C = αO (App. A.2): c1 = 1/(1 − α²), k = α²c1, b = αc1. */
export const KL = (() => {
  const c1 = 1 / (1 - ALPHA * ALPHA);
  return { c1, k: ALPHA * ALPHA * c1, b: ALPHA * c1, constant: 0.5 * LATENT * Math.log(1 - ALPHA * ALPHA) };
})();

/** Two views of BATCH Bernoulli(0.2) rows, as jpvae's reference step trains on. */
export function peerRows(): [Float32Array, Float32Array] {
  const rng = new Rng(1),
    rows = () => Float32Array.from({ length: BATCH * DIM }, () => (rng.uniform() < 0.2 ? 1 : 0));
  return [rows(), rows()];
}

/** LeCun-normal weights of an [in, out] layer from a seeded stream (Box–Muller). */
export function lecun(rng: Rng, nIn: number, nOut: number): Float32Array {
  const out = new Float32Array(nIn * nOut),
    sd = Math.sqrt(1 / nIn);
  for (let i = 0; i < out.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - rng.uniform())),
      t = 2 * Math.PI * rng.uniform();
    out[i] = sd * r * Math.cos(t);
    if (i + 1 < out.length) out[i + 1] = sd * r * Math.sin(t);
  }
  return out;
}
