// The CLI's labels for data/labels.ts: errors below the CLI name values
// ("view 1's file a.csv"); the commands pass these so that each message
// names the flag its user typed ("--view1 a.csv").

import type { InputLabels } from '../data/labels.ts';
import { InputError } from '../errors.ts';

/** Two views: --view1/--view2, --likelihood1/--likelihood2. */
export const FLAG_LABELS: InputLabels = {
  view: (i) => `--view${i + 1}`,
  views: '--view1/--view2',
  likelihood: (i) => `--likelihood${i + 1}`,
  mask: '--mask',
  idColumn: '--id-column',
  holdout: '--holdout',
  model: '--model',
  out: '--out',
  newRows: 'give rows with --view1 F --view2 F',
  trainRows: 'use --split train',
  heldModel: (dir) => `pass --force to replace it, or --resume ${dir} to continue it`,
};

/** M views: --view F repeated, one --likelihood for all or one per view. */
export const MULTI_FLAG_LABELS: InputLabels = {
  ...FLAG_LABELS,
  view: () => '--view',
  views: '--view',
  likelihood: () => '--likelihood',
  newRows: `give rows with --view F, one per view`,
};

/** A resumed run that already reached `epochs`: one line naming the flag (the library says 'epochs N'). */
export function refuseTrained(epochs: number, done: number, dir: string): void {
  if (done >= epochs)
    throw new InputError(`--epochs ${epochs}: the model in ${dir} has already trained ${done} epochs`);
}
