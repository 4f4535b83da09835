// One view's VAE (§2.1) over the flat parameter array: encoder trunk, the
// mean and log-variance heads, the decoder and the view's likelihood, with
// activation buffers for `maxRows` rows. A multi-view model is M of these
// tied only through its prior's KL: `forward` runs everything before the
// KL, `backward` everything after it.

import { NULL, TRANS_B, ACCUMULATE, type Kernels } from '../core/kernels.ts';
import { isCount, logSizeFactor, type Likelihood } from '../data/likelihood.ts';
import type { Rng } from '../data/rng.ts';
import { addDense, denseBackward, denseForward, type Dense } from './dense.ts';
import type { Layout, ParamRange } from './layout.ts';
import { Mlp, type SideInput } from './mlp.ts';

export class ViewVae {
  readonly encoder: Mlp; // hidden layers, ReLU; the two heads read its output
  readonly muHead: Dense;
  readonly lvHead: Dense;
  readonly decoder: Mlp; // hidden layers (ReLU), then logits (Bernoulli), means (Gaussian) or log-rates (counts)
  /** Every dense layer of the view, in layout order. */
  readonly dense: Dense[];
  /** All the view's parameters (its layers, log-variance, log θ): one range of the flat array. */
  readonly params: ParamRange;
  /** Gaussian views: per-feature log-variance, a layout offset (learnt) or a heap buffer (fixed). */
  readonly logvar: number;
  /** Negative binomial views: per-feature log θ (the dispersion), a layout offset; 0 otherwise. */
  readonly logTheta: number;
  readonly x: number; // the view's rows as given: the likelihood's target
  /** What the encoder reads: x, or log1p(x) for a count view. */
  readonly input: number;
  /** Count views with size factors: each row's log size factor (CountLikelihood); 0 (none, s = 1) otherwise. */
  readonly logSize: number;
  readonly mu: number;
  readonly lv: number;
  readonly eps: number;
  readonly z: number;
  readonly dmu: number;
  readonly dlv: number;
  readonly dz: number;
  readonly recon: number; // per-row negative log-likelihood

  /** Layers named `TAG.encoder.*`, `TAG.decoder.*` on disk; with `design`, both MLPs read the covariates' design rows. */
  constructor(
    private readonly k: Kernels,
    layout: Layout,
    tag: string,
    readonly dim: number,
    hidden: readonly number[],
    readonly latent: number,
    readonly likelihood: Likelihood,
    maxRows: number,
    design?: SideInput,
  ) {
    const first = layout.size;
    const buf = (w: number) => k.heap.alloc(maxRows * w);
    const variance = likelihood.kind === 'gaussian' ? likelihood.variance : null;
    let logvar = typeof variance === 'number' ? k.heap.allocFrom(new Float32Array(dim).fill(Math.log(variance))) : 0;
    this.x = buf(dim);
    const counts = isCount(likelihood);
    this.input = counts ? buf(dim) : this.x;
    this.logSize = counts && likelihood.sizeFactor === 'total' ? buf(1) : 0;
    this.encoder = new Mlp(k, layout, `${tag}.encoder`, [dim, ...hidden], true, maxRows, design);
    const top = hidden[hidden.length - 1];
    this.muHead = addDense(layout, `${tag}.encoder.mu`, top, latent, false);
    this.lvHead = addDense(layout, `${tag}.encoder.logvar`, top, latent, false);
    [this.mu, this.lv, this.eps, this.z, this.dmu, this.dlv, this.dz] = Array.from({ length: 7 }, () => buf(latent));
    this.decoder = new Mlp(
      k,
      layout,
      `${tag}.decoder`,
      [latent, ...[...hidden].reverse(), dim],
      false,
      maxRows,
      design,
    );
    if (variance === 'learnt') logvar = layout.add(`${tag}.decoder.logvar`, [dim]).offset;
    this.logvar = logvar;
    this.logTheta = likelihood.kind === 'nb' ? layout.add(`${tag}.decoder.logtheta`, [dim]).offset : 0;
    this.dense = [...this.encoder.layers, this.muHead, this.lvHead, ...this.decoder.layers];
    this.recon = buf(1);
    this.params = { lo: first, hi: layout.size };
  }

  /** A Gaussian view's per-feature log-variance of p(x | z) (standardised units), a copy; null for any other view. */
  observationLogvar(P: number): Float32Array | null {
    if (this.likelihood.kind !== 'gaussian') return null;
    const at = this.likelihood.variance === 'learnt' ? P + this.logvar : this.logvar;
    return Float32Array.from(this.k.heap.view(at, this.dim));
  }

  /** A negative binomial view's per-feature θ (variance μ + μ²/θ); null for any other view. */
  dispersion(P: number): Float64Array | null {
    if (this.likelihood.kind !== 'nb') return null;
    return Float64Array.from(this.k.heap.view(P + this.logTheta, this.dim), Math.exp);
  }

