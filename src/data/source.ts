// Where a model's data comes from, as model.json records it (record.ts):
// hvdMNIST, view files, or arrays handed to the API, with their
// likelihoods, hold-out and the standardisation fitted on the training
// rows. Every command that needs a model's data reopens it from this
// record (arrays cannot be reopened: their rows are given again). Node
// only (files).

import { resolve } from 'node:path';
import type { ViewData } from './view-data.ts';
import { prepareViews } from './view-data.ts';
import { HVD_TRAIN_ROWS, loadHvdMnist } from './hvdmnist.ts';
import { loadViewFiles, reopenViewFiles } from './view-files.ts';
import type { HoldoutSplit } from './holdout.ts';
import { BERNOULLI, type Likelihood } from './likelihood.ts';
import { badColumnNames, type DataRecord } from './record.ts';
import { InputError } from '../errors.ts';
import { VALUE_LABELS, type InputLabels } from './labels.ts';

export type { DataRecord } from './record.ts';

/** The rows a run trains on, the held-out rows it reports each epoch, and the record of where they came from. */
export interface Splits {
  train: ViewData;
  test?: ViewData;
  record: DataRecord;
}

/** View files for a new model: each view's file, an optional mask, the tables' ID column, the hold-out and each view's likelihood. */
export interface ViewFilesSpec {
  views: string[];
  /** Columns of categories (covariates) the view files hold, or `covariatesFile`. */
  covariates?: string[];
  covariatesFile?: string;
  mask?: string;
  idColumn?: string;
  holdout: number;
  likelihood: Likelihood[];
}

/** Training data for a new model: hvdMNIST (its first `trainLimit` training rows, its test split held out), or view files split by `holdout`; `labels` name the inputs in errors. */
export function openTrainingData(
  files: ViewFilesSpec | null,
  trainLimit = HVD_TRAIN_ROWS,
  labels: InputLabels = VALUE_LABELS,
): Splits {
  if (!files) {
    const train = loadHvdMnist('train', trainLimit),
      test = loadHvdMnist('test');
    const record: DataRecord = {
      dataset: 'hvdmnist',
      views: ['top 14 rows', 'bottom 14 rows'],
      binarize: 'pixel > 0',
      holdout: 0,
      likelihood: [BERNOULLI, BERNOULLI],
      standardize: [null, null],
      trainRows: train.n,
      heldOutRows: test.n,
    };
    return { train, test, record };
  }
  const data = loadViewFiles(files.views, files.likelihood, {
    idColumn: files.idColumn,
    mask: files.mask,
    labels,
    covariates: files.covariates,
    covariatesFile: files.covariatesFile,
  });
  const split: HoldoutSplit = data.pairing.by === 'id' ? 'per-pairing' : 'last-rows';
  const { train, heldOut, standardize } = prepareViews(data, files.likelihood, files.holdout, labels, split);
  return {
    train,
    test: heldOut,
    record: {
      dataset: 'files',
      views: files.views.map((v) => resolve(v)),
      ...(files.mask !== undefined ? { mask: resolve(files.mask) } : {}),
      ...(files.idColumn !== undefined ? { idColumn: files.idColumn } : {}),
      pairing: data.pairing,
      ...(data.covariates ? { covariates: data.covariates } : {}),
      ...(files.covariatesFile !== undefined ? { covariatesFile: resolve(files.covariatesFile) } : {}),
      ...viewColumns(data.columns, data.dims),
      holdout: files.holdout,
      ...(split !== 'last-rows' ? { holdoutSplit: split } : {}),
      likelihood: files.likelihood,
      standardize,
      trainRows: train.n,
      heldOutRows: heldOut?.n ?? 0,
    },
  };
}

/** The record's `columns`: each view's names its file gave, where they fit (badColumnNames), else null; none when no view has them. */
function viewColumns(columns: (string[] | undefined)[], dims: number[]): Pick<DataRecord, 'columns'> {
  const named = columns.map((c, i) => (c && !badColumnNames(c, dims[i]) ? c : null));
  return named.some((c) => c) ? { columns: named } : {};
}

/** Both splits of the data a model was trained on (to train it further), preprocessed as they were then. */
export function reopenSplits(record: DataRecord, label = 'the model'): Splits {
  if (record.dataset === 'hvdmnist')
    return { train: loadHvdMnist('train', record.trainRows), test: loadHvdMnist('test'), record };
  const { train, heldOut } = reopenViewFiles(record, label);
  return { train, test: heldOut, record };
}

/** A split of the data a model was trained on, preprocessed as it was then. */
export function reopenSplit(
  record: DataRecord,
  split: 'train' | 'test',
  labels: InputLabels = VALUE_LABELS,
  label = 'the model',
): ViewData {
  if (record.dataset === 'hvdmnist') return loadHvdMnist(split, record.trainRows);
  if (record.dataset !== 'files')
    throw new InputError(
      `the model records no training data to reopen (it was trained from memory, through the API); ${labels.newRows}`,
    );
  const { train, heldOut } = reopenViewFiles(record, label);
  if (split === 'train') return train;
  if (!heldOut)
    throw new InputError(
      `the model was trained with a held-out fraction of 0: it has no held-out rows; ${labels.trainRows}`,
    );
  return heldOut;
}
