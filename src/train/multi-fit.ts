// Training an M-view model (§2.3): Adam on the β-weighted negative ELBO,
// shuffled mini-batches from one seeded stream, per-epoch means. Rows
// with any subset of the views train against that subset's marginal prior
// (MultiJpvae). No checkpoints or resume here: the two-view Trainer has them.

import { forEachBatch } from '../data/dataset.ts';
import type { MultiViewData } from '../data/multi-view.ts';
import { Rng } from '../data/rng.ts';
import { addMultiTerms, zeroMultiTerms, type MultiJpvae, type MultiTermSums } from '../model/multi-jpvae.ts';
import { Adam, ADAM_DEFAULTS, type AdamConfig } from './adam.ts';
import { betaAt, type BetaSchedule } from './beta.ts';
import { DivergenceError } from './trainer.ts';

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
  epoch: number;
  train: MultiLossSummary;
  seconds: number;
}

export const multiMeans = (t: MultiTermSums): MultiLossSummary => ({
  recon: t.recon.map((s, i) => (t.counts[i] ? s / t.counts[i] : 0)),
  kl: t.kl / t.rows,
});

/** Train `model` (initialised from the seed) on data; returns the per-epoch records. */
export function fitMultiView(model: MultiJpvae, data: MultiViewData, o: MultiFitOptions): MultiEpochRecord[] {
  const rng = new Rng(o.seed),
    beta = o.beta ?? { kind: 'constant', value: 1 };
  model.initParams(rng);
  const adam = new Adam(model.k, model.layout.size, o.adam ?? ADAM_DEFAULTS);
  const steps = Math.ceil(data.n / o.batch),
    history: MultiEpochRecord[] = [];
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    const t0 = performance.now(),
      order = rng.permutation(data.n),
      total = zeroMultiTerms(model.m);
    for (let s = 0; s < steps; s++) {
      const idx = order.subarray(s * o.batch, Math.min(data.n, (s + 1) * o.batch));
      const b = betaAt(beta, epoch + s / steps);
      const t = model.lossAndGradient(data, idx, b, rng);
      const l = (t.recon.reduce((a, c) => a + c, 0) + b * t.kl) / t.rows;
      if (!Number.isFinite(l) || !adam.update(model.P, model.G))
        throw new DivergenceError(`training diverged at epoch ${epoch + 1}, step ${s + 1} (loss ${l})`);
      addMultiTerms(total, t);
    }
    const record = { epoch: epoch + 1, train: multiMeans(total), seconds: (performance.now() - t0) / 1000 };
    history.push(record);
    o.onEpoch?.(record);
  }
  return history;
}

/** Loss-term means over a data set, forward only (ε from rng, or the posterior mean without one). */
export function evaluateMultiLoss(model: MultiJpvae, data: MultiViewData, rng: Rng | null): MultiLossSummary {
  const total = zeroMultiTerms(model.m);
  forEachBatch(data.n, model.maxRows, (_, idx) => addMultiTerms(total, model.loss(data, idx, 1, rng)));
  return multiMeans(total);
}
