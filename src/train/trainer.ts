// The training loop (§2.3): Adam on the β-weighted negative ELBO of Eq. 5,
// shuffled mini-batches, per-epoch history. Every random draw comes from
// one seeded stream whose state is saved at each epoch's end, so a resumed
// run repeats an uninterrupted one bit for bit (same backend, same build).

import type { TwoViewData } from '../data/dataset.ts';
import { Rng } from '../data/rng.ts';
import type { Jpvae } from '../model/jpvae.ts';
import { Adam, type AdamConfig } from './adam.ts';
import { betaAt, formatBeta, type BetaSchedule } from './beta.ts';
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
export function savedOptions(o: TrainOptions, backend: string) {
  return { batch: o.batch, beta: formatBeta(o.beta), seed: o.seed, lr: o.adam.lr, backend };
}

export interface EpochRecord {
  epoch: number; // 1-based
  beta: number; // at the epoch's end
  train: LossSummary & { loss: number }; // running means over the epoch's steps; loss includes β
  test?: LossSummary; // sampled z, β = 1
  seconds: number;
  samplesPerSec: number;
}

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

export class Trainer {
  readonly adam: Adam;
  state: TrainState;

  constructor(
    readonly model: Jpvae,
    readonly options: TrainOptions,
    readonly train: TwoViewData,
    readonly test?: TwoViewData,
  ) {
    this.adam = new Adam(model.k, model.layout.size, options.adam);
    this.state = { epoch: 0, step: 0, rng: new Rng(options.seed).state(), history: [] };
  }

  get stepsPerEpoch(): number {
    return Math.ceil(this.train.n / this.options.batch);
  }

  /**
   * One epoch (or the rest of a partial one); returns its record. `onStep`
   * sees every step; every 8 steps the event loop gets a turn, and when
   * `shouldStop` says so the epoch stops there: the state records where
   * (state.partial) and null is returned.
   */
  async runEpoch(onStep?: (s: StepInfo) => void, shouldStop?: () => boolean): Promise<EpochRecord | null> {
    const { model, options, train } = this;
    const epoch = this.state.epoch,
      partial = this.state.partial;
    const rng = Rng.fromState(this.state.rng);
    const order = rng.permutation(train.n); // the epoch's first draws: a partial epoch regenerates the same order
    if (partial) rng.restore(partial.rng);
    const steps = this.stepsPerEpoch;
    const total: TermSums = partial ? { ...partial.totals } : zeroTerms();
    let lossSum = partial?.lossSum ?? 0;
    const t0 = performance.now() - 1000 * (partial?.seconds ?? 0);
    for (let s = partial?.steps ?? 0; s < steps; s++) {
      const idx = order.subarray(s * options.batch, Math.min(train.n, (s + 1) * options.batch));
      const beta = betaAt(options.beta, epoch + s / steps);
      const t = model.lossAndGradient(train, idx, beta, rng);
      const l = (t.recon1 + t.recon2 + beta * t.kl) / t.rows;
      if (!Number.isFinite(l)) {
        throw new DivergenceError(
          `training diverged: loss is ${l} at epoch ${epoch + 1}, step ${s + 1} (recon sums ${t.recon1}, ${t.recon2}, KL sum ${t.kl}); the last checkpoint is kept`,
        );
      }
      if (!this.adam.update(model.P, model.G)) {
        throw new DivergenceError(
          `training diverged: a gradient is NaN or infinite at epoch ${epoch + 1}, step ${s + 1} (loss ${l}); the last checkpoint is kept`,
        );
      }
      addTerms(total, t);
      lossSum += l * t.rows;
      onStep?.({ epoch: epoch + 1, step: s + 1, stepsPerEpoch: steps, rows: t.rows, loss: l });
      if (s % 8 === 7 && s + 1 < steps) {
        await nextTurn(); // let a Ctrl-C handler, an abort or a worker's messages run
        if (shouldStop?.()) {
          this.state = {
            ...this.state,
            step: this.adam.step,
            partial: {
              steps: s + 1,
              rng: rng.state(),
              totals: total,
              lossSum,
              seconds: (performance.now() - t0) / 1000,
            },
          };
          return null;
        }
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    const params = model.params();
    for (let i = 0; i < params.length; i++) {
      if (!Number.isFinite(params[i]))
        throw new DivergenceError(
          `training diverged: parameters hold NaN/Inf after epoch ${epoch + 1}; the last checkpoint is kept`,
        );
    }
    const record: EpochRecord = {
      epoch: epoch + 1,
      beta: betaAt(options.beta, epoch + 1),
      train: { ...meanTerms(total), loss: lossSum / total.rows },
      test: this.test ? evaluateLoss(model, this.test, new Rng(options.seed ^ (0x5eed0000 + epoch))) : undefined,
      seconds,
      samplesPerSec: train.n / seconds,
    };
    this.state = { epoch: epoch + 1, step: this.adam.step, rng: rng.state(), history: [...this.state.history, record] }; // (no partial)
    return record;
  }
}
