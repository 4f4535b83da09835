// JPVAE (§2.2, Fig. 3): one VAE per view, tied only through the joint prior
// over their latent blocks (prior/), for any number M ≥ 2 of views; the
// paper's two-view model is M = 2. A row with a subset S of its views
// trains against the marginal prior of S, which for a Gaussian is the
// prior with the other blocks dropped: its ELBO is exact for the views it
// has. All parameters sit in one flat array described by the layout;
// gradients use the same layout in a sibling array. Code reads the model's
// objects (each view's MLPs and likelihood); layout names are for files
// only. Activation buffers are allocated once for `maxRows` rows; any
// smaller batch reuses them. The views' halves of each group of rows may
// run on threads (a ViewRunner, src/threads/); the KL runs here.

import type { Kernels } from '../core/kernels.ts';
import type { Rng } from '../data/rng.ts';
import { allViews, groupByPresent, viewsOf, type ViewData } from '../data/view-data.ts';
import { Layout, type LayoutEntry } from './layout.ts';
import { lecunInit, zeroDense } from './mlp.ts';
import { ViewVae } from './view-vae.ts';
import { zeroTerms, type TermSums } from './loss-terms.ts';
import type { ViewRunner } from './view-runner.ts';
import { createPrior, type JointPrior } from './prior/index.ts';
import { checkConfig, likelihoodOf, type ModelConfig } from './config.ts';
import { block } from '../linalg/dense.ts';
import { designWidth } from '../data/covariates.ts';

/**
 * The model over one flat parameter array: the compute engine under
 * JpvaeModel. `views[i]` is view i + 1; the methods that take a view take
 * its index into `views`, and are the engine's (internal).
 */
export class Jpvae {
  readonly layout = new Layout();
  /** The views' networks: `views[i]` is view i + 1. */
  readonly views: ViewVae[];
  /** @internal the engine's joint prior: its view lists are indices from 0 (view v is v − 1). */
  readonly prior: JointPrior;
  readonly P: number; // parameters
  readonly G: number; // gradients
  private readonly kl: number;
  /** The heap's top before the model's first buffer: where a mirror of the model on another thread starts. */
  readonly heapStart: number;
  /** The covariates' design rows (maxRows × designWidth, heap index) every encoder and decoder reads; 0 without covariates. */
  readonly design: number;
  readonly designWidth: number;
  /** Runs the views' halves of each group of rows (src/threads/); unset, they run in turn here. */
  runner?: ViewRunner;
  /** The layout's tensors that belong to no dense layer: a learnt log-variance, log θ, the prior's parameters. */
  private readonly notDense: LayoutEntry[];
  /**
   * Per view: does its next backward add to its dense layers' gradients
   * (true), or write them (false, its first rows of a step)? Writing spares
   * a pass that zeroes G, which costs more than its own time: it drives the
   * weights out of cache (measured: 7–15% of a training step).
   */
  private readonly addsToDense: boolean[];
  /** Each view's reconstruction sum of a group, and whether its backward of the group adds to G. */
  private readonly sums: number[];
  private readonly adds: boolean[];

  constructor(
    readonly k: Kernels,
    readonly config: ModelConfig,
    readonly maxRows: number,
  ) {
    checkConfig(config);
    this.heapStart = k.heap.mark();
    const { dims, hidden, latent } = config;
    this.designWidth = designWidth(config.covariates);
    this.design = this.designWidth ? k.heap.alloc(maxRows * this.designWidth) : 0;
    const side = this.design ? { width: this.designWidth, input: this.design } : undefined;
    // Layers are named view1.*, view2.*, … on disk.
    this.views = dims.map(
      (dim, i) =>
        new ViewVae(k, this.layout, `view${i + 1}`, dim, hidden, latent[i], likelihoodOf(config, i), maxRows, side),
    );
    this.prior = createPrior({ k, latent, maxRows }, this.layout, config.prior);
    this.P = k.heap.alloc(this.layout.size);
    this.G = k.heap.alloc(this.layout.size);
    this.kl = k.heap.alloc(maxRows);
    const dense = new Set(this.views.flatMap((v) => v.dense.flatMap((l) => [l.W, l.b])));
    this.notDense = this.layout.entries.filter((e) => !dense.has(e.offset));
    const m = dims.length;
    this.addsToDense = new Array<boolean>(m).fill(true);
    this.sums = new Array<number>(m).fill(0);
    this.adds = new Array<boolean>(m).fill(true);
  }

  /** How many views. */
  get m(): number {
    return this.views.length;
  }

  /** Every view present: the mask of a complete row. */
  get fullMask(): number {
    return allViews(this.m);
  }

  params() {
    return this.k.heap.view(this.P, this.layout.size);
  }
  grads() {
    return this.k.heap.view(this.G, this.layout.size);
  }

  /**
   * The design rows of rows `rowIndex` of `design` (n × designWidth: every row's covariates, covariates.ts),
   * or without it the mean of the one-hots (the average of the known categories) for `rowIndex.length` rows.
   * Every encoder and decoder reads them; nothing to do for a model without covariates.
   */
  setDesign(design: Float32Array | undefined, rowIndex: ArrayLike<number>): void {
    const w = this.designWidth;
    if (!w) return;
    const d = this.k.heap.view(this.design, rowIndex.length * w);
    if (design)
      for (let r = 0; r < rowIndex.length; r++) d.set(design.subarray(rowIndex[r] * w, (rowIndex[r] + 1) * w), r * w);
    else {
      let at = 0;
      for (const c of this.config.covariates!) {
        const k = c.categories.length;
        for (let r = 0; r < rowIndex.length; r++) d.fill(1 / k, r * w + at, r * w + at + k);
        at += k;
      }
    }
  }

