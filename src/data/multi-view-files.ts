// M views from a user's files (jpvae train --view F …), paired by row
// position (multi-view.ts's pairMultiView). Node only (files);
// prepareMultiView (multi-view.ts) splits and standardises.

import { InputError } from '../errors.ts';
import type { Likelihood } from './likelihood.ts';
import { readMatrix } from './matrix.ts';
import { MAX_VIEWS, pairMultiView, sliceMultiView, standardizeMultiView, type MultiViewData } from './multi-view.ts';
import type { Standardize } from './views.ts';
import { VALUE_LABELS, type InputLabels } from './labels.ts';

/** Read and check the view files; missing rows hold zeros (never read). `labels` name the inputs in errors. */
export function loadViewFiles(
  paths: readonly string[],
  likelihood: readonly Likelihood[],
  labels: InputLabels = VALUE_LABELS,
): MultiViewData {
  if (paths.length < 2 || paths.length > MAX_VIEWS)
    throw new InputError(`${labels.views}: expected 2 to ${MAX_VIEWS} files, got ${paths.length}`);
  const ms = paths.map((p, i) => readMatrix(p, labels.view(i)));
  return pairMultiView(
    ms,
    likelihood,
    paths.map((p, i) => `${labels.view(i)} ${p}`),
    labels,
  );
}

/** What a model records of its view files: enough to read its rows again as they were split and standardised. */
export interface MultiViewFilesRecord {
  views: string[];
  likelihood: Likelihood[];
  standardize: (Standardize | null)[];
  trainRows: number;
  heldOutRows: number;
}

/**
 * The training and held-out rows of a model trained on view files, read
 * again (to train it further, to evaluate it): the same files must still
 * have the rows it was trained on; they are standardised as they were then.
 * `label` names the model in errors ('the model in m').
 */
export function reopenViewFiles(
  record: MultiViewFilesRecord,
  label: string,
): { train: MultiViewData; heldOut?: MultiViewData } {
  if (record.views.some((v) => v === ''))
    throw new InputError(`${label}: the model was trained on arrays, not files; its rows cannot be read again`);
  const data = loadViewFiles(record.views, record.likelihood);
  if (data.n !== record.trainRows + record.heldOutRows)
    throw new InputError(
      `${label}: its view files now have ${data.n} rows, not the ${record.trainRows + record.heldOutRows} it was trained on`,
    );
  standardizeMultiView(data, record.standardize);
  return {
    train: sliceMultiView(data, 0, record.trainRows),
    heldOut: record.heldOutRows ? sliceMultiView(data, record.trainRows, record.heldOutRows) : undefined,
  };
}
