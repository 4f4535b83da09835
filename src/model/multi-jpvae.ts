// JPVAE for M ≥ 2 views: one VAE per view, tied only through the
// shared-factor joint prior over their latent blocks (prior/factor.ts).
// A row with a subset S of its views trains against the marginal prior of
// S, which for a Gaussian is the prior with the other blocks dropped: its
// ELBO is exact for the views it has. The views' halves of each group of
// rows may run on threads (a ViewRunner, src/threads/); the KL runs here.

import type { Kernels } from '../core/kernels.ts';
import { BERNOULLI, type Likelihood } from '../data/likelihood.ts';
import { allViews, groupByPresent, viewsOf, type MultiViewData } from '../data/multi-view.ts';
import type { Rng } from '../data/rng.ts';
import { InputError } from '../errors.ts';
import { Layout } from './layout.ts';
import { lecunInit } from './mlp.ts';
import { FactorPrior } from './prior/factor.ts';
import { ViewVae } from './view-vae.ts';
import type { ViewHalves, ViewRunner } from './view-runner.ts';

export type MultiPriorKind = 'factor' | 'zero';

export interface MultiViewConfig {
  dims: number[]; // features of each view
  hidden: number[]; // encoder hidden widths; decoders mirror them
  latent: number[]; // latent size of each view
  prior: {
    kind: MultiPriorKind; // 'factor': learnt Σ_ij = α·A_i·A_jᵀ; 'zero': independent views (C = 0)
    alpha: number; // 0 ≤ α < 1
    factors?: number; // K, the shared factor's size (default: the largest latent size)
  };
  likelihood?: Likelihood[]; // default: Bernoulli for every view
}

/** Sums over rows of each view's negative log-likelihood (over the rows that have it) and of the KL. */
export interface MultiTermSums {
  recon: number[];
  counts: number[]; // rows that have each view
  kl: number;
  rows: number;
}

export const zeroMultiTerms = (m: number): MultiTermSums => ({
  recon: new Array(m).fill(0),
  counts: new Array(m).fill(0),
  kl: 0,
  rows: 0,
});

export function addMultiTerms(into: MultiTermSums, t: MultiTermSums): void {
  t.recon.forEach((v, i) => (into.recon[i] += v));
  t.counts.forEach((v, i) => (into.counts[i] += v));
  into.kl += t.kl;
  into.rows += t.rows;
}

/** A config field, as checkMultiConfig names it in a message. */
export type MultiConfigField = 'hidden' | 'latent' | 'likelihood' | 'prior.kind' | 'prior.alpha' | 'prior.factors';

/** One clear line for each way an M-view config can be wrong; `label` names a field (its path in the config by default; jpvae train names its flags). */
export function checkMultiConfig(
  c: MultiViewConfig,
  label: (field: MultiConfigField) => string = (field) => field,
): MultiViewConfig {
  const m = c.dims.length,
    posInt = (x: number) => Number.isInteger(x) && x > 0;
  if (m < 2 || m > 8) throw new InputError(`views: expected 2 to 8, got ${m}`);
  if (!c.dims.every(posInt)) throw new InputError(`view widths: must be positive integers, got ${c.dims.join(',')}`);
  if (!c.hidden.length || !c.hidden.every(posInt))
    throw new InputError(`${label('hidden')}: expected positive integers like 512,512, got ${c.hidden.join(',')}`);
  if (c.latent.length !== m || !c.latent.every(posInt))
    throw new InputError(
      `${label('latent')}: expected ${m} positive integers (one per view), got ${c.latent.join(',')}`,
    );
  if (c.likelihood && c.likelihood.length !== m)
    throw new InputError(`${label('likelihood')}: expected one per view (${m}), got ${c.likelihood.length}`);
  if (c.prior.kind !== 'factor' && c.prior.kind !== 'zero')
    throw new InputError(`${label('prior.kind')}: expected factor or zero for ${m} views, got '${c.prior.kind}'`);
  if (!(c.prior.alpha >= 0 && c.prior.alpha < 1))
    throw new InputError(`${label('prior.alpha')}: expected 0 ≤ α < 1 for the factor prior, got ${c.prior.alpha}`);
  const K = c.prior.factors ?? Math.max(...c.latent);
  if (!(posInt(K) && K >= Math.max(...c.latent)))
    throw new InputError(
      `${label('prior.factors')}: expected an integer ≥ the largest latent size ${Math.max(...c.latent)}, got ${K}`,
    );
  return c;
}

