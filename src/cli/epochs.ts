// The epoch loop of `jpvae train`, for two views and for M: each epoch with
// its progress bar, a checkpoint after it (store.ts: atomic as a set), and
// Ctrl-C ending the run after the current step with a checkpoint that
// --resume continues exactly there.

import type { ModelFiles } from '../store/files.ts';
import { writeModelFiles } from '../store/store.ts';
import type { StepInfo } from '../train/trainer.ts';
import { createProgress } from './progress.ts';

/** What the loop needs of a run (api/training.ts's Training, api/multi-training.ts's MultiTraining). */
export interface EpochRun<R> {
  readonly trainer: {
    readonly state: { epoch: number; partial?: { steps: number } };
    readonly stepsPerEpoch: number;
    readonly options: { batch: number };
    readonly train: { n: number };
  };
  runEpoch(onStep?: (s: StepInfo) => void, shouldStop?: () => boolean): Promise<R | null>;
  files(): ModelFiles;
  close(): Promise<void>;
}

/**
 * Train `run` to `epochs`, writing a checkpoint into `out` after every
 * epoch (and where Ctrl-C stopped one); `done(record)` reports each epoch.
 * Returns whether Ctrl-C stopped it.
 */
export async function runEpochs<R>(
  run: EpochRun<R>,
  o: { out: string; epochs: number; say: (line: string) => void; done: (record: R) => void },
): Promise<boolean> {
  const { trainer } = run,
    batch = trainer.options.batch;
  let stop = false;
  const onSigint = () => {
    stop = true;
    o.say('\nstopping after this step, with a checkpoint…');
  };
  process.once('SIGINT', onSigint);
  try {
    while (trainer.state.epoch < o.epochs && !stop) {
      const bar = createProgress(`epoch ${trainer.state.epoch + 1}/${o.epochs}`, trainer.stepsPerEpoch * batch);
      const started = performance.now();
      const record = await run.runEpoch(
        (s) => {
          const rate = (s.step * batch) / ((performance.now() - started) / 1000);
          bar.update(
            Math.min(s.step * batch, trainer.train.n),
            `${rate.toFixed(0)} samples/s | loss ${s.loss.toFixed(2)}`,
          );
        },
        () => stop,
      );
      bar.stop();
      writeModelFiles(o.out, run.files()); // after the last epoch with the latent fit imputation uses (§2.7)
      if (!record) {
        o.say(
          `stopped in epoch ${trainer.state.epoch + 1} after step ${trainer.state.partial!.steps}; checkpoint written: continue with --resume ${o.out} --epochs ${o.epochs}`,
        );
        break;
      }
      o.done(record);
    }
  } finally {
    process.off('SIGINT', onSigint);
    await run.close();
  }
  return stop;
}
