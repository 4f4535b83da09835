// model.json, the description of a model directory, and its validation:
// every field's type and range, and the cross-field facts the loaders rely
// on (the layout follows from the config; standardisation and the latent
// fit have the sizes the config gives; the training state is consistent),
// all checked before anything of the model's size is allocated. Takes the
// parsed value, not a path: the browser's loader checks the same way.
//
// One format for any number of views (format jpvae-model, version 4).
// Every format written before reads through an upgrade to it
// (store/upgrade.ts): the two-view model.json of versions 1–3 and the
// M-view one (jpvae-multiview-model, version 3).

import { InputError, orUndefined } from '../errors.ts';
import { Fields } from '../io/fields.ts';
import { newerFormatLine } from '../io/format-version.ts';
import { camelCaseKeys, snakeName } from '../io/json-keys.ts';
import { cholesky, positiveDefinite } from '../linalg/dense.ts';
import { MAX_CATEGORIES, MAX_COVARIATES, type Covariate } from '../data/covariates.ts';
import { checkConfig, MAX_VIEWS, type Likelihood, type ModelConfig } from '../model/config.ts';
import { BERNOULLI, COUNT_KINDS, SIZE_FACTORS } from '../data/likelihood.ts';
import { badColumnNames, type DataRecord } from '../data/record.ts';
import type { HoldoutSplit } from '../data/holdout.ts';
import { PRIOR_KINDS, type PriorConfig } from '../model/prior/prior.ts';
import { parseBeta } from '../train/beta.ts';
import type { SavedOptions, TrainState } from '../train/trainer.ts';
import type { LatentFit } from '../impute/latent-fit.ts';
import { upgradeModelJson } from './upgrade.ts';

export const FORMAT = 'jpvae-model';
/**
 * The model.json this code writes, and the newest it reads: version 4, any
 * number of views (lists per view in the config, the data record and the
 * latent fit). Version 1 named its files weights.safetensors and
 * train-state.safetensors; version 2 names them by step and checksum in
 * `files`; version 3 spells field names in snake_case (format_version,
 * latent_fit), which the code reads as camelCase (io/json-keys.ts).
 */
export const FORMAT_VERSION = 4;

/** A file of the checkpoint, as model.json names it. */
export interface CheckpointFile {
  name: string;
  bytes: number;
  crc32: string;
}

export interface ModelJson {
  format: typeof FORMAT;
  /** The version the file was written in (read through an upgrade when older). */
  formatVersion: number;
  package: string;
  config: ModelConfig;
  layout: { name: string; shape: number[] }[];
  data: DataRecord;
  training?: { options: SavedOptions; state: TrainState };
  /** The latent Gaussian of imputation (§2.7), fitted on the training rows after the last epoch. */
  latentFit?: LatentFit;
  /** Absent in version 1 only (its files have fixed names). */
  files?: { weights: CheckpointFile; trainState?: CheckpointFile };
}

/** model.json's text parsed, not yet validated; `name` says where it came from in errors. */
export function parseJsonText(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new InputError(`${name}: not valid JSON`);
  }
}

/** The names checkpoints give their files: `weights-<step>-<crc32>.safetensors`, `train-state-<step>-<crc32>.safetensors`. */
export const CHECKPOINT_FILE = /^(weights|train-state)-(\d+)-([0-9a-f]{8})\.safetensors$/;

/** Widths and sizes past these are refused outright: no real model comes near, and each bounds an allocation. */
const MAX_WIDTH = 1 << 24,
  MAX_LAYERS = 64,
  MAX_BATCH = 1 << 16,
  MAX_ROWS = 2 ** 40;

/** A view's likelihood as model.json stores it. */
export function likelihood(f: Fields, v: unknown, path: string): Likelihood {
  const o = f.object(v, path);
  const kind = f.string(o.kind, `${path}.kind`, ['bernoulli', 'gaussian', ...COUNT_KINDS] as const);
  if (kind === 'bernoulli') return { kind };
  if (kind === 'poisson' || kind === 'nb')
    return {
      kind,
      medianTotal: f.number(o.medianTotal, `${path}.medianTotal`, 'a total count ≥ 1', (x) => x >= 1),
      // Files written before size factors could be turned off have none: the total.
      sizeFactor: o.sizeFactor === undefined ? 'total' : f.string(o.sizeFactor, `${path}.sizeFactor`, SIZE_FACTORS),
    };
  if (o.variance === 'learnt') return { kind, variance: 'learnt' };
  return { kind, variance: f.number(o.variance, `${path}.variance`, "'learnt' or a variance > 0", (x) => x > 0) };
}

