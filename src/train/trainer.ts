// The training loop (§2.3): Adam on the β-weighted negative ELBO of Eq. 5,
// shuffled mini-batches, per-epoch history. Every random draw comes from
// one seeded stream whose state is saved at each epoch's end, so a resumed
// run repeats an uninterrupted one bit for bit (same backend, same build).

import type { TwoViewData } from '../data/dataset.ts';
import { Rng } from '../data/rng.ts';
import type { FloatArray } from '../core/heap.ts';
import type { Kernels } from '../core/kernels.ts';
import type { Jpvae } from '../model/jpvae.ts';
import { Adam, ADAM_DEFAULTS, type AdamConfig } from './adam.ts';
import { betaAt, formatBeta, parseBeta, type BetaSchedule } from './beta.ts';
import { evaluateLoss, meanTerms, type LossSummary } from './evaluate.ts';
import { addTerms, zeroTerms, type TermSums } from '../model/loss-terms.ts';
import { nextTurn } from './next-turn.ts';

export interface TrainOptions {
  epochs: number;
  batch: number;
  beta: BetaSchedule;
  seed: number;
  adam: AdamConfig;
}

/** How model.json records a run's options (both models' training.options). */
export type SavedOptions = { batch: number; beta: string; seed: number; lr: number; backend: string };

function savedOptions(o: TrainOptions, backend: string): SavedOptions {
  return { batch: o.batch, beta: formatBeta(o.beta), seed: o.seed, lr: o.adam.lr, backend };
}

/** A resumed run's options: the saved ones (savedOptions), but `epochs` in total and `lr` when given. */
export function resumedOptions(saved: Omit<SavedOptions, 'backend'>, o: { epochs: number; lr?: number }): TrainOptions {
  return {
    epochs: o.epochs,
    batch: saved.batch,
    beta: parseBeta(saved.beta),
    seed: saved.seed,
    adam: { ...ADAM_DEFAULTS, lr: o.lr ?? saved.lr },
  };
}

export interface EpochRecordOf<S> {
  epoch: number; // 1-based
  beta: number; // at the epoch's end
  train: S & { loss: number }; // running means over the epoch's steps; loss includes β
  test?: S; // the held-out rows, sampled z, β = 1
  seconds: number;
  samplesPerSec: number;
}
export type EpochRecord = EpochRecordOf<LossSummary>;

/** Where a run stands; T is the model's loss sums (TermSums, MultiTermSums). */
export interface TrainStateOf<T, S> {
  epoch: number; // epochs completed
  step: number; // Adam steps taken
  rng: number[]; // the stream at the start of the next epoch (or of the partial one)
  history: EpochRecordOf<S>[];
  /** An epoch stopped part way (Ctrl-C): where it stood, so that resuming continues it exactly. */
  partial?: { steps: number; rng: number[]; totals: T; lossSum: number; seconds: number };
}
export type TrainState = TrainStateOf<TermSums, LossSummary>;

export interface StepInfo {
  epoch: number;
  step: number;
  stepsPerEpoch: number;
  rows: number;
  loss: number;
}

export class DivergenceError extends Error {
  override name = 'DivergenceError';
}

/** What the loop asks of a model (Jpvae, MultiJpvae): a flat parameter array and the gradient of a batch. */
export interface TrainableModel<D, T> {
  readonly k: Kernels;
  readonly layout: { readonly size: number };
  readonly P: number;
  readonly G: number;
  params(): FloatArray;
  lossAndGradient(data: D, rows: Uint32Array, beta: number, rng: Rng): T;
}

/** A batch's sums: the KL and the row count (each model adds its views' reconstruction sums). */
interface Sums {
  kl: number;
  rows: number;
}

/**
 * The training loop over any model's loss terms: the two-view Trainer
 * below and the M-view MultiTrainer (multi-fit.ts) differ only in how
 * their sums are zeroed, added, listed and averaged.
 */
export abstract class EpochLoop<M extends TrainableModel<D, T>, D extends { n: number }, T extends Sums, S> {
  readonly adam: Adam;
  state: TrainStateOf<T, S>;

  constructor(
    readonly model: M,
    readonly options: TrainOptions,
    readonly train: D,
    readonly test?: D,
  ) {
    this.adam = new Adam(model.k, model.layout.size, options.adam);
    this.state = { epoch: 0, step: 0, rng: new Rng(options.seed).state(), history: [] };
  }

  protected abstract zeroTerms(): T;
  protected abstract addTerms(into: T, t: T): void;
  /** Each view's reconstruction sum. */
  protected abstract reconSums(t: T): number[];
  protected abstract means(t: T): S;
  /** The loss summary of `data`, forward only, z sampled from rng. */
  protected abstract evaluate(data: D, rng: Rng): S;

  /** model.json's training record: the options (and the backend) and where the run stands. */
  saved() {
    return { options: savedOptions(this.options, this.model.k.name), state: this.state };
  }

  get stepsPerEpoch(): number {
    return Math.ceil(this.train.n / this.options.batch);
  }

