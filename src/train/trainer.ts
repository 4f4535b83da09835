// The training loop (§2.3): Adam on the β-weighted negative ELBO of Eq. 5,
// shuffled mini-batches, per-epoch history. Every random draw comes from
// one seeded stream whose state is saved at each epoch's end, so a resumed
// run repeats an uninterrupted one bit for bit (same backend, same build).

import { forEachBatch } from '../data/dataset.ts';
import type { ViewData } from '../data/view-data.ts';
import { Rng } from '../data/rng.ts';
import type { Jpvae } from '../model/jpvae.ts';
import { Adam, ADAM_DEFAULTS, type AdamConfig } from './adam.ts';
import { betaAt, formatBeta, parseBeta, type BetaSchedule } from './beta.ts';
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

/** A resumed run's options: the saved ones (Trainer.saved), but `epochs` in total and `lr` when given. */
export function resumedOptions(saved: Omit<SavedOptions, 'backend'>, o: { epochs: number; lr?: number }): TrainOptions {
  return {
    epochs: o.epochs,
    batch: saved.batch,
    beta: parseBeta(saved.beta),
    seed: saved.seed,
    adam: { ...ADAM_DEFAULTS, lr: o.lr ?? saved.lr },
  };
}

/** One epoch of a run's history. */
export interface EpochRecord {
  epoch: number; // 1-based
  beta: number; // at the epoch's end
  train: LossSummary & { loss: number }; // running means over the epoch's steps; loss includes β
  test?: LossSummary; // the held-out rows, sampled z, β = 1
  seconds: number;
  samplesPerSec: number;
}
/** Where a run stands. */
export interface TrainState {
  epoch: number; // epochs completed
  step: number; // Adam steps taken
  rng: number[]; // the stream at the start of the next epoch (or of the partial one)
  history: EpochRecord[];
  /** An epoch stopped part way (Ctrl-C): where it stood, so that resuming continues it exactly. */
  partial?: { steps: number; rng: number[]; totals: TermSums; lossSum: number; seconds: number };
}

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

/** Per-row means: each view's reconstruction over the rows that have it, the KL over all rows. */
export interface LossSummary {
  recon: number[];
  kl: number;
  /** Evidence lower bound per row (β = 1): −(Σ recon + kl); with missing views, a sum of per-view means. */
  elbo: number;
}

export function meanTerms(t: TermSums): LossSummary {
  const recon = t.recon.map((s, i) => (t.counts[i] ? s / t.counts[i] : 0)),
    kl = t.kl / t.rows;
  return { recon, kl, elbo: -(recon.reduce((a, b) => a + b, 0) + kl) };
}

/** Loss-term means over a data set, forward only, in batches of the model's buffer size: z sampled once per row from rng (the paper's protocol), or the posterior mean without one. */
export function evaluateLoss(model: Jpvae, data: ViewData, rng: Rng | null): LossSummary {
  const total = zeroTerms(model.m);
  forEachBatch(data.n, model.maxRows, (_, idx) => addTerms(total, model.loss(data, idx, 1, rng)));
  return meanTerms(total);
}

/**
 * The training loop: epochs of shuffled mini-batches from the stream in
 * state.rng (a new run's weights and stream are the caller's: see
 * api/training.ts), the held-out loss after each epoch.
 */
export class Trainer<M extends Jpvae = Jpvae> {
  readonly adam: Adam;
  state: TrainState;

  constructor(
    readonly model: M,
    readonly options: TrainOptions,
    readonly train: ViewData,
    readonly test?: ViewData,
  ) {
    this.adam = new Adam(model.k, model.layout.size, options.adam);
    this.state = { epoch: 0, step: 0, rng: new Rng(options.seed).state(), history: [] };
  }

  /** A new run: LeCun weights from Rng(seed), and the loop's stream a seed apart from the initialisation's. */
  init(): void {
    this.model.initParams(new Rng(this.options.seed));
    this.state = { epoch: 0, step: 0, rng: new Rng(this.options.seed + 0x9e3779b9).state(), history: [] };
  }

  /** model.json's training record: the options (and the backend) and where the run stands. */
  saved(): { options: SavedOptions; state: TrainState } {
    const o = this.options;
    return {
      options: { batch: o.batch, beta: formatBeta(o.beta), seed: o.seed, lr: o.adam.lr, backend: this.model.k.name },
      state: this.state,
    };
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
  async runEpoch(onStep?: (s: StepInfo) => void, shouldStop?: () => boolean): Promise<EpochRecord | null> {
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
  runEpochSync(onStep?: (s: StepInfo) => void): EpochRecord {
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
      total: partial ? structuredClone(partial.totals) : zeroTerms(this.model.m),
      lossSum: partial?.lossSum ?? 0,
      t0: performance.now() - 1000 * (partial?.seconds ?? 0),
    };
  }

  private step(e: ReturnType<Trainer['begin']>, s: number, onStep?: (s: StepInfo) => void): void {
    const { model, options, train } = this;
    const idx = e.order.subarray(s * options.batch, Math.min(train.n, (s + 1) * options.batch));
    const beta = betaAt(options.beta, e.epoch + s / e.steps);
    const t = model.lossAndGradient(train, idx, beta, e.rng);
    const recon = t.recon;
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
    addTerms(e.total, t);
    e.lossSum += l * t.rows;
    onStep?.({ epoch: e.epoch + 1, step: s + 1, stepsPerEpoch: e.steps, rows: t.rows, loss: l });
  }

  private pause(e: ReturnType<Trainer['begin']>, steps: number): null {
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

  private finish(e: ReturnType<Trainer['begin']>): EpochRecord {
    const { model, options } = this;
    const seconds = (performance.now() - e.t0) / 1000;
    if (!model.params().every(Number.isFinite))
      throw new DivergenceError(
        `training diverged: parameters hold NaN/Inf after epoch ${e.epoch + 1}; the last checkpoint is kept`,
      );
    const record: EpochRecord = {
      epoch: e.epoch + 1,
      beta: betaAt(options.beta, e.epoch + 1),
      train: { ...meanTerms(e.total), loss: e.lossSum / e.total.rows },
      test: this.test ? evaluateLoss(model, this.test, new Rng(options.seed ^ (0x5eed0000 + e.epoch))) : undefined,
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

/** How fitModel trains: the loop's options, β constant 1 and Adam's defaults unless given. */
export interface FitModelOptions {
  epochs: number;
  batch: number;
  seed: number;
  beta?: BetaSchedule;
  adam?: AdamConfig;
  /** Called after each epoch with its record. */
  onEpoch?: (r: EpochRecord) => void;
}

/** Train `model` (initialised from the seed) on data, synchronously (scripts, tests); returns the per-epoch records. */
export function fitModel(model: Jpvae, data: ViewData, o: FitModelOptions): EpochRecord[] {
  const beta = o.beta ?? { kind: 'constant', value: 1 };
  const trainer = new Trainer(model, { ...o, beta, adam: o.adam ?? ADAM_DEFAULTS }, data);
  trainer.init();
  while (trainer.state.epoch < o.epochs) {
    const record = trainer.runEpochSync(); // (not inside o.onEpoch?.(…): without a callback it would never run)
    o.onEpoch?.(record);
  }
  return trainer.state.history;
}
