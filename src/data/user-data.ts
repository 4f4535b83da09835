// Two views from a user's files (jpvae train --view1 F --view2 F): paired by
// sample ID when both files name their rows (AnnData/MuData obs names, or a
// table's ID column when one is named), else by row position; checked as views.ts
// says. A sample in one file only is a row whose other view is missing.

import type { Likelihood } from './likelihood.ts';
import type { TwoViewData } from './dataset.ts';
import { countMultiPairing } from './multi-view-files.ts';
import { readMatrix } from './matrix.ts';
import { readPairedFiles } from './paired-files.ts';
import { pairViews } from './views.ts';
import { InputError } from '../errors.ts';
import { VALUE_LABELS, type InputLabels } from './labels.ts';

export interface FileViews {
  path1: string;
  path2: string;
  likelihood: [Likelihood, Likelihood];
  mask?: string;
  /** The column of sample IDs in the table files (CSV, Parquet, Arrow). */
  idColumn?: string;
  /** How errors name the inputs (value words by default; jpvae's CLI passes its flags). */
  labels?: InputLabels;
}

/** How the rows were paired, and how many samples have both views or one. */
export interface Pairing {
  by: 'id' | 'position';
  paired: number;
  only1: number;
  only2: number;
}

/** Rows with both views and with one, by the data's presence bits (the M-view count, in two-view words). */
export function countPairing(d: TwoViewData, by: Pairing['by']): Pairing {
  const { complete, perView } = countMultiPairing(d, 2, by);
  return { by, paired: complete, only1: perView[0] - complete, only2: perView[1] - complete };
}

/** Read, check and pair two view files (and an optional n×2 0/1 mask); `ids` are the union's sample IDs. */
export function loadFileViews(spec: FileViews): TwoViewData & { pairing: Pairing; ids?: string[] } {
  const labels = spec.labels ?? VALUE_LABELS;
  const mask = `${labels.mask} ${spec.mask}`;
  const { matrices, ids, byId } = readPairedFiles([spec.path1, spec.path2], spec.idColumn, labels);
  if (byId && spec.mask)
    throw new InputError(`${mask}: the views pair by sample ID; leave a sample out of a file instead of masking it`);
  const names = { view1: `${labels.view(0)} ${spec.path1}`, view2: `${labels.view(1)} ${spec.path2}`, mask };
  const data = pairViews(
    matrices[0],
    matrices[1],
    spec.likelihood,
    spec.mask ? readMatrix(spec.mask, labels.mask) : undefined,
    names,
    labels,
  );
  return { ...data, pairing: countPairing(data, byId ? 'id' : 'position'), ids };
}

// (What lived here before views.ts and record.ts, for the modules that still import it from here.)
export { applyStandardize, fitStandardize, type Standardize } from './views.ts';
export { standardizationOf } from './record.ts';