/** The covariates' names and category lists: bounded before they are read, then checked as a config's (unique, non-empty). */
function covariates(f: Fields, v: unknown, at = 'config.covariates'): Covariate[] {
  const list = f.array(v, at);
  if (list.length > MAX_COVARIATES) f.expected(at, `at most ${MAX_COVARIATES} covariates`, v);
  return list.map((x, j) => {
    const path = `${at}[${j}]`,
      o = f.object(x, path),
      categories = f.array(o.categories, `${path}.categories`);
    if (categories.length < 1 || categories.length > MAX_CATEGORIES)
      f.expected(`${path}.categories`, `1 to ${MAX_CATEGORIES} categories`, o.categories);
    return {
      name: f.string(o.name, `${path}.name`),
      categories: categories.map((c, i) => f.string(c, `${path}.categories[${i}]`)),
    };
  });
}

function config(f: Fields, v: unknown): ModelConfig {
  const o = f.object(v, 'config');
  const ints = (x: unknown, path: string, length?: number) => {
    const a = f.array(x, path, length);
    if (length === undefined && (a.length < 1 || a.length > MAX_LAYERS))
      f.expected(path, `1 to ${MAX_LAYERS} widths`, x);
    return a.map((w, i) => f.int(w, `${path}[${i}]`, 1, MAX_WIDTH));
  };
  const dims = f.array(o.dims, 'config.dims');
  if (dims.length < 2 || dims.length > MAX_VIEWS) f.expected('config.dims', `2 to ${MAX_VIEWS} view widths`, o.dims);
  const m = dims.length;
  const p = f.object(o.prior, 'config.prior');
  const prior: PriorConfig = {
    kind: f.string(p.kind, 'config.prior.kind', PRIOR_KINDS),
    alpha: f.number(p.alpha, 'config.prior.alpha', 'a number with −1 < α < 1', (a) => Math.abs(a) < 1),
    ...(p.flips === undefined ? {} : { flips: f.int(p.flips, 'config.prior.flips', 0, MAX_WIDTH) }),
    ...(p.factors === undefined ? {} : { factors: f.int(p.factors, 'config.prior.factors', 1, MAX_WIDTH) }),
  };
  const c: ModelConfig = {
    dims: ints(o.dims, 'config.dims', m),
    hidden: ints(o.hidden, 'config.hidden'),
    latent: ints(o.latent, 'config.latent', m),
    prior,
  };
  if (o.likelihood !== undefined)
    c.likelihood = f
      .array(o.likelihood, 'config.likelihood', m)
      .map((x, i) => likelihood(f, x, `config.likelihood[${i}]`));
  if (o.covariates !== undefined) c.covariates = covariates(f, o.covariates);
  return checkConfig(c, (field) => `${f.file}: config.${field}`);
}

/** The standardisation of a Gaussian view: a finite mean and an sd > 0 per feature; null for any other view. */
function standardize(f: Fields, v: unknown, path: string, dim: number, gaussian: boolean) {
  if (!gaussian) {
    if (v !== null) f.expected(path, 'null (the view is not Gaussian)', v);
    return null;
  }
  const o = f.object(v, path);
  return {
    mean: f.numbers(o.mean, `${path}.mean`, dim),
    sd: f.numbers(o.sd, `${path}.sd`, dim, 'a finite sd > 0', (x) => x > 0),
  };
}

