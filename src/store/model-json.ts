// model.json, the description of a model directory, and its validation:
// every field's type and range, and the cross-field facts the loaders rely
// on (the layout follows from the config; standardisation and the latent
// fit have the sizes the config gives; the training state is consistent),
// all checked before anything of the model's size is allocated. Takes the
// parsed value, not a path: the browser's loader checks the same way.

import { InputError } from '../errors.ts';
import { Fields } from '../io/fields.ts';
import { newerFormatLine } from '../io/format-version.ts';
import { camelCaseKeys, snakeName } from '../io/json-keys.ts';
import { cholesky, positiveDefinite } from '../linalg/dense.ts';
import { checkConfig, type Likelihood, type ModelConfig } from '../model/config.ts';
import { COUNT_KINDS, SIZE_FACTORS } from '../data/likelihood.ts';
import { PRIOR_KINDS, type PriorKind } from '../model/prior/prior.ts';
import { parseBeta } from '../train/beta.ts';
import type { TrainState } from '../train/trainer.ts';
import type { LatentFit } from '../impute/conditional.ts';

export const FORMAT = 'jpvae-model';
/**
 * The newest model.json this code reads and the one it writes. Version 1
 * named its files weights.safetensors and train-state.safetensors; version
 * 2 names them by step and checksum in `files` (store/files.ts); version 3
 * spells its field names in snake_case (format_version, latent_fit), which
 * the code reads as camelCase (io/json-keys.ts).
 */
export const FORMAT_VERSION = 3;

/** A file of the checkpoint, as model.json names it. */
export interface CheckpointFile {
  name: string;
  bytes: number;
  crc32: string;
}

export interface ModelJson {
  format: typeof FORMAT;
  formatVersion: number;
  package: string;
  config: ModelConfig;
  layout: { name: string; shape: number[] }[];
  data: Record<string, unknown>; // where the training data came from and how it was preprocessed
  training?: { options: Record<string, unknown>; state: TrainState };
  latentFit?: LatentFit;
  files?: { weights: CheckpointFile; trainState?: CheckpointFile };
}

/** model.json's text parsed, not yet validated (either format); `name` says where it came from in errors. */
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

/** A view's likelihood as model.json stores it (the two-view and the M-view files alike). */
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

function config(f: Fields, v: unknown): ModelConfig {
  const o = f.object(v, 'config');
  const ints = (x: unknown, path: string, length?: number) => {
    const a = f.array(x, path, length);
    if (length === undefined && (a.length < 1 || a.length > MAX_LAYERS))
      f.expected(path, `1 to ${MAX_LAYERS} widths`, x);
    return a.map((w, i) => f.int(w, `${path}[${i}]`, 1, MAX_WIDTH));
  };
  const p = f.object(o.prior, 'config.prior');
  const c: ModelConfig = {
    dims: ints(o.dims, 'config.dims', 2) as [number, number],
    hidden: ints(o.hidden, 'config.hidden'),
    latent: ints(o.latent, 'config.latent', 2) as [number, number],
    prior: {
      kind: f.string<PriorKind>(p.kind, 'config.prior.kind', PRIOR_KINDS),
      alpha: f.number(p.alpha, 'config.prior.alpha', 'a number with −1 < α < 1', (a) => Math.abs(a) < 1),
      flips: f.int(p.flips, 'config.prior.flips', 0, MAX_WIDTH),
    },
  };
  if (o.swapViews !== undefined) c.swapViews = f.boolean(o.swapViews, 'config.swapViews');
  if (o.likelihood !== undefined) {
    const l = f.array(o.likelihood, 'config.likelihood', 2);
    c.likelihood = [likelihood(f, l[0], 'config.likelihood[0]'), likelihood(f, l[1], 'config.likelihood[1]')];
  }
  return checkConfig(c, (field) => `${f.file}: config.${field}`);
}

/** The standardisation of a Gaussian view: a finite mean and an sd > 0 per feature. */
function standardize(f: Fields, v: unknown, path: string, dim: number, gaussian: boolean): void {
  if (!gaussian) {
    if (v !== null) f.expected(path, 'null (the view is not Gaussian)', v);
    return;
  }
  const o = f.object(v, path);
  f.numbers(o.mean, `${path}.mean`, dim);
  f.numbers(o.sd, `${path}.sd`, dim, 'a finite sd > 0', (x) => x > 0);
}

