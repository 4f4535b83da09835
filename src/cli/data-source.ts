// Where a model's data comes from, as model.json records it: hvdMNIST, or
// two view files with their likelihoods, hold-out fraction and the
// standardisation fitted on the training rows. Every command that needs a
// model's data reopens it from this record.

import { resolve } from 'node:path';
import { HAS_VIEW1, HAS_VIEW2, type TwoViewData } from '../data/dataset.ts';
import { HVD_TRAIN_ROWS, loadHvdMnist } from '../data/hvdmnist.ts';
import { applyStandardize, fitStandardize, loadFileViews, splitHoldout, type Standardize } from '../data/user-data.ts';
import { InputError } from '../errors.ts';
import { BERNOULLI, type Likelihood } from '../model/config.ts';

export type DataSource =
  | { dataset: 'hvdmnist'; views: string[]; binarize: string; trainRows: number; testRows: number }
  | { dataset: 'files'; view1: string; view2: string; mask?: string; holdout: number; likelihood: [Likelihood, Likelihood];
    standardize: [Standardize | null, Standardize | null]; trainRows: number; heldOutRows: number };

export interface Splits { train: TwoViewData; test?: TwoViewData; source: DataSource }

export function parseLikelihood(value: string | undefined, flag: string): Likelihood {
  if (value === undefined || value === 'bernoulli') return BERNOULLI;
  if (value === 'gaussian') return { kind: 'gaussian', variance: 'learnt' };
  const fixed = /^gaussian:(.+)$/.exec(value);
  if (fixed && Number(fixed[1]) > 0) return { kind: 'gaussian', variance: Number(fixed[1]) };
  throw new InputError(`${flag}: expected bernoulli, gaussian (learnt variance) or gaussian:V (fixed variance V > 0), got '${value}'`);
}

function standardizeViews(d: TwoViewData, std: [Standardize | null, Standardize | null]): void {
  if (std[0]) applyStandardize(d.x1, d.dim1, std[0]);
  if (std[1]) applyStandardize(d.x2, d.dim2, std[1]);
}

/** Training data for a new model: hvdMNIST (first `trainLimit` rows), or two files split by `holdout`. */
export function openTrainingData(files: { view1?: string; view2?: string; mask?: string; holdout: number; likelihood: [Likelihood, Likelihood] } | null,
  trainLimit = HVD_TRAIN_ROWS): Splits {
  if (!files) {
    const train = loadHvdMnist('train', trainLimit), test = loadHvdMnist('test');
    return { train, test, source: { dataset: 'hvdmnist', views: ['top 14 rows', 'bottom 14 rows'], binarize: 'pixel > 0', trainRows: train.n, testRows: test.n } };
  }
  if (!files.view1 || !files.view2) throw new InputError('--view1 and --view2: give both files (or neither, for hvdMNIST)');
  const data = loadFileViews({ path1: files.view1, path2: files.view2, likelihood: files.likelihood, mask: files.mask });
  const { train, heldOut } = splitHoldout(data, files.holdout);
  const fit = (i: 0 | 1): Standardize | null => {
    if (files.likelihood[i].kind !== 'gaussian') return null;
    const bit = i === 0 ? HAS_VIEW1 : HAS_VIEW2, rows = [...train.present!.keys()].filter((r) => train.present![r] & bit);
    return fitStandardize(i === 0 ? train.x1 : train.x2, i === 0 ? train.dim1 : train.dim2, rows);
  };
  const standardize: [Standardize | null, Standardize | null] = [fit(0), fit(1)];
  standardizeViews(data, standardize); // train and heldOut are views of data's arrays
  return {
    train, test: heldOut,
    source: {
      dataset: 'files', view1: resolve(files.view1), view2: resolve(files.view2), mask: files.mask && resolve(files.mask),
      holdout: files.holdout, likelihood: files.likelihood, standardize, trainRows: train.n, heldOutRows: heldOut?.n ?? 0,
    },
  };
}

/** Paired files of new rows for a model (jpvae eval --view1 --view2), checked and preprocessed as its own data. */
export function openNewFiles(source: DataSource, dims: [number, number], files: { view1: string; view2: string; mask?: string }): TwoViewData {
  const likelihood: [Likelihood, Likelihood] = source.dataset === 'files' ? source.likelihood : [BERNOULLI, BERNOULLI];
  const data = loadFileViews({ path1: files.view1, path2: files.view2, likelihood, mask: files.mask });
  [data.dim1, data.dim2].forEach((width, i) => {
    if (width !== dims[i]) throw new InputError(`--view${i + 1} ${i ? files.view2 : files.view1}: rows have ${width} values, but view ${i + 1} of the model has ${dims[i]}`);
  });
  if (source.dataset === 'files') standardizeViews(data, source.standardize);
  return data;
}

/** A model's two files, read once and split as at training time. */
function reopenFiles(source: Extract<DataSource, { dataset: 'files' }>): { train: TwoViewData; heldOut?: TwoViewData } {
  if (source.dataset !== 'files') throw new InputError('the model records no training data to reopen (it was trained from memory); give rows with --view1/--view2');
  const data = loadFileViews({ path1: source.view1, path2: source.view2, likelihood: source.likelihood, mask: source.mask });
  standardizeViews(data, source.standardize);
  return splitHoldout(data, source.holdout);
}

/** Both splits of the data a model was trained on (for --resume), preprocessed as they were then. */
export function reopenSplits(source: DataSource): Splits {
  if (source.dataset === 'hvdmnist') return { train: loadHvdMnist('train', source.trainRows), test: loadHvdMnist('test'), source };
  const { train, heldOut } = reopenFiles(source);
  return { train, test: heldOut, source };
}

/** A split of the data a model was trained on, preprocessed as it was then. */
export function reopenSplit(source: DataSource, split: 'train' | 'test'): TwoViewData {
  if (source.dataset === 'hvdmnist') return loadHvdMnist(split, source.trainRows);
  const { train, heldOut } = reopenFiles(source);
  if (split === 'train') return train;
  if (!heldOut) throw new InputError(`the model was trained with --holdout 0: it has no held-out rows; use --split train`);
  return heldOut;
}
