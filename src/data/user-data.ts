// Two views from a user's files (--view1 F --view2 F), paired by row
// position and checked as views.ts says.

import type { Likelihood } from './likelihood.ts';
import type { TwoViewData } from './dataset.ts';
import { readMatrix } from './matrix.ts';
import { pairViews } from './views.ts';

export interface FileViews {
  path1: string;
  path2: string;
  likelihood: [Likelihood, Likelihood];
  mask?: string;
}

/** Read, check and pair two view files (and an optional n×2 0/1 mask). */
export function loadFileViews(spec: FileViews): TwoViewData {
  const m1 = readMatrix(spec.path1, '--view1'),
    m2 = readMatrix(spec.path2, '--view2');
  const mask = spec.mask ? readMatrix(spec.mask, '--mask') : undefined;
  return pairViews(m1, m2, spec.likelihood, mask, {
    view1: `--view1 ${spec.path1}`,
    view2: `--view2 ${spec.path2}`,
    mask: `--mask ${spec.mask}`,
  });
}

// (What lived here before views.ts and record.ts, for the modules that still import it from here.)
export { applyStandardize, fitStandardize, type Standardize } from './views.ts';
export { standardizationOf } from './record.ts';
