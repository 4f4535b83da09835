// Training an M-view model (§2.3): Adam on the β-weighted negative ELBO,
// shuffled mini-batches from one seeded stream, per-epoch means. Rows
// with any subset of the views train against that subset's marginal prior
// (MultiJpvae). As the two-view Trainer: the stream's state is saved at
// each epoch's end (and where a stopped epoch stood), so a resumed run
// repeats an uninterrupted one bit for bit.

import { forEachBatch } from '../data/dataset.ts';
import type { MultiViewData } from '../data/multi-view.ts';
import { Rng } from '../data/rng.ts';
import { addMultiTerms, zeroMultiTerms, type MultiJpvae, type MultiTermSums } from '../model/multi-jpvae.ts';
import { Adam, ADAM_DEFAULTS, type AdamConfig } from './adam.ts';
import { betaAt, type BetaSchedule } from './beta.ts';
import { nextTurn } from './next-turn.ts';
import { DivergenceError, type StepInfo, type TrainOptions } from './trainer.ts';

export interface MultiFitOptions {
  epochs: number;
  batch: number;
  seed: number;
  beta?: BetaSchedule; // default: constant 1
  adam?: AdamConfig;
  /** Called after each epoch with its record. */
  onEpoch?: (r: MultiEpochRecord) => void;
}

/** Per-row means: each view's reconstruction over the rows that have it, the KL over all rows. */
export interface MultiLossSummary {
  recon: number[];
  kl: number;
}

export interface MultiEpochRecord {
  epoch: number; // 1-based
  beta: number; // at the epoch's end
  train: MultiLossSummary & { loss: number }; // running means over the epoch's steps; loss includes β
  test?: MultiLossSummary; // the held-out rows, sampled z, β = 1
  seconds: number;
  samplesPerSec: number;
}

/** Where a run stands: as the two-view TrainState, with M-view loss sums. */
export interface MultiTrainState {
  epoch: number; // epochs completed
  step: number; // Adam steps taken
  rng: number[]; // the stream at the start of the next epoch (or of the partial one)
  history: MultiEpochRecord[];
  /** An epoch stopped part way: where it stood, so that resuming continues it exactly. */
  partial?: { steps: number; rng: number[]; totals: MultiTermSums; lossSum: number; seconds: number };
}

export const multiMeans = (t: MultiTermSums): MultiLossSummary => ({
  recon: t.recon.map((s, i) => (t.counts[i] ? s / t.counts[i] : 0)),
  kl: t.kl / t.rows,
});

/** The options a run keeps (fixed for its life but lr, which a resume may change): the two-view run's. */
export type MultiTrainOptions = TrainOptions;

/**
 * Epochs of an M-view model on `train` (and the held-out loss on `test`
 * after each). The model's weights and the stream's state are the caller's
 * (see initMultiTrainer); every draw comes from the stream in state.rng.
 */
export class MultiTrainer {
  readonly adam: Adam;
  state: MultiTrainState;

  constructor(
    readonly model: MultiJpvae,
    readonly options: MultiTrainOptions,
    readonly train: MultiViewData,
    readonly test?: MultiViewData,
  ) {
    this.adam = new Adam(model.k, model.layout.size, options.adam);
    this.state = { epoch: 0, step: 0, rng: new Rng(options.seed).state(), history: [] };
  }

  get stepsPerEpoch(): number {
    return Math.ceil(this.train.n / this.options.batch);
  }

  /** A new run: LeCun weights from the seed's stream, which training then continues. */
  init(): void {
    const rng = new Rng(this.options.seed);
    this.model.initParams(rng);
    this.state = { epoch: 0, step: 0, rng: rng.state(), history: [] };
  }

  /**
   * One epoch (or the rest of a partial one); returns its record. `onStep`
   * sees every step; every 8 steps the event loop gets a turn, and when
   * `shouldStop` says so the epoch stops there: the state records where
   * (state.partial) and null is returned.
   */
  async runEpoch(onStep?: (s: StepInfo) => void, shouldStop?: () => boolean): Promise<MultiEpochRecord | null> {
    const e = this.begin();
    for (let s = e.from; s < e.steps; s++) {
      this.step(e, s, onStep);
      if (s % 8 === 7 && s + 1 < e.steps) {
        await nextTurn(); // let a Ctrl-C handler, an abort or a worker's messages run
        if (shouldStop?.()) return this.pause(e, s + 1);
      }
    }
    return this.finish(e);
  }

