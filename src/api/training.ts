// A training run, the recipe that both `jpvae train` and fit() follow: a
// model built from its config, LeCun initialisation from the seed, the
// trainer's stream a seed apart, epochs run one at a time on the threads
// the run gets (each epoch can be checkpointed), and after the last one the
// latent fit on the training rows that imputation uses (§2.7), which goes
// into its checkpoint. A run resumed from a checkpoint's files continues
// the uninterrupted run bit for bit.

import { createKernels, type BackendChoice, type Kernels } from '../core/index.ts';
import type { DataRecord } from '../data/record.ts';
import type { ViewData } from '../data/view-data.ts';
import { InputError } from '../errors.ts';
import { fitLatent, type LatentFit } from '../impute/latent-fit.ts';
import type { ModelConfig } from '../model/config.ts';
import { Jpvae } from '../model/jpvae.ts';
import {
  decodeTrainState,
  decodeWeights,
  encodeModel,
  fileOf,
  filesOf,
  parseModelJson,
  MODEL_JSON,
  type ModelFiles,
} from '../store/files.ts';
import { planThreads, RunThreads } from '../threads/plan.ts';
import { ADAM_DEFAULTS } from '../train/adam.ts';
import { parseBeta } from '../train/beta.ts';
import { resumedOptions, Trainer, type EpochRecord, type StepInfo, type TrainOptions } from '../train/trainer.ts';

/** The rows a run trains on, and the held-out rows it reports each epoch. */
export interface Splits {
  train: ViewData;
  test?: ViewData;
}

/** The run's options fit() takes: the flags of `jpvae train`, with the same defaults. */
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
  /** Called with a one-line warning, e.g. when fewer threads than asked for can be used (default: console.warn). */
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

/**
 * A run's model, built by `build` on kernels for `backend`, and the threads
 * its steps get of the `threads` asked for (see planThreads): on shared
 * memory when more than one.
 */
export function modelOn<M>(
  backend: BackendChoice = 'wasm',
  threads = 1,
  build: (k: Kernels) => M,
): { model: M; onThreads: RunThreads } {
  const plan = planThreads(backend, threads);
  return { model: build(createKernels(backend, { threads: plan.threads > 1 })), onThreads: new RunThreads(plan) };
}

/** How a run saved in a checkpoint goes on: to `epochs` in total; lr, the backend and the threads may be changed. */
export interface ResumeOptions {
  epochs: number;
  lr?: number;
  backend?: BackendChoice;
  threads?: number;
}

/** A resumed run must have epochs left to train. */
export function checkEpochsLeft(trained: number, o: ResumeOptions, where: string): void {
  if (trained >= o.epochs)
    throw new InputError(`epochs ${o.epochs}: the model in ${where} has already trained ${trained} epochs`);
}

export class Training {
  private latentFit?: LatentFit;

  private constructor(
    readonly model: Jpvae,
    readonly trainer: Trainer<Jpvae>,
    private readonly data: DataRecord,
    private readonly onThreads: RunThreads,
  ) {}

  /** A new model: `data` is model.json's record of where the rows came from. `threads`: see planThreads (the weights do not depend on it). */
  static start(
    config: ModelConfig,
    options: TrainOptions,
    splits: Splits,
    data: DataRecord,
    backend: BackendChoice = 'wasm',
    threads = 1,
  ): Training {
    const { model, onThreads } = modelOn(backend, threads, (k) => new Jpvae(k, config, options.batch));
    const trainer = new Trainer(model, options, splits.train, splits.test);
    trainer.init();
    return new Training(model, trainer, data, onThreads);
  }

  /** Continue the run saved in `files` to `epochs` in total; lr may be changed (the run then no longer repeats an uninterrupted one). */
  static resume(files: ModelFiles, splits: Splits, o: ResumeOptions, where: string): Training {
    const json = parseModelJson(fileOf(files, MODEL_JSON, where, 'text'), `${where}/${MODEL_JSON}`);
    if (!json.training) throw new InputError(`${where}: the model has no training state to continue`);
    const names = filesOf(json);
    if (!names.trainState)
      throw new InputError(`${where}: the model was saved without its optimiser state; it cannot be trained on`);
    if (splits.train.n !== json.data.trainRows)
      throw new InputError(`${where}: trained on ${json.data.trainRows} rows, but ${splits.train.n} are given`);
    const options = resumedOptions(json.training.options, o);
    const { model, onThreads } = modelOn(o.backend, o.threads, (k) => new Jpvae(k, json.config, options.batch));
    const trainer = new Trainer(model, options, splits.train, splits.test);
    decodeWeights(fileOf(files, names.weights.name, where, 'bytes'), json, model, where);
    decodeTrainState(fileOf(files, names.trainState.name, where, 'bytes'), json, trainer.adam, where);
    trainer.state = json.training.state;
    checkEpochsLeft(trainer.state.epoch, o, where);
    return new Training(model, trainer, json.data, onThreads);
  }

  /** Threads the steps run on (see planThreads), and why fewer than asked for, when so. */
  get threads(): number {
    return this.onThreads.threads;
  }
  get threadsWarning(): string | undefined {
    return this.onThreads.warning;
  }
  get epochs(): number {
    return this.trainer.options.epochs;
  }
  get done(): boolean {
    return this.trainer.state.epoch >= this.epochs;
  }

  /** The next epoch (see Trainer.runEpoch); after the last, the latent fit. */
  async runEpoch(onStep?: (s: StepInfo) => void, shouldStop?: () => boolean): Promise<EpochRecord | null> {
    return this.onThreads.run(
      this.model,
      this.trainer.adam,
      async () => {
        const record = await this.trainer.runEpoch(onStep, shouldStop);
        if (record && this.done) this.latentFit = fitLatent(this.model, this.trainer.train);
        return record;
      },
      () => this.done,
    );
  }

  /** End the training threads (after the last epoch this happens by itself). */
  async close(): Promise<void> {
    await this.onThreads.close();
  }

  /** The checkpoint: model.json, the weights and the optimiser state. */
  files(): ModelFiles {
    const { data, latentFit } = this;
    return encodeModel(this.model, { data, training: this.trainer.saved(), latentFit }, this.trainer.adam);
  }
}
