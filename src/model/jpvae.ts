// JPVAE (§2.2, Fig. 3): one VAE per view, tied only through the joint prior.
// All parameters sit in one flat array described by the layout; gradients
// use the same layout in a sibling array. Buffers for activations are
// allocated once for `maxRows` rows; any smaller batch reuses them.

import { TRANS_B, ACCUMULATE, type Kernels } from '../core/kernels.ts';
import type { Rng } from '../data/rng.ts';
import type { TwoViewData } from '../data/dataset.ts';
import { addDense, denseBackward, denseForward, type Dense } from './dense.ts';
import { Layout } from './layout.ts';
import { createPrior, type Prior } from './prior/index.ts';
import { checkConfig, type ModelConfig } from './config.ts';

/** Per-view networks and their activation buffers. */
interface View {
  dim: number;
  latent: number;
  encoder: Dense[]; // hidden layers, ReLU
  muHead: Dense;
  lvHead: Dense;
  decoder: Dense[]; // hidden layers (ReLU) then the output layer (logits)
  x: number;
  hidden: number[]; dHidden: number[]; // encoder activations and their gradients
  mu: number; lv: number; eps: number; z: number;
  dmu: number; dlv: number; dz: number;
  dec: number[]; dDec: number[]; // decoder layer outputs (last = logits) and gradients
  recon: number; // per-row negative log-likelihood
}

/** Batch means of the loss terms (nats per row). */
export interface LossTerms { recon1: number; recon2: number; kl: number }

export class Jpvae {
  readonly layout = new Layout();
  readonly views: [View, View];
  readonly prior: Prior;
  readonly P: number; // parameters
  readonly G: number; // gradients
  private readonly kl: number;

  constructor(readonly k: Kernels, readonly config: ModelConfig, readonly maxRows: number) {
    checkConfig(config);
    const build = (i: 0 | 1): View => {
      const dim = config.dims[i], n = config.latent[i], tag = `view${i + 1}`;
      const widths = [dim, ...config.hidden];
      const encoder = config.hidden.map((h, l) => addDense(this.layout, `${tag}.encoder.${l}`, widths[l], h, true));
      const top = config.hidden[config.hidden.length - 1];
      const muHead = addDense(this.layout, `${tag}.encoder.mu`, top, n, false);
      const lvHead = addDense(this.layout, `${tag}.encoder.logvar`, top, n, false);
      const back = [n, ...[...config.hidden].reverse(), dim];
      const decoder = back.slice(1).map((w, l) => addDense(this.layout, `${tag}.decoder.${l}`, back[l], w, l < back.length - 2));
      const buf = (w: number) => k.heap.alloc(maxRows * w);
      return {
        dim, latent: n, encoder, muHead, lvHead, decoder,
        x: buf(dim),
        hidden: encoder.map((l) => buf(l.nOut)), dHidden: encoder.map((l) => buf(l.nOut)),
        mu: buf(n), lv: buf(n), eps: buf(n), z: buf(n), dmu: buf(n), dlv: buf(n), dz: buf(n),
        dec: decoder.map((l) => buf(l.nOut)), dDec: decoder.map((l) => buf(l.nOut)),
        recon: buf(1),
      };
    };
    this.views = [build(0), build(1)];
    this.prior = createPrior({ k, n1: config.latent[0], n2: config.latent[1] }, this.layout, config.prior);
    this.P = k.heap.alloc(this.layout.size);
    this.G = k.heap.alloc(this.layout.size);
    this.kl = k.heap.alloc(maxRows);
  }

  /** LeCun-normal weights (variance 1/fan-in, Flax's default), zero biases and prior parameters. */
  initParams(rng: Rng): void {
    const p = this.params();
    p.fill(0);
    for (const e of this.layout.entries) {
      if (!e.name.endsWith('.weight')) continue;
      const std = 1 / Math.sqrt(e.shape[0]);
      for (let i = 0; i < e.size; i++) p[e.offset + i] = rng.normal() * std;
    }
  }

  params() { return this.k.heap.view(this.P, this.layout.size); }
  grads() { return this.k.heap.view(this.G, this.layout.size); }

  /** Copy rows of a view's data (row indices `rows`) into its input buffer. */
  setInput(i: 0 | 1, data: Float32Array, rowIndex: ArrayLike<number>): void {
    const v = this.views[i], x = this.k.heap.view(v.x, rowIndex.length * v.dim);
    for (let r = 0; r < rowIndex.length; r++) x.set(data.subarray(rowIndex[r] * v.dim, (rowIndex[r] + 1) * v.dim), r * v.dim);
  }