/** Where the training data came from, and how it was preprocessed. */
function data(f: Fields, v: unknown, c: ModelConfig): DataRecord {
  const o = f.object(v, 'data'),
    m = c.dims.length;
  const dataset = f.string(o.dataset, 'data.dataset', ['hvdmnist', 'files', 'arrays'] as const);
  const own = c.likelihood ?? c.dims.map(() => BERNOULLI);
  if (dataset === 'hvdmnist') {
    if (c.dims.join() !== '392,392')
      f.fail('config.dims', `an hvdMNIST model has two views of 392 pixels, got ${c.dims.join(',')}`);
    if (own.some((l) => l.kind !== 'bernoulli')) f.fail('config.likelihood', 'an hvdMNIST model has Bernoulli views');
  }
  const strings = (x: unknown, path: string) => f.array(x, path, m).map((s, i) => f.string(s, `${path}[${i}]`));
  const record: DataRecord = {
    dataset,
    ...(o.views !== undefined || dataset === 'files' ? { views: strings(o.views, 'data.views') } : {}),
    ...(o.binarize === undefined ? {} : { binarize: f.string(o.binarize, 'data.binarize') }),
    ...(o.mask === undefined ? {} : { mask: f.string(o.mask, 'data.mask') }),
    ...(o.idColumn === undefined ? {} : { idColumn: f.string(o.idColumn, 'data.idColumn') }),
    holdout: f.number(o.holdout, 'data.holdout', 'a fraction from 0 to below 1', (x) => x >= 0 && x < 1),
    ...(o.holdoutSplit === undefined
      ? {}
      : {
          holdoutSplit: f.string<HoldoutSplit>(o.holdoutSplit, 'data.holdoutSplit', ['last-rows', 'per-pairing']),
        }),
    likelihood: f.array(o.likelihood, 'data.likelihood', m).map((x, i) => likelihood(f, x, `data.likelihood[${i}]`)),
    standardize: [],
    trainRows: f.int(o.trainRows, 'data.trainRows', 1, MAX_ROWS),
    heldOutRows: f.int(o.heldOutRows, 'data.heldOutRows', 0, MAX_ROWS),
  };
  if (o.pairing !== undefined) {
    const p = f.object(o.pairing, 'data.pairing');
    record.pairing = {
      by: f.string(p.by, 'data.pairing.by', ['id', 'position'] as const),
      complete: f.int(p.complete, 'data.pairing.complete', 0, MAX_ROWS),
      perView: f
        .array(p.perView, 'data.pairing.perView', m)
        .map((x, i) => f.int(x, `data.pairing.perView[${i}]`, 0, MAX_ROWS)),
    };
  }
  if (o.columns !== undefined)
    record.columns = f.array(o.columns, 'data.columns', m).map((x, i) => {
      const path = `data.columns[${i}]`;
      if (x === null) return null;
      const names = f.array(x, path, c.dims[i]).map((s, j) => f.string(s, `${path}[${j}]`));
      const bad = badColumnNames(names, c.dims[i]);
      return bad ? f.fail(path, bad) : names;
    });
  if (JSON.stringify(record.likelihood) !== JSON.stringify(own))
    f.fail('data.likelihood', 'differs from config.likelihood');
  if (o.covariates !== undefined) record.covariates = covariates(f, o.covariates, 'data.covariates');
  if (o.covariatesFile !== undefined) record.covariatesFile = f.string(o.covariatesFile, 'data.covariatesFile');
  if (JSON.stringify(record.covariates ?? []) !== JSON.stringify(c.covariates ?? []))
    f.fail('data.covariates', 'differs from config.covariates');
  record.standardize = f
    .array(o.standardize, 'data.standardize', m)
    .map((x, i) => standardize(f, x, `data.standardize[${i}]`, c.dims[i], own[i].kind === 'gaussian'));
  return record;
}

/** The stream state of data/rng.ts: four 32-bit words (not all zero: xoshiro would stay at zero) and a spare normal or null. */
export function rngState(f: Fields, v: unknown, path: string): void {
  const a = f.array(v, path, 5);
  for (let i = 0; i < 4; i++) f.int(a[i], `${path}[${i}]`, 0, 2 ** 32 - 1);
  if (a.slice(0, 4).every((x) => x === 0)) f.fail(path, 'an all-zero generator state');
  if (a[4] !== null) f.number(a[4], `${path}[4]`, 'null or a finite number');
}

/** One epoch of the history (train/trainer.ts EpochRecord): its number and finite losses, one per view, and times. */
function epochRecord(f: Fields, v: unknown, path: string, epoch: number, m: number): void {
  const o = f.object(v, path);
  f.int(o.epoch, `${path}.epoch`, epoch, epoch);
  f.number(o.beta, `${path}.beta`, 'a β ≥ 0', (x) => x >= 0);
  for (const key of ['seconds', 'samplesPerSec'] as const)
    f.number(o[key], `${path}.${key}`, 'a finite number ≥ 0', (x) => x >= 0);
  const losses = (x: unknown, p: string, loss: boolean) => {
    const l = f.object(x, p);
    f.numbers(l.recon, `${p}.recon`, m);
    for (const key of loss ? ['kl', 'elbo', 'loss'] : ['kl', 'elbo']) f.number(l[key], `${p}.${key}`);
  };
  losses(o.train, `${path}.train`, true);
  if (o.test !== undefined) losses(o.test, `${path}.test`, false);
}

