// Table 3 of the paper: how much of a view's signal survives
// reconstruction and imputation, measured by a digit classifier trained on
// one version of the training halves and tested on a version of the test
// halves. (Y, Z) = trained on Y, tested on Z. Reconstructions decode the
// posterior mean; imputations use the conditional mean of Eq. 12.

import type { Kernels } from '../core/kernels.ts';
import type { ViewData } from '../data/view-data.ts';
import type { Jpvae } from '../model/jpvae.ts';
import { conditionalOf } from '../impute/block-conditional.ts';
import { imputeViews, reconstructView } from '../impute/impute.ts';
import type { LatentFit } from '../impute/latent-fit.ts';
import { Classifier, CLASSIFIER_DEFAULTS, type ClassifierOptions } from './classifier.ts';

export type Downstream = Record<string, number>; // e.g. "X~1,X~1|2" → accuracy

function accuracies(
  k: Kernels,
  dim: number,
  opts: ClassifierOptions,
  train: ViewData,
  trainX: Float32Array,
  tests: Float32Array[],
  test: ViewData,
): number[] {
  const clf = new Classifier(k, dim, opts);
  try {
    clf.train(trainX, train.labels!, train.n);
    return tests.map((x) => clf.accuracy(x, test.labels!, test.n));
  } finally {
    clf.free();
  }
}

/** Accuracies on the true halves: (X1, X1) and (X2, X2); they do not depend on a model. */
export function trueHalvesAccuracy(
  k: Kernels,
  train: ViewData,
  test: ViewData,
  opts = CLASSIFIER_DEFAULTS,
): Downstream {
  const half = (i: number) => accuracies(k, train.dims[i], opts, train, train.xs[i], [test.xs[i]], test)[0];
  return { 'X1,X1': half(0), 'X2,X2': half(1) };
}

export function downstreamAccuracy(
  model: Jpvae,
  fit: LatentFit,
  train: ViewData,
  test: ViewData,
  opts = CLASSIFIER_DEFAULTS,
): Downstream {
  const out: Downstream = {};
  for (const i of [0, 1]) {
    const j = 1 - i,
      given = `${i + 1}|${j + 1}`;
    const c = conditionalOf(fit, [j + 1], [i + 1]),
      dim = model.views[i].dim;
    const rec = (d: ViewData) => reconstructView(model, i, d.xs[i], d.n, d.design),
      imp = (d: ViewData) => imputeViews(model, c, [d.xs[j]], d.n, undefined, 1, d.design)[0];
    const impTest = imp(test);
    const [recRec, recImp] = accuracies(model.k, dim, opts, train, rec(train), [rec(test), impTest], test);
    const [impImp] = accuracies(model.k, dim, opts, train, imp(train), [impTest], test);
    out[`X~${i + 1},X~${i + 1}`] = recRec;
    out[`X~${i + 1},X~${given}`] = recImp;
    out[`X~${given},X~${given}`] = impImp;
  }
  return out;
}
