// An M-view training run, the recipe both `jpvae train --view …` and
// fitViews() follow (as api/training.ts is for two views): a model built
// from its config, LeCun initialisation from the seed's stream, which the
// trainer then continues, epochs run one at a time (each can be
// checkpointed), and after the last one the latent fit on the training
// rows that imputation uses (§2.7 over blocks). A run resumed from a
// checkpoint's files continues the uninterrupted run bit for bit.

import type { BackendChoice } from '../core/index.ts';
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
import { resumedOptions } from '../train/trainer.ts';
import type { RunThreads } from '../threads/plan.ts';
import { checkEpochsLeft, modelOn, TrainingRun, type ResumeOptions } from './training-run.ts';

/** The rows a run trains on, and the held-out rows it reports each epoch. */
export interface MultiSplits {
  train: MultiViewData;
  test?: MultiViewData;
}

export class MultiTraining extends TrainingRun<MultiJpvae, MultiTrainer, MultiEpochRecord, MultiLatentFit> {
  private constructor(
    model: MultiJpvae,
    trainer: MultiTrainer,
    private readonly data: MultiDataRecord,
    onThreads: RunThreads,
  ) {
    super(model, trainer, onThreads);
  }

  /** A new model: `data` is model.json's record of where the rows came from. `threads`: see planThreads (the weights do not depend on it). */
  static start(
    config: MultiViewConfig,
    options: MultiTrainOptions,
    splits: MultiSplits,
    data: MultiDataRecord,
    backend: BackendChoice = 'wasm',
    threads = 1,
  ): MultiTraining {
    const { model, onThreads } = modelOn(backend, threads, (k) => new MultiJpvae(k, config, options.batch));
    const trainer = new MultiTrainer(model, options, splits.train, splits.test);
    trainer.init();
    return new MultiTraining(model, trainer, data, onThreads);
  }

  /** Continue the run saved in `files` to `epochs` in total; lr may be changed (the run then no longer repeats an uninterrupted one). */
  static resume(files: ModelFiles, splits: MultiSplits, o: ResumeOptions, where: string): MultiTraining {
    const json = parseMultiModelJson(fileOf(files, MODEL_JSON, where, 'text'), `${where}/${MODEL_JSON}`);
    if (!json.files.trainState)
      throw new InputError(`${where}: the model was saved without its optimiser state; it cannot be trained on`);
    const options = resumedOptions(json.training.options, o);
    if (splits.train.n !== json.data.trainRows)
      throw new InputError(`${where}: trained on ${json.data.trainRows} rows, but ${splits.train.n} are given`);
    const { model, onThreads } = modelOn(o.backend, o.threads, (k) => new MultiJpvae(k, json.config, options.batch));
    const trainer = new MultiTrainer(model, options, splits.train, splits.test);
    decodeMultiWeights(fileOf(files, json.files.weights.name, where, 'bytes'), json, model, where);
    decodeMultiTrainState(fileOf(files, json.files.trainState.name, where, 'bytes'), json, trainer.adam, where);
    trainer.state = json.training.state;
    checkEpochsLeft(trainer.state.epoch, o, where);
    return new MultiTraining(model, trainer, json.data, onThreads);
  }

  protected fitLatent(): MultiLatentFit {
    return fitMultiLatent(this.model, this.trainer.train);
  }

  protected checkpoint(latentFit: MultiLatentFit | undefined): ModelFiles {
    return encodeMultiModel(
      this.model,
      { data: this.data, training: this.trainer.saved(), latentFit },
      this.trainer.adam,
    );
  }
}