/** Where the training data came from; `{}` when it was not recorded (a model trained from memory through the library). */
function data(f: Fields, v: unknown, c: ModelConfig): void {
  const o = f.object(v, 'data');
  if (o.dataset === undefined && Object.keys(o).length === 0) return;
  const dataset = f.string(o.dataset, 'data.dataset', ['hvdmnist', 'files', 'arrays']);
  if (dataset === 'hvdmnist') {
    if (c.dims[0] !== 392 || c.dims[1] !== 392)
      f.fail('config.dims', `an hvdMNIST model has views of 392 pixels, got ${c.dims.join(',')}`);
    if (c.likelihood && c.likelihood.some((l) => l.kind !== 'bernoulli'))
      f.fail('config.likelihood', 'an hvdMNIST model has Bernoulli views');
    f.int(o.trainRows, 'data.trainRows', 1, 60_000);
    f.int(o.testRows, 'data.testRows', 0, 10_000);
    return;
  }
  if (dataset === 'files') {
    for (const key of ['view1', 'view2'] as const) f.string(o[key], `data.${key}`);
    if (o.mask !== undefined) f.string(o.mask, 'data.mask');
    if (o.idColumn !== undefined) f.string(o.idColumn, 'data.idColumn');
    if (o.pairing !== undefined) {
      const p = f.object(o.pairing, 'data.pairing');
      f.string(p.by, 'data.pairing.by', ['id', 'position']);
      for (const k of ['paired', 'only1', 'only2'] as const) f.int(p[k], `data.pairing.${k}`, 0, MAX_ROWS);
    }
    if (o.holdoutSplit !== undefined) f.string(o.holdoutSplit, 'data.holdoutSplit', ['last-rows', 'per-pairing']);
  } else f.boolean(o.mask, 'data.mask'); // arrays given to the API: was there a mask

  f.number(o.holdout, 'data.holdout', 'a fraction from 0 to below 1', (x) => x >= 0 && x < 1);
  const l = f.array(o.likelihood, 'data.likelihood', 2).map((x, i) => likelihood(f, x, `data.likelihood[${i}]`));
  const own = c.likelihood ?? [{ kind: 'bernoulli' }, { kind: 'bernoulli' }];
  if (JSON.stringify(l) !== JSON.stringify(own)) f.fail('data.likelihood', `differs from config.likelihood`);
  const s = f.array(o.standardize, 'data.standardize', 2);
  s.forEach((x, i) => standardize(f, x, `data.standardize[${i}]`, c.dims[i], l[i].kind === 'gaussian'));
  f.int(o.trainRows, 'data.trainRows', 1, MAX_ROWS);
  f.int(o.heldOutRows, 'data.heldOutRows', 0, MAX_ROWS);
}

/** The stream state of data/rng.ts: four 32-bit words (not all zero: xoshiro would stay at zero) and a spare normal or null. */
export function rngState(f: Fields, v: unknown, path: string): void {
  const a = f.array(v, path, 5);
  for (let i = 0; i < 4; i++) f.int(a[i], `${path}[${i}]`, 0, 2 ** 32 - 1);
  if (a.slice(0, 4).every((x) => x === 0)) f.fail(path, 'an all-zero generator state');
  if (a[4] !== null) f.number(a[4], `${path}[4]`, 'null or a finite number');
}

const TERMS = ['recon1', 'recon2', 'kl', 'n1', 'n2', 'rows'] as const;

/** One epoch of the history (train/trainer.ts EpochRecord): its number and finite losses and times. */
function epochRecord(f: Fields, v: unknown, path: string, epoch: number): void {
  const o = f.object(v, path);
  f.int(o.epoch, `${path}.epoch`, epoch, epoch);
  f.number(o.beta, `${path}.beta`, 'a β ≥ 0', (x) => x >= 0);
  for (const key of ['seconds', 'samplesPerSec'] as const)
    f.number(o[key], `${path}.${key}`, 'a finite number ≥ 0', (x) => x >= 0);
  const losses = (x: unknown, p: string, keys: readonly string[]) => {
    const l = f.object(x, p);
    for (const key of keys) f.number(l[key], `${p}.${key}`);
  };
  losses(o.train, `${path}.train`, ['recon1', 'recon2', 'kl', 'elbo', 'loss']);
  if (o.test !== undefined) losses(o.test, `${path}.test`, ['recon1', 'recon2', 'kl', 'elbo']);
}

