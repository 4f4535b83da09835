// Table 3 of the paper: how much of a view's signal survives
// reconstruction and imputation, measured by a digit classifier trained on
// one version of the training halves and tested on a version of the test
// halves. (Y, Z) = trained on Y, tested on Z. Reconstructions decode the
// posterior mean; imputations use the conditional mean of Eq. 12.

import type { Kernels } from '../core/kernels.ts';
import type { TwoViewData } from '../data/dataset.ts';
import type { Jpvae } from '../model/jpvae.ts';
import { conditional, type LatentFit } from '../impute/conditional.ts';
import { imputeView, reconstructView } from '../impute/impute.ts';
import { Classifier, CLASSIFIER_DEFAULTS, type ClassifierOptions } from './classifier.ts';

export type Downstream = Record<string, number>; // e.g. "X~1,X~1|2" → accuracy

function accuracies(
  k: Kernels,
  dim: number,
  opts: ClassifierOptions,
  train: TwoViewData,
  trainX: Float32Array,
  tests: [string, Float32Array][],
  test: TwoViewData,
): number[] {
  const clf = new Classifier(k, dim, opts);
  try {
    clf.train(trainX, train.labels!, train.n);
    return tests.map(([, x]) => clf.accuracy(x, test.labels!, test.n));
  } finally {
    clf.free();
  }
}

/** Accuracies on the true halves: (X1, X1) and (X2, X2); they do not depend on a model. */
export function trueHalvesAccuracy(
  k: Kernels,
  train: TwoViewData,
  test: TwoViewData,
  opts = CLASSIFIER_DEFAULTS,
): Downstream {
  const [a1] = accuracies(k, train.dim1, opts, train, train.x1, [['X1', test.x1]], test);
  const [a2] = accuracies(k, train.dim2, opts, train, train.x2, [['X2', test.x2]], test);
  return { 'X1,X1': a1, 'X2,X2': a2 };
}

export function downstreamAccuracy(
  model: Jpvae,
  fit: LatentFit,
  train: TwoViewData,
  test: TwoViewData,
  opts = CLASSIFIER_DEFAULTS,
): Downstream {
  const out: Downstream = {};
  for (const i of [0, 1] as const) {
    const j = (1 - i) as 0 | 1,
      given = `${i + 1}|${j + 1}`;
    const c = conditional(fit, i),
      dim = model.views[i].dim;
    const xs = (d: TwoViewData) => [i === 0 ? d.x1 : d.x2, j === 0 ? d.x1 : d.x2];
    const [trX, trOther] = xs(train),
      [teX, teOther] = xs(test);
    const rec = { train: reconstructView(model, i, trX, train.n), test: reconstructView(model, i, teX, test.n) };
    const imp = { train: imputeView(model, c, trOther, train.n), test: imputeView(model, c, teOther, test.n) };
    const [recRec, recImp] = accuracies(
      model.k,
      dim,
      opts,
      train,
      rec.train,
      [
        ['rec', rec.test],
        ['imp', imp.test],
      ],
      test,
    );
    const [impImp] = accuracies(model.k, dim, opts, train, imp.train, [['imp', imp.test]], test);
    out[`X~${i + 1},X~${i + 1}`] = recRec;
    out[`X~${i + 1},X~${given}`] = recImp;
    out[`X~${given},X~${given}`] = impImp;
  }
  return out;
}
