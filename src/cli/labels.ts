// The CLI's labels for data/labels.ts: errors below the CLI name values
// ("view 1's file a.csv"); the commands pass these so that each message
// names the flag its user typed ("--view1 a.csv").

import type { InputLabels } from '../data/labels.ts';
import { InputError } from '../errors.ts';

/** The views' files and likelihoods as the flags that gave them: --view1/--view2, --likelihood1/--likelihood2 for two views given so, else --view and --likelihood repeated. */
export function flagLabels(aliases: boolean): InputLabels {
  return {
    view: (i) => (aliases ? `--view${i + 1}` : '--view'),
    views: aliases ? '--view1/--view2' : '--view',
    likelihood: (i) => (aliases ? `--likelihood${i + 1}` : '--likelihood'),
    mask: '--mask',
    idColumn: '--id-column',
    covariate: '--covariate',
    covariatesFile: '--covariates',
    holdout: '--holdout',
    model: '--model',
    out: '--out',
    newRows: 'give rows with --view F, one per view',
    trainRows: 'use --split train',
    heldModel: (dir) => `pass --force to replace it, or --resume ${dir} to continue it`,
  };
}

/** A resumed run that already reached `epochs`: one line naming the flag (the library says 'epochs N'). */
export function refuseTrained(epochs: number, done: number, dir: string): void {
  if (done >= epochs)
    throw new InputError(`--epochs ${epochs}: the model in ${dir} has already trained ${done} epochs`);
}