  /** Copy the rows `rowIndex` of both views of a data set into the input buffers. */
  setInputs(data: TwoViewData, rowIndex: ArrayLike<number>): void {
    this.setInput(0, data.x1, rowIndex);
    this.setInput(1, data.x2, rowIndex);
  }

  /** Fill ε for both views: N(0, I) samples, or zeros to decode the posterior mean. */
  setNoise(rows: number, rng: Rng | null): void {
    for (const v of this.views) {
      const e = this.k.heap.view(v.eps, rows * v.latent);
      if (rng) rng.fillNormal(e); else e.fill(0);
    }
  }

  /** Encoder: x → (mu, logvar). */
  encode(i: 0 | 1, rows: number): void {
    const { k, P } = this, v = this.views[i];
    let input = v.x;
    v.encoder.forEach((l, j) => { denseForward(k, P, l, rows, input, v.hidden[j]); input = v.hidden[j]; });
    denseForward(k, P, v.muHead, rows, input, v.mu);
    denseForward(k, P, v.lvHead, rows, input, v.lv);
  }

  /** Decoder: the view's z buffer → logits (the last decoder buffer). */
  decode(i: 0 | 1, rows: number): number {
    const { k, P } = this, v = this.views[i];
    let input = v.z;
    v.decoder.forEach((l, j) => { denseForward(k, P, l, rows, input, v.dec[j]); input = v.dec[j]; });
    return input;
  }

  /**
   * The loss of Eq. 5 (negated ELBO with β) on the rows in the input and
   * noise buffers: forward through both views and the prior, and with
   * `train` the gradient of the batch mean into G.
   */
  loss(rows: number, beta: number, train: boolean): LossTerms {
    const { k, P, G } = this;
    const [v1, v2] = this.views;
    if (train) this.grads().fill(0);
    this.prior.prepare(P);
    for (const i of [0, 1] as const) {
      const v = this.views[i];
      this.encode(i, rows);
      k.reparam(rows * v.latent, v.mu, v.lv, v.eps, v.z);
      const logits = this.decode(i, rows);
      k.bceWithLogits(rows, v.dim, logits, v.x, v.recon, train ? v.dDec[v.dDec.length - 1] : 0, 1 / rows);
    }
    const grads = train ? { G, dmu1: v1.dmu, dlv1: v1.dlv, dmu2: v2.dmu, dlv2: v2.dlv, scale: beta / rows } : null;
    if (grads) for (const v of this.views) for (const p of [v.dmu, v.dlv]) k.heap.view(p, rows * v.latent).fill(0);
    this.prior.kl(P, rows, v1.mu, v1.lv, v2.mu, v2.lv, this.kl, grads);
    if (train) for (const i of [0, 1] as const) this.backward(i, rows);
    const mean = (p: number) => { let s = 0; for (const x of k.heap.view(p, rows)) s += x; return s / rows; };
    return { recon1: mean(v1.recon), recon2: mean(v2.recon), kl: mean(this.kl) };
  }

  /** Backward of one view, from d(logits) (set by the loss) to the encoder's first layer. */
  private backward(i: 0 | 1, rows: number): void {
    const { k, P, G } = this, v = this.views[i];
    for (let j = v.decoder.length - 1; j >= 0; j--) {
      const input = j === 0 ? v.z : v.dec[j - 1];
      denseBackward(k, P, G, v.decoder[j], rows, input, v.dec[j], v.dDec[j], j === 0 ? v.dz : v.dDec[j - 1]);
    }
    k.reparamBackward(rows * v.latent, v.lv, v.eps, v.dz, v.dmu, v.dlv);
    const top = v.encoder.length - 1;
    // The two heads share their input: dX of the mu head, plus dlv·Wlvᵀ.
    denseBackward(k, P, G, v.muHead, rows, v.hidden[top], v.mu, v.dmu, v.dHidden[top]);
    denseBackward(k, P, G, v.lvHead, rows, v.hidden[top], v.lv, v.dlv, 0);
    k.gemm(TRANS_B | ACCUMULATE, rows, v.lvHead.nIn, v.lvHead.nOut, v.dlv, P + v.lvHead.W, v.dHidden[top], 0);
    for (let j = top; j >= 0; j--) {
      denseBackward(k, P, G, v.encoder[j], rows, j === 0 ? v.x : v.hidden[j - 1], v.hidden[j], v.dHidden[j], j === 0 ? 0 : v.dHidden[j - 1]);
    }
  }
}