  /** One epoch without turns of the event loop (scripts, tests). */
  runEpochSync(onStep?: (s: StepInfo) => void): MultiEpochRecord {
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
      total: partial ? structuredClone(partial.totals) : zeroMultiTerms(this.model.m),
      lossSum: partial?.lossSum ?? 0,
      t0: performance.now() - 1000 * (partial?.seconds ?? 0),
    };
  }

  private step(e: ReturnType<MultiTrainer['begin']>, s: number, onStep?: (s: StepInfo) => void): void {
    const { model, options, train } = this;
    const idx = e.order.subarray(s * options.batch, Math.min(train.n, (s + 1) * options.batch));
    const beta = betaAt(options.beta, e.epoch + s / e.steps);
    const t = model.lossAndGradient(train, idx, beta, e.rng);
    const l = (t.recon.reduce((a, c) => a + c, 0) + beta * t.kl) / t.rows;
    const where = `epoch ${e.epoch + 1}, step ${s + 1}`;
    if (!Number.isFinite(l))
      throw new DivergenceError(
        `training diverged: loss is ${l} at ${where} (recon sums ${t.recon.join(', ')}, KL sum ${t.kl}); the last checkpoint is kept`,
      );
    if (!this.adam.update(model.P, model.G))
      throw new DivergenceError(
        `training diverged: a gradient is NaN or infinite at ${where} (loss ${l}); the last checkpoint is kept`,
      );
    addMultiTerms(e.total, t);
    e.lossSum += l * t.rows;
    onStep?.({ epoch: e.epoch + 1, step: s + 1, stepsPerEpoch: e.steps, rows: t.rows, loss: l });
  }

  private pause(e: ReturnType<MultiTrainer['begin']>, steps: number): null {
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

  private finish(e: ReturnType<MultiTrainer['begin']>): MultiEpochRecord {
    const { model, options } = this;
    const seconds = (performance.now() - e.t0) / 1000;
    if (!model.params().every(Number.isFinite))
      throw new DivergenceError(
        `training diverged: parameters hold NaN/Inf after epoch ${e.epoch + 1}; the last checkpoint is kept`,
      );
    const record: MultiEpochRecord = {
      epoch: e.epoch + 1,
      beta: betaAt(options.beta, e.epoch + 1),
      train: { ...multiMeans(e.total), loss: e.lossSum / e.total.rows },
      test: this.test ? evaluateMultiLoss(model, this.test, new Rng(options.seed ^ (0x5eed0000 + e.epoch))) : undefined,
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

/** Train `model` (initialised from the seed) on data, synchronously; returns the per-epoch records. */
export function fitMultiView(model: MultiJpvae, data: MultiViewData, o: MultiFitOptions): MultiEpochRecord[] {
  const trainer = new MultiTrainer(
    model,
    {
      epochs: o.epochs,
      batch: o.batch,
      seed: o.seed,
      beta: o.beta ?? { kind: 'constant', value: 1 },
      adam: o.adam ?? ADAM_DEFAULTS,
    },
    data,
  );
  trainer.init();
  while (trainer.state.epoch < o.epochs) {
    const record = trainer.runEpochSync(); // (not inside o.onEpoch?.(…): without a callback it would never run)
    o.onEpoch?.(record);
  }
  return trainer.state.history;
}

/** Loss-term means over a data set, forward only (ε from rng, or the posterior mean without one). */
export function evaluateMultiLoss(model: MultiJpvae, data: MultiViewData, rng: Rng | null): MultiLossSummary {
  const total = zeroMultiTerms(model.m);
  forEachBatch(data.n, model.maxRows, (_, idx) => addMultiTerms(total, model.loss(data, idx, 1, rng)));
  return multiMeans(total);
}
