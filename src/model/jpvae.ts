// JPVAE (§2.2, Fig. 3): one VAE per view, tied only through the joint prior.
// All parameters sit in one flat array described by the layout; gradients
// use the same layout in a sibling array. Code reads the model's objects
// (each view's MLPs and likelihood); layout names are for files only.
// Buffers for activations are allocated once for `maxRows` rows; any
// smaller batch reuses them.

import { NULL, type Kernels } from '../core/kernels.ts';
import type { Rng } from '../data/rng.ts';
import { HAS_BOTH, HAS_VIEW1, type TwoViewData } from '../data/dataset.ts';
import { Layout, type LayoutEntry } from './layout.ts';
import { lecunInit, zeroDense } from './mlp.ts';
import { ViewVae } from './view-vae.ts';
import type { TermSums } from './loss-terms.ts';
import type { ViewHalves, ViewRunner } from './view-runner.ts';
import { createPrior, type Prior } from './prior/index.ts';
import { checkConfig, likelihoodOf, priorOrder, type ModelConfig } from './config.ts';

/** Per-view networks and their activation buffers: one view's VAE. */
export type View = ViewVae;

/** Which views the rows in the buffers have: both, or only view 1 (0) or view 2 (1). */
type Present = 'both' | 0 | 1;

/** The rows `idx` by the views they have, in a fixed order: both, view 1 only, view 2 only. */
function groups(data: TwoViewData, idx: Uint32Array): [Present, Uint32Array][] {
  const present = data.present;
  if (!present || idx.every((r) => present[r] === HAS_BOTH)) return [['both', idx]];
  const out: [Present, Uint32Array][] = [];
  for (const [mode, bits] of [
    ['both', HAS_BOTH],
    [0, HAS_VIEW1],
    [1, HAS_BOTH ^ HAS_VIEW1],
  ] as [Present, number][]) {
    const rows = idx.filter((r) => present[r] === bits);
    if (rows.length) out.push([mode, rows]);
  }
  return out;
}

/**
 * The two-view model over one flat parameter array: the compute engine under
 * JpvaeModel. `views[0]` and `views[1]` are views 1 and 2; the methods that
 * take a view take its index into `views`, and are the engine's (internal).
 */
export class Jpvae implements ViewHalves {
  readonly layout = new Layout();
  /** The views' networks: `views[0]` is view 1, `views[1]` view 2. */
  readonly views: [View, View];
  readonly prior: Prior;
  readonly P: number; // parameters
  readonly G: number; // gradients
  private readonly kl: number;
  /** The heap's top before the model's first buffer: where a mirror of the model on another thread starts. */
  readonly heapStart: number;
  /** Runs the views' halves of each group of rows (src/threads/); unset, they run in turn here. */
  runner?: ViewRunner;

  constructor(
    readonly k: Kernels,
    readonly config: ModelConfig,
    readonly maxRows: number,
  ) {
    checkConfig(config);
    this.heapStart = k.heap.mark();
    // Layers are named view1.*, view2.* on disk.
    const build = (i: 0 | 1): View =>
      new ViewVae(
        k,
        this.layout,
        `view${i + 1}`,
        config.dims[i],
        config.hidden,
        config.latent[i],
        likelihoodOf(config, i),
        maxRows,
      );
    this.views = [build(0), build(1)];
    const [a, b] = priorOrder(config);
    this.prior = createPrior({ k, n1: config.latent[a], n2: config.latent[b] }, this.layout, config.prior);
    this.P = k.heap.alloc(this.layout.size);
    this.G = k.heap.alloc(this.layout.size);
    this.kl = k.heap.alloc(maxRows);
    const n = Math.max(...config.latent);
    this.absent = { zeros: k.heap.alloc(maxRows * n), sink: k.heap.alloc(maxRows * n), O: k.heap.alloc(n * n) };
    const dense = new Set(this.views.flatMap((v) => v.dense.flatMap((l) => [l.W, l.b])));
    this.notDense = this.layout.entries.filter((e) => !dense.has(e.offset));
  }

  /** The layout's tensors that belong to no dense layer: a learnt log-variance, the prior's parameters. */
  private readonly notDense: LayoutEntry[];

  /** Stand-ins for a missing view: its posterior set to the prior N(0, I), and a gradient sink. */
  private readonly absent: { zeros: number; sink: number; O: number };

