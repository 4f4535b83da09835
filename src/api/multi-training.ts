// An M-view training run, the recipe both `jpvae train --view …` and
// fitViews() follow (as api/training.ts is for two views): a model built
// from its config, LeCun initialisation from the seed's stream, which the
// trainer then continues, epochs run one at a time (each can be
// checkpointed), and after the last one the latent fit on the training
// rows that imputation uses (§2.7 over blocks). A run resumed from a
// checkpoint's files continues the uninterrupted run bit for bit.

import { createKernels, type BackendChoice } from '../core/index.ts';
import type { MultiViewData } from '../data/multi-view.ts';
import { InputError } from '../errors.ts';
import { fitMultiLatent, type MultiLatentFit } from '../impute/multi-impute.ts';
import { MultiJpvae, type MultiViewConfig } from '../model/multi-jpvae.ts';
import { fileOf, MODEL_JSON, type ModelFiles } from '../store/files.ts';
import {
  decodeMultiTrainState,
  decodeMultiWeights,
  encodeMultiModel,
  parseMultiModelJson,
  type MultiDataRecord,
} from '../store/multi-files.ts';
import { MultiTrainer, type MultiEpochRecord, type MultiTrainOptions } from '../train/multi-fit.ts';
import { resumedOptions, type StepInfo } from '../train/trainer.ts';
import { planThreads, RunThreads } from '../threads/plan.ts';

/** The rows a run trains on, and the held-out rows it reports each epoch. */
export interface MultiSplits {
  train: MultiViewData;
  test?: MultiViewData;
}

export class MultiTraining {
  private latentFit?: MultiLatentFit;

  private constructor(
    readonly model: MultiJpvae,
    readonly trainer: MultiTrainer,
    private readonly data: MultiDataRecord,
    private readonly onThreads: RunThreads,
  ) {}

  /** A new model: `data` is model.json's record of where the rows came from. `threads`: see planThreads (the weights do not depend on it). */
  static start(
    config: MultiViewConfig,
    options: MultiTrainOptions,
    splits: MultiSplits,
    data: MultiDataRecord,
    backend: BackendChoice = 'wasm',
    threads = 1,
  ): MultiTraining {
    const plan = planThreads(backend, threads);
    const model = new MultiJpvae(createKernels(backend, { threads: plan.threads > 1 }), config, options.batch);
    const trainer = new MultiTrainer(model, options, splits.train, splits.test);
    trainer.init();
    return new MultiTraining(model, trainer, data, new RunThreads(plan));
  }

  /** Continue the run saved in `files` to `epochs` in total; lr may be changed (the run then no longer repeats an uninterrupted one). */
  static resume(
    files: ModelFiles,
    splits: MultiSplits,
    o: { epochs: number; lr?: number; backend?: BackendChoice; threads?: number },
    where: string,
  ): MultiTraining {
    const json = parseMultiModelJson(fileOf(files, MODEL_JSON, where, 'text'), `${where}/${MODEL_JSON}`);
    if (!json.files.trainState)
      throw new InputError(`${where}: the model was saved without its optimiser state; it cannot be trained on`);
    const options = resumedOptions(json.training.options, o);
    if (splits.train.n !== json.data.trainRows)
      throw new InputError(`${where}: trained on ${json.data.trainRows} rows, but ${splits.train.n} are given`);
    const plan = planThreads(o.backend ?? 'wasm', o.threads ?? 1);
    const model = new MultiJpvae(
      createKernels(o.backend ?? 'wasm', { threads: plan.threads > 1 }),
      json.config,
      options.batch,
    );
    const trainer = new MultiTrainer(model, options, splits.train, splits.test);
    decodeMultiWeights(fileOf(files, json.files.weights.name, where, 'bytes'), json, model, where);
    decodeMultiTrainState(fileOf(files, json.files.trainState.name, where, 'bytes'), json, trainer.adam, where);
    trainer.state = json.training.state;
    if (trainer.state.epoch >= o.epochs)
      throw new InputError(
        `epochs ${o.epochs}: the model in ${where} has already trained ${trainer.state.epoch} epochs`,
      );
    return new MultiTraining(model, trainer, json.data, new RunThreads(plan));
  }

  get epochs(): number {
    return this.trainer.options.epochs;
  }
  get done(): boolean {
    return this.trainer.state.epoch >= this.epochs;
  }
  /** Threads the steps run on (see planThreads), and why fewer than asked for, when so. */
  get threads(): number {
    return this.onThreads.threads;
  }
  get threadsWarning(): string | undefined {
    return this.onThreads.warning;
  }

  /** The next epoch (see MultiTrainer.runEpoch); after the last, the latent fit on the training rows. */
  async runEpoch(onStep?: (s: StepInfo) => void, shouldStop?: () => boolean): Promise<MultiEpochRecord | null> {
    return this.onThreads.run(
      this.model,
      this.trainer.adam,
      async () => {
        const record = await this.trainer.runEpoch(onStep, shouldStop);
        if (record && this.done) this.latentFit = fitMultiLatent(this.model, this.trainer.train);
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
    return encodeMultiModel(
      this.model,
      { data: this.data, training: this.trainer.saved(), latentFit: this.latentFit },
      this.trainer.adam,
    );
  }
}