  /**
   * One epoch (or the rest of a partial one); returns its record. `onStep`
   * sees every step; after each step the event loop gets a turn, and when
   * `shouldStop` then says so the epoch stops there: the state records
   * where (state.partial) and null is returned. After the last step the
   * epoch ends as usual (the caller checks before the next one).
   */
  async runEpoch(onStep?: (s: StepInfo) => void, shouldStop?: () => boolean): Promise<EpochRecordOf<S> | null> {
    const e = this.begin();
    for (let s = e.from; s < e.steps; s++) {
      this.step(e, s, onStep);
      // A turn after every step (a step takes milliseconds, a turn microseconds), so that a Ctrl-C
      // handler, an abort or a worker's messages run however few steps an epoch has.
      await nextTurn();
      if (s + 1 < e.steps && shouldStop?.()) return this.pause(e, s + 1);
    }
    return this.finish(e);
  }

  /** One epoch without turns of the event loop (scripts, tests). */
  runEpochSync(onStep?: (s: StepInfo) => void): EpochRecordOf<S> {
    const e = this.begin();
    for (let s = e.from; s < e.steps; s++) this.step(e, s, onStep);
    return this.finish(e);
  }

  private begin() {
    const rng = Rng.fromState(this.state.rng),
      partial = this.state.partial;
    const order = rng.permutation(this.train.n); // the epoch's first draws: a partial epoch regenerates the same order
    if (partial) rng.restore(partial.rng);
    return {
      epoch: this.state.epoch,
      rng,
      order,
      steps: this.stepsPerEpoch,
      from: partial?.steps ?? 0,
      total: partial ? structuredClone(partial.totals) : this.zeroTerms(),
      lossSum: partial?.lossSum ?? 0,
      t0: performance.now() - 1000 * (partial?.seconds ?? 0),
    };
  }

  private step(e: ReturnType<EpochLoop<M, D, T, S>['begin']>, s: number, onStep?: (s: StepInfo) => void): void {
    const { model, options, train } = this;
    const idx = e.order.subarray(s * options.batch, Math.min(train.n, (s + 1) * options.batch));
    const beta = betaAt(options.beta, e.epoch + s / e.steps);
    const t = model.lossAndGradient(train, idx, beta, e.rng);
    const recon = this.reconSums(t);
    const l = (recon.reduce((a, c) => a + c) + beta * t.kl) / t.rows;
    const where = `epoch ${e.epoch + 1}, step ${s + 1}`;
    if (!Number.isFinite(l))
      throw new DivergenceError(
        `training diverged: loss is ${l} at ${where} (recon sums ${recon.join(', ')}, KL sum ${t.kl}); the last checkpoint is kept`,
      );
    if (!this.adam.update(model.P, model.G))
      throw new DivergenceError(
        `training diverged: a gradient is NaN or infinite at ${where} (loss ${l}); the last checkpoint is kept`,
      );
    this.addTerms(e.total, t);
    e.lossSum += l * t.rows;
    onStep?.({ epoch: e.epoch + 1, step: s + 1, stepsPerEpoch: e.steps, rows: t.rows, loss: l });
  }

  private pause(e: ReturnType<EpochLoop<M, D, T, S>['begin']>, steps: number): null {
    this.state = {
      ...this.state,
      step: this.adam.step,
      partial: {
        steps,
        rng: e.rng.state(),
        totals: e.total,
        lossSum: e.lossSum,
        seconds: (performance.now() - e.t0) / 1000,
      },
    };
    return null;
  }

  private finish(e: ReturnType<EpochLoop<M, D, T, S>['begin']>): EpochRecordOf<S> {
    const { model, options } = this;
    const seconds = (performance.now() - e.t0) / 1000;
    if (!model.params().every(Number.isFinite))
      throw new DivergenceError(
        `training diverged: parameters hold NaN/Inf after epoch ${e.epoch + 1}; the last checkpoint is kept`,
      );
    const record: EpochRecordOf<S> = {
      epoch: e.epoch + 1,
      beta: betaAt(options.beta, e.epoch + 1),
      train: { ...this.means(e.total), loss: e.lossSum / e.total.rows },
      test: this.test ? this.evaluate(this.test, new Rng(options.seed ^ (0x5eed0000 + e.epoch))) : undefined,
      seconds,
      samplesPerSec: this.train.n / seconds,
    };
    this.state = {
      epoch: e.epoch + 1,
      step: this.adam.step,
      rng: e.rng.state(),
      history: [...this.state.history, record],
    }; // (no partial)
    return record;
  }
}

/** The two-view loop: Jpvae's TermSums. */
export class Trainer extends EpochLoop<Jpvae, TwoViewData, TermSums, LossSummary> {
  protected zeroTerms = zeroTerms;
  protected addTerms = addTerms;
  protected reconSums = (t: TermSums) => [t.recon1, t.recon2];
  protected means = meanTerms;
  protected evaluate(data: TwoViewData, rng: Rng): LossSummary {
    return evaluateLoss(this.model, data, rng);
  }
}