function training(f: Fields, v: unknown, m: number, trainRows: number): ModelJson['training'] {
  const o = f.object(v, 'training'),
    opt = f.object(o.options, 'training.options'),
    st = f.object(o.state, 'training.state');
  const batch = f.int(opt.batch, 'training.options.batch', 1, MAX_BATCH);
  const beta = f.string(opt.beta, 'training.options.beta');
  if (!orUndefined(() => parseBeta(beta)))
    f.expected('training.options.beta', 'constant[:B], linear:E or cyclical:E (E > 0)', beta);
  const options: SavedOptions = {
    batch,
    beta,
    seed: f.int(opt.seed, 'training.options.seed', 0),
    lr: f.number(opt.lr, 'training.options.lr', 'a learning rate > 0', (x) => x > 0),
    backend: opt.backend === undefined ? 'wasm' : f.string(opt.backend, 'training.options.backend'),
  };
  const epoch = f.int(st.epoch, 'training.state.epoch', 0, 1e9),
    step = f.int(st.step, 'training.state.step', 0);
  rngState(f, st.rng, 'training.state.rng');
  const history = f.array(st.history, 'training.state.history', epoch);
  history.forEach((h, i) => epochRecord(f, h, `training.state.history[${i}]`, i + 1, m));
  const steps = Math.ceil(trainRows / batch);
  let partial = 0;
  if (st.partial !== undefined) {
    const p = f.object(st.partial, 'training.state.partial');
    partial = f.int(p.steps, 'training.state.partial.steps', 1, Math.max(1, steps - 1));
    rngState(f, p.rng, 'training.state.partial.rng');
    const t = f.object(p.totals, 'training.state.partial.totals');
    f.numbers(t.recon, 'training.state.partial.totals.recon', m);
    f.numbers(t.counts, 'training.state.partial.totals.counts', m);
    f.number(t.kl, 'training.state.partial.totals.kl');
    f.int(t.rows, 'training.state.partial.totals.rows', 0, MAX_ROWS);
    f.number(p.lossSum, 'training.state.partial.lossSum');
    f.number(p.seconds, 'training.state.partial.seconds', 'a time ≥ 0', (x) => x >= 0);
  }
  // Adam steps once per batch: the step count follows from the epochs, the batch and the training rows.
  if (step !== epoch * steps + partial)
    f.fail(
      'training.state.step',
      `is ${step}, but ${epoch} epochs of ${steps} batches${partial ? ` and ${partial} steps` : ''} make ${epoch * steps + partial}`,
    );
  return { options, state: st as unknown as TrainState }; // every field checked above: the parsed value is that type
}

/** The latent Gaussian of imputation: block sizes from the config, a finite mean, a symmetric positive definite covariance. */
function latentFit(f: Fields, v: unknown, c: ModelConfig): LatentFit {
  const o = f.object(v, 'latentFit'),
    latent = c.latent,
    d = latent.reduce((a, b) => a + b, 0);
  f.array(o.latent, 'latentFit.latent', latent.length).forEach((x, i) => {
    if (x !== latent[i]) f.expected(`latentFit.latent[${i}]`, `${latent[i]} (config.latent)`, x);
  });
  const rows = f.int(o.rows, 'latentFit.rows', 0),
    complete = f.int(o.complete, 'latentFit.complete', 0, rows);
  const mean = f.numbers(o.mean, 'latentFit.mean', d);
  const cov = f.numbers(o.cov, 'latentFit.cov', d * d);
  for (let i = 0; i < d; i++) {
    if (!(cov[i * d + i] > 0))
      f.fail(`latentFit.cov[${i * d + i}]`, `the variance of latent ${i + 1} is ${cov[i * d + i]}, expected > 0`);
    for (let j = 0; j < i; j++) {
      const a = cov[i * d + j],
        b = cov[j * d + i];
      if (Math.abs(a - b) > 1e-9 * Math.max(Math.abs(a), Math.abs(b), Math.sqrt(cov[i * d + i] * cov[j * d + j]))) {
        f.fail(`latentFit.cov[${i * d + j}]`, `is ${a} but its transpose is ${b}; expected a symmetric matrix`);
      }
    }
  }
  // Imputation takes the fit with at most a tiny ridge (linalg positiveDefinite): beyond that it is not a covariance.
  if (!cholesky(positiveDefinite(Float64Array.from(cov), d), d)) f.fail('latentFit.cov', 'is not positive definite');
  return { latent: [...latent], rows, complete, mean, cov };
}

