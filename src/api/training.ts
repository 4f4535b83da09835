// A training run, the recipe that both `jpvae train` and fit() follow: a
// model built from its config, LeCun initialisation from the seed, the
// trainer's stream a seed apart, epochs run one at a time (each can be
// checkpointed), and after the last one the latent fit on the training
// rows that imputation uses (§2.7). A run resumed from a checkpoint's
// files continues the uninterrupted run bit for bit.

import type { BackendChoice } from '../core/index.ts';
import type { TwoViewData } from '../data/dataset.ts';
import { Rng } from '../data/rng.ts';
import { completeRows } from '../data/views.ts';
import { InputError } from '../errors.ts';
import { fitLatent, type LatentFit } from '../impute/conditional.ts';
import type { ModelConfig } from '../model/config.ts';
import {
  decodeTrainState,
  decodeWeights,
  encodeModel,
  fileOf,
  filesOf,
  parseModelJson,
  MODEL_JSON,
  TRAIN_STATE,
  type ModelFiles,
} from '../store/files.ts';
import { Jpvae } from '../model/jpvae.ts';
import { ADAM_DEFAULTS } from '../train/adam.ts';
import { parseBeta } from '../train/beta.ts';
import { resumedOptions, Trainer, type SavedOptions, type EpochRecord, type TrainOptions } from '../train/trainer.ts';
import type { RunThreads } from '../threads/plan.ts';
import { checkEpochsLeft, modelOn, TrainingRun, type ResumeOptions } from './training-run.ts';

export interface Splits {
  train: TwoViewData;
  test?: TwoViewData;
}

/** The run's options fit() and fitViews() share: the flags of `jpvae train`, with the same defaults. */
export interface RunOptions {
  holdout?: number; // the last fraction of rows held out for evaluation (default 0.1)
  epochs?: number; // default 30
  batch?: number; // default 32
  lr?: number; // default 1e-3
  beta?: string; // constant[:B] | linear:E | cyclical:E (default constant:1)
  seed?: number; // default 1
  backend?: BackendChoice; // default 'wasm'
  /** Threads per training step (default: the cores available; the weights are the same for any number). */
  threads?: number;
  /** Called with a one-line warning, e.g. when fewer threads than asked for can be used (default: none). */
  onWarning?: (message: string) => void;
  /** Aborting stops training at the next turn of the event loop; the fit then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** The trainer's options of `o`. */
export function trainOptionsOf(o: RunOptions): TrainOptions {
  return {
    epochs: o.epochs ?? 30,
    batch: o.batch ?? 32,
    beta: parseBeta(o.beta ?? 'constant:1'),
    seed: o.seed ?? 1,
    adam: { ...ADAM_DEFAULTS, lr: o.lr ?? ADAM_DEFAULTS.lr },
  };
}

/** The fraction of rows `o` holds out, checked. */
export function holdoutOf(o: RunOptions): number {
  const holdout = o.holdout ?? 0.1;
  if (!(holdout >= 0 && holdout < 1))
    throw new InputError(`holdout: expected a fraction from 0 to below 1, got ${holdout}`);
  return holdout;
}

export class Training extends TrainingRun<Jpvae, Trainer, EpochRecord, LatentFit> {
  private constructor(
    model: Jpvae,
    trainer: Trainer,
    private readonly data: Record<string, unknown>,
    onThreads: RunThreads,
  ) {
    super(model, trainer, onThreads);
  }

  /** A new model: `data` is model.json's record of where the rows came from. `threads`: see planThreads (the weights do not depend on it). */
  static start(
    config: ModelConfig,
    options: TrainOptions,
    splits: Splits,
    data: Record<string, unknown>,
    backend: BackendChoice = 'wasm',
    threads = 1,
  ): Training {
    const { model, onThreads } = modelOn(backend, threads, (k) => new Jpvae(k, config, options.batch));
    const trainer = new Trainer(model, options, splits.train, splits.test);
    model.initParams(new Rng(options.seed));
    trainer.state.rng = new Rng(options.seed + 0x9e3779b9).state(); // a stream apart from the initialisation's
    return new Training(model, trainer, data, onThreads);
  }

  /** Continue the run saved in `files` to `epochs` in total; lr may be changed (the run then no longer repeats an uninterrupted one). */
  static resume(files: ModelFiles, splits: Splits, o: ResumeOptions, where: string): Training {
    const json = parseModelJson(fileOf(files, MODEL_JSON, where, 'text'), `${where}/${MODEL_JSON}`);
    if (!json.training) throw new InputError(`${where}: the model has no training state to continue`);
    const options = resumedOptions(json.training.options as SavedOptions, o);
    const { model, onThreads } = modelOn(o.backend, o.threads, (k) => new Jpvae(k, json.config, options.batch));
    const trainer = new Trainer(model, options, splits.train, splits.test);
    const names = filesOf(json);
    decodeWeights(fileOf(files, names.weights.name, where, 'bytes'), json, model, where);
    decodeTrainState(fileOf(files, names.trainState?.name ?? TRAIN_STATE, where, 'bytes'), json, trainer.adam, where);
    trainer.state = json.training.state;
    checkEpochsLeft(trainer.state.epoch, o, where);
    return new Training(model, trainer, json.data, onThreads);
  }

  protected fitLatent(): LatentFit {
    return fitLatent(this.model, completeRows(this.trainer.train));
  }

  protected checkpoint(latentFit: LatentFit | undefined): ModelFiles {
    return encodeModel(this.model, { data: this.data, training: this.trainer.saved(), latentFit }, this.trainer.adam);
  }
}