function training(f: Fields, v: unknown, trainRows: number | undefined): void {
  const o = f.object(v, 'training'),
    opt = f.object(o.options, 'training.options'),
    st = f.object(o.state, 'training.state');
  const batch = f.int(opt.batch, 'training.options.batch', 1, MAX_BATCH);
  const beta = f.string(opt.beta, 'training.options.beta');
  try {
    parseBeta(beta);
  } catch {
    f.expected('training.options.beta', 'constant[:B], linear:E or cyclical:E (E > 0)', beta);
  }
  f.int(opt.seed, 'training.options.seed', 0);
  f.number(opt.lr, 'training.options.lr', 'a learning rate > 0', (x) => x > 0);
  if (opt.backend !== undefined) f.string(opt.backend, 'training.options.backend');
  const epoch = f.int(st.epoch, 'training.state.epoch', 0, 1e9),
    step = f.int(st.step, 'training.state.step', 0);
  rngState(f, st.rng, 'training.state.rng');
  const history = f.array(st.history, 'training.state.history', epoch);
  history.forEach((h, i) => epochRecord(f, h, `training.state.history[${i}]`, i + 1));
  const steps = trainRows === undefined ? Infinity : Math.ceil(trainRows / batch);
  let partial = 0;
  if (st.partial !== undefined) {
    const p = f.object(st.partial, 'training.state.partial');
    partial = f.int(p.steps, 'training.state.partial.steps', 1, Math.min(steps - 1, Number.MAX_SAFE_INTEGER));
    rngState(f, p.rng, 'training.state.partial.rng');
    const t = f.object(p.totals, 'training.state.partial.totals');
    for (const key of TERMS) f.number(t[key], `training.state.partial.totals.${key}`);
    f.number(p.lossSum, 'training.state.partial.lossSum');
    f.number(p.seconds, 'training.state.partial.seconds', 'a time ≥ 0', (x) => x >= 0);
  }
  // Adam steps once per batch: the step count follows from the epochs, the batch and the training rows.
  if (steps !== Infinity && step !== epoch * steps + partial) {
    f.fail(
      'training.state.step',
      `is ${step}, but ${epoch} epochs of ${steps} batches${partial ? ` and ${partial} steps` : ''} make ${epoch * steps + partial}`,
    );
  }
}

/** The latent Gaussian of imputation: sizes from the config, a finite mean, a symmetric positive definite covariance. */
function latentFit(f: Fields, v: unknown, c: ModelConfig): void {
  const o = f.object(v, 'latentFit');
  f.int(o.n1, 'latentFit.n1', c.latent[0], c.latent[0]);
  f.int(o.n2, 'latentFit.n2', c.latent[1], c.latent[1]);
  f.int(o.rows, 'latentFit.rows', 0);
  f.string(o.split, 'latentFit.split');
  const d = c.latent[0] + c.latent[1];
  f.numbers(o.mean, 'latentFit.mean', d);
  const cov = Float64Array.from(f.numbers(o.cov, 'latentFit.cov', d * d));
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
  if (!cholesky(positiveDefinite(cov, d), d)) f.fail('latentFit.cov', 'is not positive definite');
}

/** The checkpoint's files: names of our pattern (never a path) carrying the step, their sizes and checksums. */
export function checkpointFiles(
  f: Fields,
  v: unknown,
  step: number,
): { weights: CheckpointFile; trainState?: CheckpointFile } {
  const o = f.object(v, 'files');
  const file = (x: unknown, path: string, kind: string): CheckpointFile => {
    const e = f.object(x, path);
    const name = f.string(e.name, `${path}.name`),
      m = CHECKPOINT_FILE.exec(name);
    if (!m || m[1] !== kind || Number(m[2]) !== step)
      f.expected(`${path}.name`, `${kind}-${step}-<crc32>.safetensors`, name);
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

/** A parsed model.json checked field by field (`file` names it in messages), with the code's camelCase field names. */
export function validateModelJson(v: unknown, file: string): ModelJson {
  const f = new Fields(file, snakeName);
  const o = f.object(camelCaseKeys(v), '(top level)');
  if (o.format !== FORMAT) f.expected('format', `'${FORMAT}' (a jpvae model)`, o.format);
  const version = f.int(o.formatVersion, 'formatVersion', 1);
  if (version > FORMAT_VERSION) throw new InputError(newerFormatLine(file, version, FORMAT_VERSION));
  f.string(o.package, 'package');
  const c = config(f, o.config);
  f.array(o.layout, 'layout');
  data(f, o.data, c);
  const trainRows = (o.data as { trainRows?: number }).trainRows;
  if (o.training !== undefined) training(f, o.training, trainRows);
  if (o.latentFit !== undefined) latentFit(f, o.latentFit, c);
  if (version >= 2)
    checkpointFiles(f, o.files, o.training === undefined ? 0 : (o.training as { state: { step: number } }).state.step);
  else if (o.files !== undefined) f.fail('files', 'not in a formatVersion 1 model.json');
  return o as unknown as ModelJson; // every field checked above: the parsed value is that type
}

/** model.json's layout list against the layout the model built from its config. */
export function checkLayout(
  json: ModelJson,
  entries: readonly { name: string; shape: number[] }[],
  file: string,
): void {
  const f = new Fields(file, snakeName),
    got = f.array(json.layout, 'layout', entries.length);
  entries.forEach((e, i) => {
    const g = f.object(got[i], `layout[${i}]`);
    if (g.name !== e.name) f.expected(`layout[${i}].name`, `'${e.name}' (the config's layout)`, g.name);
    const shape = f.array(g.shape, `layout[${i}].shape`, e.shape.length);
    if (shape.some((x, j) => x !== e.shape[j]))
      f.fail(`layout[${i}].shape`, `expected [${e.shape}] (the config's layout), got [${shape.map(String)}]`);
  });
}