/**
 * The checkpoint's files: names of our pattern (never a path) carrying the
 * step (undefined: model.json has no training section, so step 0), their
 * sizes and checksums.
 */
export function checkpointFiles(f: Fields, v: unknown, step: number | undefined): NonNullable<ModelJson['files']> {
  const o = f.object(v, 'files');
  const file = (x: unknown, path: string, kind: string): CheckpointFile => {
    const e = f.object(x, path);
    const name = f.string(e.name, `${path}.name`),
      m = CHECKPOINT_FILE.exec(name);
    if (step === undefined && m?.[1] === kind && Number(m[2]) !== 0)
      f.fail(
        'training',
        `is missing, but ${path}.name is of step ${m[2]} (a trained model's has one: edited or damaged?)`,
      );
    if (!m || m[1] !== kind || Number(m[2]) !== (step ?? 0))
      f.expected(`${path}.name`, `${kind}-${step ?? 0}-<crc32>.safetensors`, name);
    const bytes = f.int(e.bytes, `${path}.bytes`, 8);
    if (f.string(e.crc32, `${path}.crc32`) !== m![3])
      f.expected(`${path}.crc32`, `the checksum in its name, '${m![3]}'`, e.crc32);
    return { name, bytes, crc32: m![3] };
  };
  const weights = file(o.weights, 'files.weights', 'weights');
  return o.trainState === undefined
    ? { weights }
    : { weights, trainState: file(o.trainState, 'files.trainState', 'train-state') };
}

/** A parsed model.json of any format (upgraded to version 4) checked field by field (`file` names it in messages), with the code's camelCase field names. */
export function validateModelJson(v: unknown, file: string): ModelJson {
  const f = new Fields(file, snakeName);
  const o = upgradeModelJson(f, f.object(camelCaseKeys(v), '(top level)'));
  const version = o.formatVersion as number;
  if (version > FORMAT_VERSION) throw new InputError(newerFormatLine(file, version, FORMAT_VERSION));
  const c = config(f, o.config);
  const layout = f.array(o.layout, 'layout').map((x, i) => {
    const e = f.object(x, `layout[${i}]`);
    return {
      name: f.string(e.name, `layout[${i}].name`),
      shape: f.array(e.shape, `layout[${i}].shape`).map((s, j) => f.int(s, `layout[${i}].shape[${j}]`, 1, 1 << 30)),
    };
  });
  const d = data(f, o.data, c);
  const t = o.training === undefined ? undefined : training(f, o.training, c.dims.length, d.trainRows);
  const json: ModelJson = {
    format: FORMAT,
    formatVersion: version,
    package: f.string(o.package, 'package'),
    config: c,
    layout,
    data: d,
    ...(t ? { training: t } : {}),
    ...(o.latentFit === undefined ? {} : { latentFit: latentFit(f, o.latentFit, c) }),
  };
  if (version >= 2) json.files = checkpointFiles(f, o.files, t?.state.step);
  else if (o.files !== undefined) f.fail('files', 'not in a formatVersion 1 model.json');
  return json;
}

/** model.json's layout list against the layout the model built from its config. */
export function checkLayout(
  json: ModelJson,
  entries: readonly { name: string; shape: number[] }[],
  file: string,
): void {
  const f = new Fields(file, snakeName);
  if (json.layout.length !== entries.length)
    f.expected('layout', `${entries.length} tensors (the config's layout)`, json.layout);
  entries.forEach((e, i) => {
    const g = json.layout[i];
    if (g.name !== e.name) f.expected(`layout[${i}].name`, `'${e.name}' (the config's layout)`, g.name);
    if (g.shape.join() !== e.shape.join())
      f.fail(`layout[${i}].shape`, `expected [${e.shape}] (the config's layout), got [${g.shape.map(String)}]`);
  });
}