  /** Copy rows `rowIndex` of the view's data (n×dim) into its input buffer; a count view's log1p and size factors too. */
  setInput(data: Float32Array, rowIndex: ArrayLike<number>): void {
    const heap = this.k.heap,
      dim = this.dim,
      x = heap.view(this.x, rowIndex.length * dim);
    for (let r = 0; r < rowIndex.length; r++) x.set(data.subarray(rowIndex[r] * dim, (rowIndex[r] + 1) * dim), r * dim);
    const l = this.likelihood;
    if (!isCount(l)) return;
    const input = heap.view(this.input, rowIndex.length * dim);
    for (let i = 0; i < input.length; i++) input[i] = Math.log1p(x[i]);
    if (!this.logSize) return;
    const logSize = heap.view(this.logSize, rowIndex.length);
    for (let r = 0; r < rowIndex.length; r++)
      logSize[r] = logSizeFactor(x.subarray(r * dim, (r + 1) * dim), l.medianTotal);
  }

  /** ε: N(0, I) samples, or zeros to decode the posterior mean. */
  setNoise(rows: number, rng: Rng | null): void {
    const e = this.k.heap.view(this.eps, rows * this.latent);
    if (rng) rng.fillNormal(e);
    else e.fill(0);
  }

  /** Encoder: x → (mu, logvar). */
  encode(P: number, rows: number): void {
    const h = this.encoder.forward(P, rows, this.input);
    denseForward(this.k, P, this.muHead, rows, h, this.mu);
    denseForward(this.k, P, this.lvHead, rows, h, this.lv);
  }

  /** Decoder: the z buffer → its output: logits (Bernoulli), means (Gaussian) or log-rates at size factor 1 (counts). */
  decode(P: number, rows: number): number {
    return this.decoder.forward(P, rows, this.z);
  }

  /**
   * −log p(x | output) per row into `recon`; returns the sum. With
   * `gradScale`, the output's gradient (times gradScale) goes to the
   * decoder's output gradient, and a learnt log-variance's or log θ's into G.
   */
  nll(P: number, G: number, rows: number, out: number, gradScale: number | null): number {
    const k = this.k,
      dOut = gradScale !== null ? this.decoder.dOutput : NULL,
      scale = gradScale ?? 0;
    const l = this.likelihood;
    if (l.kind === 'bernoulli') k.bceWithLogits(rows, this.dim, out, this.x, this.recon, dOut, scale);
    else if (isCount(l)) {
      const nb = l.kind === 'nb';
      const theta = nb ? P + this.logTheta : NULL,
        dTheta = dOut && nb ? G + this.logTheta : NULL;
      k.countNll(rows, this.dim, out, this.logSize, this.x, theta, this.recon, dOut, dTheta, scale);
    } else {
      const learnt = l.variance === 'learnt';
      const lv = learnt ? P + this.logvar : this.logvar;
      k.gaussianNll(rows, this.dim, out, this.x, lv, this.recon, dOut, dOut && learnt ? G + this.logvar : NULL, scale);
    }
    let sum = 0;
    for (const x of k.heap.view(this.recon, rows)) sum += x;
    return sum;
  }

  /**
   * Everything before the KL: encode, sample z, decode, the likelihood;
   * returns the reconstruction sum. With `gradScale`, the output's
   * gradient is set and dmu, dlv are zeroed for the KL to add to.
   */
  forward(P: number, G: number, rows: number, gradScale: number | null): number {
    const k = this.k;
    this.encode(P, rows);
    k.reparam(rows * this.latent, this.mu, this.lv, this.eps, this.z);
    const sum = this.nll(P, G, rows, this.decode(P, rows), gradScale);
    if (gradScale !== null) for (const p of [this.dmu, this.dlv]) k.heap.view(p, rows * this.latent).fill(0);
    return sum;
  }

  /** Everything after the KL: from the output's and dmu, dlv's gradients to the first layer; dense gradients written, or added to with `adds`. */
  backward(P: number, G: number, rows: number, adds: boolean): void {
    const k = this.k;
    this.decoder.backward(P, G, rows, this.z, this.dz, adds);
    k.reparamBackward(rows * this.latent, this.lv, this.eps, this.dz, this.dmu, this.dlv);
    const h = this.encoder.output,
      dh = this.encoder.dOutput;
    // The two heads share their input: dX of the mu head, plus dlv·Wlvᵀ.
    denseBackward(k, P, G, this.muHead, rows, h, this.mu, this.dmu, dh, adds);
    denseBackward(k, P, G, this.lvHead, rows, h, this.lv, this.dlv, NULL, adds);
    k.gemm(TRANS_B | ACCUMULATE, rows, this.lvHead.nIn, this.lvHead.nOut, this.dlv, P + this.lvHead.W, dh, NULL);
    this.encoder.backward(P, G, rows, this.input, NULL, adds);
  }
}
