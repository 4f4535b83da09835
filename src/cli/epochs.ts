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
  readonly threads: number;
  readonly threadsWarning?: string;
  runEpoch(onStep?: (s: StepInfo) => void, shouldStop?: () => boolean): Promise<R | null>;
  files(): ModelFiles;
  close(): Promise<void>;
}

/** What the run's first lines on stderr say: what trains (`model`: "orthogonal prior, latent 20+20, hidden 512,512"), which rows are held out, on which backend, how the views were paired. */
export interface RunAnnouncement {
  model: string;
  heldOut: string;
  backend: string;
  pairing?: string;
}

/**
 * Train `run` to `epochs`, writing a checkpoint into `out` after every
 * epoch (and where Ctrl-C stopped one); first the run's threads warning, if
 * any, and `announce`'s lines; `done(record)` reports each epoch.
 * Returns, when Ctrl-C stopped the run, the line that says where and how to
 * continue (the caller ends with it: Interrupted).
 */
export async function runEpochs<R>(
  run: EpochRun<R>,
  o: { out: string; epochs: number; announce: RunAnnouncement; done: (record: R) => void },
): Promise<string | undefined> {
  const { trainer } = run,
    batch = trainer.options.batch;
  let stop = false;
  // Every SIGINT only asks (a second Ctrl-C, or one the terminal and `reproduce` both send, must not kill the write).
  const onSigint = () => (stop = true);
  process.on('SIGINT', onSigint);
  announce(run, o); // once Ctrl-C is heard: a Ctrl-C after the run's first line finds the handler
  try {
    while (trainer.state.epoch < o.epochs) {
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
      if (record) o.done(record);
      // The trainer's turn after an epoch's last step has run the handler of a Ctrl-C that came during the epoch.
      if (stop && trainer.state.epoch < o.epochs) {
        const where = record
          ? `after epoch ${trainer.state.epoch}`
          : `in epoch ${trainer.state.epoch + 1} after step ${trainer.state.partial!.steps}`;
        return `stopped ${where}; checkpoint written: continue with --resume ${o.out} --epochs ${o.epochs}`;
      }
    }
  } finally {
    process.off('SIGINT', onSigint);
    await run.close();
  }
  return undefined;
}

function announce(run: EpochRun<unknown>, o: { out: string; epochs: number; announce: RunAnnouncement }): void {
  const say = (s: string) => process.stderr.write(`jpvae train: ${s}\n`); // stdout is kept for --json
  const { model, heldOut, backend, pairing } = o.announce;
  if (run.threadsWarning) say(`warning: ${run.threadsWarning}`);
  say(
    `${model}, ${run.trainer.train.n} training rows, ${heldOut}, backend ${backend}, ${run.threads} thread${run.threads > 1 ? 's' : ''}, epochs ${run.trainer.state.epoch + 1}..${o.epochs} → ${o.out}`,
  );
  if (pairing) say(pairing);
}
