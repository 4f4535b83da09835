// Adapting a model with covariates to a new cohort (jpvae adapt): the
// cohort's new categories get new rows in every covariate weight tensor
// (model/covariate-surgery.ts, started at the mean of the known rows),
// trained on the cohort's rows (with whatever views they have) by the
// model's own loss, every other weight frozen; the rows of a view the
// cohort lacks stay at that mean (its effect cannot be learnt without the
// view: it is decoded at the average of the known categories). The latent
// fit stays the training rows' (the adapted encoders map the cohort into
// that latent space), or pools in the cohort's posterior means
// (poolLatentFit). The result imputes for the cohort and for every cohort
// it knew.

import { createKernels } from '../core/index.ts';
import { Rng } from '../data/rng.ts';
import { pairViews, rowsWith, standardizeViews, viewsOf } from '../data/view-data.ts';
import { InputError, quoted } from '../errors.ts';
import { poolLatentFit } from '../impute/latent-fit.ts';
import { Jpvae } from '../model/jpvae.ts';
import { copyWithNewCategories, newCategoryRows } from '../model/covariate-surgery.ts';
import { encodeModel } from '../store/files.ts';
import { Adam, ADAM_DEFAULTS } from '../train/adam.ts';
import { covariatesOf, designOf, type CovariateColumns } from '../data/covariate-columns.ts';
import { toMatrix, type ViewInput } from './inputs.ts';
import { modelOf, OPTION_RULES, type JpvaeModel } from './model.ts';
import { checkOptions } from './options.ts';

/** Adapting's learning rate by default: only the new rows train, a few weights that start at the average category. */
export const ADAPT_LR = 0.03;

export interface AdaptOptions {
  /** Each of the model's covariates to its value per row of the new cohort; categories the model does not know are the new ones. */
  covariates: CovariateColumns;
  epochs?: number; // over the cohort's rows (default 40)
  batch?: number; // default 32
  lr?: number; // default 0.03: only the new rows train, few weights that start at the average category
  seed?: number; // of the batches' order and ε (default 1)
  /**
   * The latent fit of Eq. 12 after adapting: 'keep' (the default) the training rows' fit, which the
   * adapted encoders map the cohort into; 'pool' the fit with the cohort's posterior means pooled in
   * (poolLatentFit), which changes every cohort's imputations (docs/covariates.md compares the two).
   */
  latentFit?: LatentFitChoice;
}

export type LatentFitChoice = 'keep' | 'pool';
export const LATENT_FIT_CHOICES: readonly LatentFitChoice[] = ['keep', 'pool'];

/**
 * The model adapted to a new cohort: `views` its rows (view v is entry v − 1; null or rows of NaN where
 * the cohort lacks a view, in the units the model was trained on), `o.covariates` their covariates.
 */
export function adaptCovariates(model: JpvaeModel, views: readonly (ViewInput | null)[], o: AdaptOptions): JpvaeModel {
  checkOptions(o, OPTION_RULES.adapt, 'options of adapt');
  const known = model.config.covariates;
  if (!known) throw new InputError('the model has no covariates: train it with covariates to adapt it to a cohort');
  if (!model.json.latentFit)
    throw new InputError('the model has no latent fit (training did not finish); resume it to the end first');
  if (!o?.covariates) throw new InputError("covariates: required (each of the model's covariates per row)");
  if (!Array.isArray(views) || views.length !== model.views)
    throw new InputError(
      `views: the model has ${model.views} views; give one entry per view (null where the cohort lacks it)`,
    );
  const given = views.map((v, i) => (v === null ? null : toMatrix(v, `views[${i}]`)));
  const first = given.find((m) => m !== null);
  if (!first) throw new InputError('views: the cohort has none of the views');
  const n = first.rows;
  const matrices = given.map((m, i) => {
    const width = model.widths[i];
    if (m && m.cols !== width)
      throw new InputError(`views[${i}]: rows have ${m.cols} values, but view ${i + 1} of the model has ${width}`);
    if (m && m.rows !== n) throw new InputError(`views[${i}]: ${m.rows} rows, but the first view given has ${n}`);
    return m ?? { rows: n, cols: width, data: new Float32Array(n * width).fill(NaN) };
  });
  // The new categories, after the known ones of each covariate.
  const seen = new Map(covariatesOf(o.covariates, n).map((c) => [c.name, c.categories]));
  const grown = known.map((c) => ({
    name: c.name,
    categories: [...c.categories, ...(seen.get(c.name) ?? []).filter((x) => !c.categories.includes(x))],
  }));
  if (grown.every((c, j) => c.categories.length === known[j].categories.length))
    throw new InputError(
      `covariates: every category of the cohort is known to the model (${known.map((c) => quoted(c.name)).join(', ')}); adapting needs a new one`,
    );
  const data = pairViews(
    matrices,
    model.json.data.likelihood,
    matrices.map((_, i) => `views[${i}]`),
  );
  standardizeViews(data, model.json.data.standardize);
  data.design = designOf(grown, o.covariates, n);
  const batch = o.batch ?? 32,
    epochs = o.epochs ?? 40;
  if (!(Number.isInteger(epochs) && epochs >= 1))
    throw new InputError(`epochs: expected an integer ≥ 1, got ${epochs}`);
  if (!(Number.isInteger(batch) && batch >= 1)) throw new InputError(`batch: expected an integer ≥ 1, got ${batch}`);
  const lr = o.lr ?? ADAPT_LR;
  if (!(lr > 0)) throw new InputError(`lr: expected a learning rate > 0, got ${lr}`);
  const net = new Jpvae(createKernels(model.net.k.name), { ...model.config, covariates: grown }, batch);
  copyWithNewCategories(model.net, net);
  // Only the new rows of the views the cohort has train; every other gradient is zeroed before Adam's step.
  const present = viewsOf(net.fullMask).filter((i) => rowsWith(data, [i]).length > 0);
  const trainable = newCategoryRows(
    net,
    known.map((c) => c.categories.length),
    present,
  );
  const adam = new Adam(net.k, net.layout.size, { ...ADAM_DEFAULTS, lr });
  const rng = new Rng(o.seed ?? 1);
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = rng.permutation(n);
    for (let s = 0; s < n; s += batch) {
      net.lossAndGradient(data, order.subarray(s, Math.min(n, s + batch)), 1, rng);
      const g = net.grads(),
        kept = trainable.map((r) => g.slice(r.lo, r.hi));
      g.fill(0);
      trainable.forEach((r, t) => g.set(kept[t], r.lo));
      if (!adam.update(net.P, net.G))
        throw new InputError('adapting diverged (a gradient was not finite); try a smaller lr');
    }
  }
  const latentFit =
    (o.latentFit ?? 'keep') === 'pool' ? poolLatentFit(net, model.json.latentFit!, data) : model.json.latentFit!;
  const files = encodeModel(net, { data: { ...model.json.data, covariates: grown }, latentFit });
  return modelOf(files, model.net.k.name, 'the adapted model');
}