  /** LeCun-normal weights (variance 1/fan-in, Flax's default), zero biases, prior parameters and covariate weights. */
  initParams(rng: Rng): void {
    const p = this.params();
    p.fill(0);
    for (const v of this.views) lecunInit(p, v.dense, rng);
  }

  /**
   * Loss-term sums of the rows `rows` of data, grouped by the views each row
   * has (ε from rng, or the posterior mean without one); G is untouched.
   */
  loss(data: ViewData, rows: Uint32Array, beta: number, rng: Rng | null): TermSums {
    return this.terms(data, rows, beta, rng, false);
  }

  /** The same sums, and G becomes the gradient of the batch mean of recon + β·KL (Eq. 5). */
  lossAndGradient(data: ViewData, rows: Uint32Array, beta: number, rng: Rng | null): TermSums {
    return this.terms(data, rows, beta, rng, true);
  }

  private terms(data: ViewData, idx: Uint32Array, beta: number, rng: Rng | null, train: boolean): TermSums {
    if (data.dims.length !== this.m || data.dims.some((d, i) => d !== this.views[i].dim))
      throw new RangeError(`data views ${data.dims.join(',')} do not match the model's ${this.config.dims.join(',')}`);
    if (this.designWidth && data.design?.length !== data.n * this.designWidth)
      throw new RangeError(
        `the model has covariates (${this.designWidth} design columns); the data's design rows do not match`,
      );
    if (idx.length > this.maxRows)
      throw new RangeError(`a batch of ${idx.length} rows, but the model's buffers hold ${this.maxRows}`);
    const { k, P, G, adds } = this,
      sums = { ...zeroTerms(this.m), rows: idx.length },
      gradScale = train ? 1 / idx.length : null;
    if (train) this.startGradient();
    this.prior.prepare(P);
    const groups = groupByPresent(data, idx);
    for (const [g, [mask, rows]] of groups.entries()) {
      const n = rows.length,
        present = viewsOf(mask);
      for (const i of present) this.views[i].setInput(data.xs[i], rows);
      this.setDesign(data.design, rows);
      // ε of every view, a group's missing views' too: the stream advances the same whichever views a group has.
      for (const v of this.views) v.setNoise(n, rng);
      // Each present view's reconstruction, and the KL against the marginal prior of the present views;
      // with gradScale, G += gradScale·∇Σ(recon + β·KL).
      const recon = this.sums.fill(0);
      if (this.runner) this.runner.forward(mask, n, gradScale, recon);
      else for (const i of present) recon[i] = this.forwardView(i, n, gradScale);
      const blocks = present.map((i) => this.views[i]);
      this.prior.kl(P, n, present, blocks, this.kl, gradScale === null ? null : { G, scale: beta * gradScale });
      if (gradScale !== null) {
        for (const i of present) {
          adds[i] = this.addsToDense[i];
          this.addsToDense[i] = true;
        }
        // The gradient is whole after the step's last backward unless a view had no rows (finishGradient zeroes its layers').
        const whole = g === groups.length - 1 && this.addsToDense.every(Boolean);
        if (this.runner) this.runner.backward(mask, n, adds, whole);
        else for (const i of present) this.backwardView(i, n, adds[i]);
      }
      let kl = 0;
      for (const x of k.heap.view(this.kl, n)) kl += x;
      sums.kl += kl;
      for (const i of present) {
        sums.recon[i] += recon[i];
        sums.counts[i] += n;
      }
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

  /**
   * View i's half of a step before the KL (ViewVae.forward); returns its reconstruction sum.
   * @internal the engine's: `i` indexes `views` (view i + 1)
   */
  forwardView(i: number, rows: number, gradScale: number | null): number {
    return this.views[i].forward(this.P, this.G, rows, gradScale);
  }

  /**
   * View i's half after the KL (ViewVae.backward): dense gradients written, or added to with `adds`.
   * @internal the engine's: `i` indexes `views` (view i + 1)
   */
  backwardView(i: number, rows: number, adds: boolean): void {
    this.views[i].backward(this.P, this.G, rows, adds);
  }

  /** Σ of the joint prior (D×D, blocks in view order) for the current parameters. */
  priorCovariance(): Float64Array {
    return this.prior.covariance(this.P);
  }

  /** Cov(z_j, z_i) of the joint prior (d_j × d_i, row-major): for two views, C (n2×n1) of Eq. 6 with j = 1, i = 0. */
  crossCovariance(j = 1, i = 0): Float64Array {
    const lat = this.config.latent,
      start = (v: number) => lat.slice(0, v).reduce((a, b) => a + b, 0);
    return block(this.priorCovariance(), start(this.m), start(j), lat[j], start(i), lat[i]);
  }

  /**
   * A Gaussian view's per-feature log-variance of p(x_i | z_i) (standardised units); null for any other view.
   * @internal the engine's: `i` indexes `views` (view i + 1)
   */
  observationLogvar(i: number): Float32Array | null {
    return this.views[i].observationLogvar(this.P);
  }

  /**
   * A negative binomial view's per-feature θ (variance μ + μ²/θ); null for any other view.
   * @internal the engine's: `i` indexes `views` (view i + 1)
   */
  dispersion(i: number): Float64Array | null {
    return this.views[i].dispersion(this.P);
  }
}
