// Where a model's data comes from, as model.json records it: hvdMNIST, two
// view files, or arrays handed to the API, with their likelihoods,
// hold-out fraction and the standardisation fitted on the training rows.
// Every command that needs a model's data reopens it from this record
// (arrays cannot be reopened: their rows are given again).

import { resolve } from 'node:path';
import { type TwoViewData } from './dataset.ts';
import { HVD_TRAIN_ROWS, loadHvdMnist } from './hvdmnist.ts';
import { loadFileViews } from './user-data.ts';
import { prepareViews, splitHoldout, standardizeViews } from './views.ts';
import type { HoldoutSplit } from './holdout.ts';
import { likelihoodsOf, standardizationOf, type DataSource } from './record.ts';
import { InputError } from '../errors.ts';
import type { Likelihood } from './likelihood.ts';
import { VALUE_LABELS, type InputLabels } from './labels.ts';

export { standardizationOf, likelihoodsOf, type DataSource } from './record.ts';

export interface Splits {
  train: TwoViewData;
  test?: TwoViewData;
  source: DataSource;
}

/** Training data for a new model: hvdMNIST (first `trainLimit` rows), or two files split by `holdout`; `labels` name the inputs in errors. */
export function openTrainingData(
  files: {
    view1?: string;
    view2?: string;
    mask?: string;
    idColumn?: string;
    holdout: number;
    likelihood: [Likelihood, Likelihood];
  } | null,
  trainLimit = HVD_TRAIN_ROWS,
  labels: InputLabels = VALUE_LABELS,
): Splits {
  if (!files) {
    const train = loadHvdMnist('train', trainLimit),
      test = loadHvdMnist('test');
    return {
      train,
      test,
      source: {
        dataset: 'hvdmnist',
        views: ['top 14 rows', 'bottom 14 rows'],
        binarize: 'pixel > 0',
        trainRows: train.n,
        testRows: test.n,
      },
    };
  }
  if (!files.view1 || !files.view2)
    throw new InputError(`${labels.view(0)} and ${labels.view(1)}: give both files (or neither, for hvdMNIST)`);
  const data = loadFileViews({
    path1: files.view1,
    path2: files.view2,
    likelihood: files.likelihood,
    mask: files.mask,
    idColumn: files.idColumn,
    labels,
  });
  const split: HoldoutSplit = data.pairing.by === 'id' ? 'per-pairing' : 'last-rows';
  const { train, heldOut, standardize } = prepareViews(data, files.likelihood, files.holdout, labels, split);
  return {
    train,
    test: heldOut,
    source: {
      dataset: 'files',
      view1: resolve(files.view1),
      view2: resolve(files.view2),
      mask: files.mask && resolve(files.mask),
      ...(files.idColumn !== undefined ? { idColumn: files.idColumn } : {}),
      pairing: data.pairing,
      holdout: files.holdout,
      ...(split !== 'last-rows' ? { holdoutSplit: split } : {}),
      likelihood: files.likelihood,
      standardize,
      trainRows: train.n,
      heldOutRows: heldOut?.n ?? 0,
    },
  };
}

/** Paired files of new rows for a model (jpvae eval --view1 --view2), checked and preprocessed as its own data. */
export function openNewFiles(
  source: DataSource,
  dims: [number, number],
  files: { view1: string; view2: string; mask?: string; idColumn?: string },
  labels: InputLabels = VALUE_LABELS,
): TwoViewData {
  const likelihood = likelihoodsOf(source);
  const data = loadFileViews({
    path1: files.view1,
    path2: files.view2,
    likelihood,
    mask: files.mask,
    idColumn: files.idColumn,
    labels,
  });
  [data.dim1, data.dim2].forEach((width, i) => {
    if (width !== dims[i])
      throw new InputError(
        `${labels.view(i)} ${i ? files.view2 : files.view1}: rows have ${width} values, but view ${i + 1} of the model has ${dims[i]}`,
      );
  });
  standardizeViews(data, standardizationOf(source));
  return data;
}

/** A model's two files, read once and split as at training time. */
function reopenFiles(
  source: Exclude<DataSource, { dataset: 'hvdmnist' }>,
  labels: InputLabels,
): {
  train: TwoViewData;
  heldOut?: TwoViewData;
} {
  if (source.dataset !== 'files')
    throw new InputError(
      `the model records no training data to reopen (it was trained from memory, through the API); ${labels.newRows}`,
    );
  const data = loadFileViews({
    path1: source.view1,
    path2: source.view2,
    likelihood: source.likelihood,
    mask: source.mask,
    idColumn: source.idColumn,
  });
  standardizeViews(data, source.standardize);
  return splitHoldout(data, source.holdout, undefined, source.holdoutSplit ?? 'last-rows');
}

/** Both splits of the data a model was trained on (to train it further), preprocessed as they were then. */
export function reopenSplits(source: DataSource, labels: InputLabels = VALUE_LABELS): Splits {
  if (source.dataset === 'hvdmnist')
    return { train: loadHvdMnist('train', source.trainRows), test: loadHvdMnist('test'), source };
  const { train, heldOut } = reopenFiles(source, labels);
  return { train, test: heldOut, source };
}

/** A split of the data a model was trained on, preprocessed as it was then. */
export function reopenSplit(
  source: DataSource,
  split: 'train' | 'test',
  labels: InputLabels = VALUE_LABELS,
): TwoViewData {
  if (source.dataset === 'hvdmnist') return loadHvdMnist(split, source.trainRows);
  const { train, heldOut } = reopenFiles(source, labels);
  if (split === 'train') return train;
  if (!heldOut)
    throw new InputError(
      `the model was trained with a held-out fraction of 0: it has no held-out rows; ${labels.trainRows}`,
    );
  return heldOut;
}
