// The flags `jpvae train` and `jpvae train --view …` share, and the
// training options they both read from them.

import type { BackendChoice } from '../core/index.ts';
import { InputError } from '../errors.ts';
import { ADAM_DEFAULTS } from '../train/adam.ts';
import { parseBeta } from '../train/beta.ts';
import type { TrainOptions } from '../train/trainer.ts';
import { flags, intFlag, numberFlag, type FlagValues } from './args.ts';

export const TRAIN_BACKENDS = ['wasm', 'wasm-simd', 'wasm-relaxed', 'js'] as const satisfies readonly BackendChoice[];

export const TRAINING_FLAGS = flags({
  string: 'holdout prior alpha latent hidden epochs batch lr beta seed backend out resume',
  boolean: 'force json',
});

type TrainingFlags = FlagValues<typeof TRAINING_FLAGS>;

/** --lr, or `fallback` (a resumed run's rate: it may change, and the run then no longer repeats an uninterrupted one). */
export const lrFlag = (f: TrainingFlags, fallback: number = ADAM_DEFAULTS.lr): number =>
  numberFlag(f.lr, '--lr', fallback, (x) => x > 0, 'a positive learning rate');

/** A new run's options from --batch, --beta, --seed and --lr. */
export function trainOptionsFlags(f: TrainingFlags, epochs: number): TrainOptions {
  return {
    epochs,
    batch: intFlag(f.batch, '--batch', 32),
    beta: parseBeta(f.beta ?? 'constant:1', '--beta'),
    seed: intFlag(f.seed, '--seed', 1, 0),
    adam: { ...ADAM_DEFAULTS, lr: lrFlag(f) },
  };
}

/** With --resume only `allowed` (and --resume) may be given: the model keeps every other setting. */
export function refuseOnResume(f: object, allowed: readonly string[]): void {
  const fixed = Object.keys(f).find((flag) => flag !== 'resume' && !allowed.includes(flag));
  if (fixed) {
    const list = allowed.map((a) => `--${a}`);
    throw new InputError(
      `--${fixed}: not with --resume; a resumed model keeps its settings (only ${list.slice(0, -1).join(', ')} and ${list.at(-1)} apply)`,
    );
  }
}