  /**
   * Per view: does its next backward add to its dense layers' gradients
   * (true), or write them (false, the first rows of a step)? Writing spares
   * a pass that zeroes G, which costs more than its own time: it drives the
   * weights out of cache (measured: 7–15% of a training step).
   */
  private readonly addsToDense: [boolean, boolean] = [true, true];

  /**
   * Loss-term sums of the rows `rows` of data, grouped by the views each row
   * has (ε from rng, or the posterior mean without one); G is untouched.
   */
  loss(data: TwoViewData, rows: Uint32Array, beta: number, rng: Rng | null): TermSums {
    return this.terms(data, rows, beta, rng, false);
  }

  /** The same sums, and G becomes the gradient of the batch mean of recon + β·KL (Eq. 5). */
  lossAndGradient(data: TwoViewData, rows: Uint32Array, beta: number, rng: Rng | null): TermSums {
    return this.terms(data, rows, beta, rng, true);
  }

  private terms(data: TwoViewData, idx: Uint32Array, beta: number, rng: Rng | null, train: boolean): TermSums {
    const sums: TermSums = { recon1: 0, recon2: 0, kl: 0, n1: 0, n2: 0, rows: idx.length };
    if (train) this.startGradient();
    const all = groups(data, idx);
    for (const [g, [present, rows]] of all.entries()) {
      if (present !== 1) this.setInput(0, data.x1, rows);
      if (present !== 0) this.setInput(1, data.x2, rows);
      this.setNoise(rows.length, rng);
      this.accumulate(rows.length, beta, present, train ? 1 / idx.length : null, sums, g === all.length - 1);
      if (present !== 1) sums.n1 += rows.length;
      if (present !== 0) sums.n2 += rows.length;
    }
    if (train) this.finishGradient();
    return sums;
  }

  /** Start a step's gradient in G: zero what is not a dense layer's, and let each view's first backward write its own. */
  private startGradient(): void {
    const g = this.grads();
    for (const e of this.notDense) g.fill(0, e.offset, e.offset + e.size);
    this.addsToDense.fill(false);
  }

  /** End it: a view without rows in this step has zero gradient. Later backwards add to G again. */
  private finishGradient(): void {
    this.addsToDense.forEach((adds, i) => {
      if (!adds) zeroDense(this.grads(), this.views[i].dense);
    });
    this.addsToDense.fill(true);
  }

  /** LeCun-normal weights (variance 1/fan-in, Flax's default), zero biases and prior parameters. */
  initParams(rng: Rng): void {
    const p = this.params();
    p.fill(0);
    for (const v of this.views) lecunInit(p, v.dense, rng);
  }

  /** Cov(z2, z1) of the joint prior in the user's view order: C (n2×n1, row-major) of Eq. 6. */
  crossCovariance(): Float64Array {
    const C = this.prior.crossCovariance(this.P);
    if (!this.config.swapViews) return C;
    const [n1, n2] = this.config.latent; // the prior's C is Cov(z1, z2), n1×n2
    return Float64Array.from({ length: n2 * n1 }, (_, i) => C[(i % n1) * n2 + Math.floor(i / n1)]);
  }

  /**
   * A Gaussian view's per-feature log-variance of p(x_i | z_i) (standardised units); null for a Bernoulli view.
   * @internal the engine's: `i` indexes `views` (view i + 1)
   */
  observationLogvar(i: 0 | 1): Float32Array | null {
    return this.views[i].observationLogvar(this.P);
  }

  /** A negative binomial view's per-feature θ (variance μ + μ²/θ); null for any other view. */
  dispersion(i: 0 | 1): Float64Array | null {
    return this.views[i].dispersion(this.P);
  }

  params() {
    return this.k.heap.view(this.P, this.layout.size);
  }
  grads() {
    return this.k.heap.view(this.G, this.layout.size);
  }

  /**
   * Copy rows of a view's data (row indices `rows`) into its input buffer.
   * @internal the engine's: `i` indexes `views` (view i + 1)
   */
  setInput(i: 0 | 1, data: Float32Array, rowIndex: ArrayLike<number>): void {
    this.views[i].setInput(data, rowIndex);
  }

  /** Copy the rows `rowIndex` of both views of a data set into the input buffers. */
  setInputs(data: TwoViewData, rowIndex: ArrayLike<number>): void {
    this.setInput(0, data.x1, rowIndex);
    this.setInput(1, data.x2, rowIndex);
  }

  /** Fill ε for both views: N(0, I) samples, or zeros to decode the posterior mean. */
  setNoise(rows: number, rng: Rng | null): void {
    for (const v of this.views) v.setNoise(rows, rng);
  }

