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
import { ADAM_DEFAULTS, type AdamConfig } from './adam.ts';
import type { BetaSchedule } from './beta.ts';
import { EpochLoop, type EpochRecordOf, type TrainOptions, type TrainStateOf } from './trainer.ts';

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

export type MultiEpochRecord = EpochRecordOf<MultiLossSummary>;

/** Where a run stands: as the two-view TrainState, with M-view loss sums. */
export type MultiTrainState = TrainStateOf<MultiTermSums, MultiLossSummary>;

export const multiMeans = (t: MultiTermSums): MultiLossSummary => ({
  recon: t.recon.map((s, i) => (t.counts[i] ? s / t.counts[i] : 0)),
  kl: t.kl / t.rows,
});

/** The options a run keeps (fixed for its life but lr, which a resume may change): the two-view run's. */
export type MultiTrainOptions = TrainOptions;

/**
 * Epochs of an M-view model on `train` (and the held-out loss on `test`
 * after each): the two-view loop over MultiTermSums. The model's weights
 * and the stream's state are the caller's (see init); every draw comes
 * from the stream in state.rng.
 */
export class MultiTrainer extends EpochLoop<MultiJpvae, MultiViewData, MultiTermSums, MultiLossSummary> {
  /** A new run: LeCun weights from the seed's stream, which training then continues. */
  init(): void {
    const rng = new Rng(this.options.seed);
    this.model.initParams(rng);
    this.state = { epoch: 0, step: 0, rng: rng.state(), history: [] };
  }

  protected zeroTerms(): MultiTermSums {
    return zeroMultiTerms(this.model.m);
  }
  protected addTerms = addMultiTerms;
  protected reconSums = (t: MultiTermSums) => t.recon;
  protected means = multiMeans;
  protected evaluate(data: MultiViewData, rng: Rng): MultiLossSummary {
    return evaluateMultiLoss(this.model, data, rng);
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