export class MultiJpvae implements ViewHalves {
  readonly layout = new Layout();
  /** The views' networks: `views[i]` is view i + 1. */
  readonly views: ViewVae[];
  /** @internal the engine's joint prior: its block lists are view indices from 0 (view v is v − 1). */
  readonly prior: FactorPrior;
  readonly P: number;
  readonly G: number;
  private readonly kl: number;
  private readonly cat: { mu: number; lv: number; dmu: number; dlv: number };
  /** The heap's top before the model's first buffer: where a mirror of the model on another thread starts. */
  readonly heapStart: number;
  /** Runs the views' halves of each group of rows; unset, they run in turn here. */
  runner?: ViewRunner;
  /** Each view's reconstruction sum of a group, and whether its backward adds to G (always: G is zeroed per step). */
  private readonly sums: number[];
  private readonly adds: boolean[];

  constructor(
    readonly k: Kernels,
    readonly config: MultiViewConfig,
    readonly maxRows: number,
  ) {
    checkMultiConfig(config);
    this.heapStart = k.heap.mark();
    const { dims, hidden, latent } = config;
    this.views = dims.map(
      (dim, i) =>
        new ViewVae(
          k,
          this.layout,
          `view${i + 1}`,
          dim,
          hidden,
          latent[i],
          config.likelihood?.[i] ?? BERNOULLI,
          maxRows,
        ),
    );
    const alpha = config.prior.kind === 'zero' ? 0 : config.prior.alpha;
    const factors = config.prior.factors ?? Math.max(...latent);
    this.prior = new FactorPrior(k, this.layout, latent, { alpha, factors });
    this.P = k.heap.alloc(this.layout.size);
    this.G = k.heap.alloc(this.layout.size);
    this.kl = k.heap.alloc(maxRows);
    const D = this.prior.D,
      buf = () => k.heap.alloc(maxRows * D);
    this.cat = { mu: buf(), lv: buf(), dmu: buf(), dlv: buf() };
    this.sums = new Array<number>(dims.length).fill(0);
    this.adds = new Array<boolean>(dims.length).fill(true);
  }

  get m(): number {
    return this.views.length;
  }

  params() {
    return this.k.heap.view(this.P, this.layout.size);
  }
  grads() {
    return this.k.heap.view(this.G, this.layout.size);
  }

  /** LeCun-normal weights, zero biases and prior parameters (A_i = [I 0]: Σ_ij = α·[I 0]). */
  initParams(rng: Rng): void {
    const p = this.params();
    p.fill(0);
    for (const v of this.views) lecunInit(p, v.dense, rng);
  }

  /** Loss-term sums of the rows `idx` of data, grouped by the views each row has (ε from rng, or posterior means). */
  loss(data: MultiViewData, idx: Uint32Array, beta: number, rng: Rng | null): MultiTermSums {
    return this.terms(data, idx, beta, rng, false);
  }

  /** The same sums, and G becomes the gradient of the batch mean of recon + β·KL (Eq. 5). */
  lossAndGradient(data: MultiViewData, idx: Uint32Array, beta: number, rng: Rng | null): MultiTermSums {
    return this.terms(data, idx, beta, rng, true);
  }

  private terms(data: MultiViewData, idx: Uint32Array, beta: number, rng: Rng | null, train: boolean): MultiTermSums {
    if (data.dims.length !== this.m || data.dims.some((d, i) => d !== this.views[i].dim))
      throw new RangeError(`data views ${data.dims.join(',')} do not match the model's ${this.config.dims.join(',')}`);
    if (idx.length > this.maxRows)
      throw new RangeError(`a batch of ${idx.length} rows, but the model's buffers hold ${this.maxRows}`);
    const sums = { ...zeroMultiTerms(this.m), rows: idx.length };
    if (train) this.grads().fill(0);
    this.prior.prepare(this.P);
    const groups = groupByPresent(data, idx);
    for (const [g, [mask, rows]] of groups.entries()) {
      const present = viewsOf(mask);
      for (const i of present) {
        this.views[i].setInput(data.xs[i], rows);
        this.views[i].setNoise(rows.length, rng);
      }
      const scale = train ? 1 / idx.length : null;
      sums.kl += this.accumulate(rows.length, beta, mask, present, scale, sums.recon, g === groups.length - 1);
      for (const i of present) sums.counts[i] += rows.length;
    }
    return sums;
  }