  /**
   * Encoder: x → (mu, logvar).
   * @internal the engine's: `i` indexes `views` (view i + 1)
   */
  encode(i: 0 | 1, rows: number): void {
    this.views[i].encode(this.P, rows);
  }

  /**
   * Decoder: the view's z buffer → its output (last decoder buffer): logits (Bernoulli) or means (Gaussian).
   * @internal the engine's: `i` indexes `views` (view i + 1)
   */
  decode(i: 0 | 1, rows: number): number {
    return this.views[i].decode(this.P, rows);
  }

  /**
   * Sums over the rows in the buffers of each view's negative
   * log-likelihood and the KL; with `gradScale`, add gradScale·∇Σ(recon +
   * β·KL) to G. Rows with one view only contribute that view's ELBO with
   * its marginal prior N(0, I), which is exact: the joint prior's marginals
   * are standard normal (Eq. 6). The KL kernel sees the missing view's
   * posterior as N(0, I) itself and α = 0, which makes its terms vanish.
   * The sums are added to `into`; `lastGroup`: these are the step's last rows.
   */
  private accumulate(
    rows: number,
    beta: number,
    present: Present,
    gradScale: number | null,
    into: TermSums,
    lastGroup: boolean,
  ): void {
    const { k, P, G } = this;
    const train = gradScale !== null,
      scale = gradScale ?? 0;
    const active = present === 'both' ? ([0, 1] as const) : [present];
    const sums = this.sums;
    sums.fill(0);
    this.prior.prepare(P);
    const mask = present === 'both' ? 3 : 1 << present;
    if (this.runner) this.runner.forward(mask, rows, gradScale, sums);
    else for (const i of active) sums[i] = this.forwardView(i, rows, gradScale);
    if (present === 'both') {
      const [v1, v2] = priorOrder(this.config).map((i) => this.views[i]);
      this.prior.kl(
        P,
        rows,
        v1.mu,
        v1.lv,
        v2.mu,
        v2.lv,
        this.kl,
        train ? { G, dmu1: v1.dmu, dlv1: v1.dlv, dmu2: v2.dmu, dlv2: v2.dlv, scale: beta * scale } : null,
      );
    } else {
      const v = this.views[present],
        n = v.latent,
        { zeros, sink, O } = this.absent;
      const [dmu, dlv] = train ? [v.dmu, v.dlv] : [NULL, NULL];
      k.orthoKl(
        rows,
        n,
        n,
        /* α = 0: the KL to N(0, I) */ 0,
        v.mu,
        v.lv,
        zeros,
        zeros,
        O,
        this.kl,
        dmu,
        dlv,
        sink,
        sink,
        /* dO */ NULL,
        beta * scale,
      );
    }
    if (train) {
      const adds = this.adds;
      for (const i of active) {
        adds[i] = this.addsToDense[i];
        this.addsToDense[i] = true;
      }
      // The gradient is whole after this backward unless a view had no rows (finishGradient zeroes its layers').
      if (this.runner) this.runner.backward(mask, rows, adds, lastGroup && this.addsToDense.every(Boolean));
      else for (const i of active) this.backwardView(i, rows, adds[i]);
    }
    let kl = 0;
    for (const x of k.heap.view(this.kl, rows)) kl += x;
    into.recon1 += sums[0];
    into.recon2 += sums[1];
    into.kl += kl;
  }

  private readonly sums = [0, 0];
  private readonly adds = [true, true];

  /**
   * View i's half of a step before the KL (ViewVae.forward); returns its reconstruction sum.
   * @internal the engine's: `i` indexes `views` (view i + 1)
   */
  forwardView(i: 0 | 1, rows: number, gradScale: number | null): number {
    return this.views[i].forward(this.P, this.G, rows, gradScale);
  }

  /**
   * −log p(x_i | output) per row of view i's input buffer into its recon buffer (ViewVae.nll); returns the sum.
   * @internal the engine's: `i` indexes `views` (view i + 1)
   */
  nll(i: 0 | 1, rows: number, out: number, gradScale: number | null): number {
    return this.views[i].nll(this.P, this.G, rows, out, gradScale);
  }

  /**
   * View i's half after the KL (ViewVae.backward): dense gradients written, or added to with `adds`.
   * @internal the engine's: `i` indexes `views` (view i + 1)
   */
  backwardView(i: 0 | 1, rows: number, adds: boolean): void {
    this.views[i].backward(this.P, this.G, rows, adds);
  }
}
