// What a training run of either model shares (api/training.ts for two
// views, api/multi-training.ts for M): the threads its steps run on, its
// epochs one at a time, and after the last one the latent fit that
// imputation uses (§2.7), which goes into its checkpoint.

import { createKernels, type BackendChoice, type Kernels } from '../core/index.ts';
import { InputError } from '../errors.ts';
import type { ModelFiles } from '../store/files.ts';
import type { ThreadedModel } from '../threads/lane.ts';
import { planThreads, RunThreads } from '../threads/plan.ts';
import type { Adam } from '../train/adam.ts';
import type { StepInfo } from '../train/trainer.ts';

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

/** What a run needs of its epoch loop (train/trainer.ts's Trainer, train/multi-fit.ts's MultiTrainer). */
interface RunLoop<R> {
  readonly adam: Adam;
  readonly options: { epochs: number };
  readonly state: { epoch: number };
  runEpoch(onStep?: (s: StepInfo) => void, shouldStop?: () => boolean): Promise<R | null>;
}

/** A run of model M trained by loop L, whose epochs give records R, ending with latent fit F. */
export abstract class TrainingRun<M extends ThreadedModel, L extends RunLoop<R>, R, F> {
  private latentFit?: F;

  protected constructor(
    readonly model: M,
    readonly trainer: L,
    private readonly onThreads: RunThreads,
  ) {}

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

  /** The next epoch (see EpochLoop.runEpoch); after the last, the latent fit. */
  async runEpoch(onStep?: (s: StepInfo) => void, shouldStop?: () => boolean): Promise<R | null> {
    return this.onThreads.run(
      this.model,
      this.trainer.adam,
      async () => {
        const record = await this.trainer.runEpoch(onStep, shouldStop);
        if (record && this.done) this.latentFit = this.fitLatent();
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
    return this.checkpoint(this.latentFit);
  }

  /** The latent fit on the training rows, after the last epoch. */
  protected abstract fitLatent(): F;
  /** The checkpoint's files, with the latent fit once there is one. */
  protected abstract checkpoint(latentFit: F | undefined): ModelFiles;
}