  /**
   * The rows in the present views' buffers: each view's reconstruction
   * added to recon[i]; returns the KL sum against the marginal prior of the
   * present views. With gradScale, G += gradScale·∇Σ(recon + β·KL);
   * `lastGroup`: these are the step's last rows.
   */
  private accumulate(
    rows: number,
    beta: number,
    mask: number,
    present: number[],
    gradScale: number | null,
    recon: number[],
    lastGroup: boolean,
  ): number {
    const { k, P, G, cat, sums } = this;
    if (this.runner) this.runner.forward(mask, rows, gradScale, sums);
    else for (const i of present) sums[i] = this.forwardView(i, rows, gradScale);
    for (const i of present) recon[i] += sums[i];
    const DS = this.prior.width(present);
    this.moveBlocks(present, rows, (v) => [v.mu, cat.mu], true);
    this.moveBlocks(present, rows, (v) => [v.lv, cat.lv], true);
    if (gradScale === null) this.prior.kl(P, rows, present, cat.mu, cat.lv, this.kl, null);
    else {
      k.heap.view(cat.dmu, rows * DS).fill(0);
      k.heap.view(cat.dlv, rows * DS).fill(0);
      const g = { G, dmu: cat.dmu, dlv: cat.dlv, scale: beta * gradScale };
      this.prior.kl(P, rows, present, cat.mu, cat.lv, this.kl, g);
      this.moveBlocks(present, rows, (v) => [v.dmu, cat.dmu], false);
      this.moveBlocks(present, rows, (v) => [v.dlv, cat.dlv], false);
      // G is zeroed per step: after the step's last rows it is whole.
      if (this.runner) this.runner.backward(mask, rows, this.adds, lastGroup);
      else for (const i of present) this.backwardView(i, rows, /* adds */ true);
    }
    let kl = 0;
    for (const x of k.heap.view(this.kl, rows)) kl += x;
    return kl;
  }

  /**
   * Between each present view's buffer (rows × its latent) and its columns
   * of a joint buffer (rows × the present latents side by side, in view
   * order), as the factor prior's KL takes them: into the joint buffer
   * (μ, log σ²), or back out of it (their gradients). `pair` names the two
   * buffers: the view's own and the joint one.
   */
  private moveBlocks(
    present: number[],
    rows: number,
    pair: (v: ViewVae) => [number, number],
    intoJoint: boolean,
  ): void {
    const heap = this.k.heap,
      DS = this.prior.width(present);
    let col = 0;
    for (const i of present) {
      const v = this.views[i],
        n = v.latent,
        [own, joint] = pair(v);
      const mine = heap.view(own, rows * n),
        all = heap.view(joint, rows * DS);
      for (let r = 0; r < rows; r++) {
        if (intoJoint) all.set(mine.subarray(r * n, (r + 1) * n), r * DS + col);
        else mine.set(all.subarray(r * DS + col, r * DS + col + n), r * n);
      }
      col += n;
    }
  }

  /**
   * View i's half of a step before the KL (ViewVae.forward); returns its reconstruction sum.
   * @internal the engine's: `i` indexes `views` (view i + 1)
   */
  forwardView(i: number, rows: number, gradScale: number | null): number {
    return this.views[i].forward(this.P, this.G, rows, gradScale);
  }

  /**
   * View i's half after the KL (ViewVae.backward); G is zeroed per step, so it adds to it.
   * @internal the engine's: `i` indexes `views` (view i + 1)
   */
  backwardView(i: number, rows: number, adds: boolean): void {
    this.views[i].backward(this.P, this.G, rows, adds);
  }

  /** Σ of the prior (D×D, blocks in view order) for the current parameters. */
  priorCovariance(): Float64Array {
    this.prior.prepare(this.P);
    return this.prior.covariance();
  }

  /**
   * A Gaussian view's per-feature log-variance of p(x_i | z_i); null for a Bernoulli view.
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

  /** Every view present: the mask of a complete row. */
  get fullMask(): number {
    return allViews(this.m);
  }
}
