// The directory of an M-view model: model.json (format jpvae-multiview-model)
// and weights.safetensors, written as one directory renamed into place
// (a failed run never leaves half a model, nor replaces a good one).
// Reading validates every field (config, layout, standardisation and the
// latent fit against the config's sizes) before anything of the model's
// size is allocated, then the weights' tensors against the layout.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Kernels } from '../core/kernels.ts';
import type { Likelihood } from '../data/likelihood.ts';
import type { Standardize } from '../data/views.ts';
import { InputError } from '../errors.ts';
import type { MultiLatentFit } from '../impute/multi-impute.ts';
import { writeDirAtomic } from '../io/atomic-dir.ts';
import { Fields } from '../io/fields.ts';
import { camelCaseKeys, jsonText, snakeName } from '../io/json-keys.ts';
import { onPath } from '../io/fs-error.ts';
import { decodeSafetensors, encodeSafetensors, type Tensor } from '../io/safetensors.ts';
import { cholesky } from '../linalg/dense.ts';
import { MAX_PARAMETERS } from '../model/config.ts';
import { checkMultiConfig, MultiJpvae, type MultiViewConfig } from '../model/multi-jpvae.ts';
import type { MultiEpochRecord } from '../train/multi-fit.ts';
import { PACKAGE_VERSION } from '../version.ts';
import { likelihood } from './model-json.ts';

export const MULTI_FORMAT = 'jpvae-multiview-model';
/** Version 2 spells model.json's field names in snake_case (io/json-keys.ts); version 1's camelCase still reads. */
export const MULTI_FORMAT_VERSION = 2;
const MODEL_JSON = 'model.json',
  WEIGHTS = 'weights.safetensors',
  MAX_JSON_BYTES = 64 << 20;

/** Where the training rows came from and how they were preprocessed. */
export interface MultiDataRecord {
  views: string[]; // the files, absolute paths ('' for arrays)
  likelihood: Likelihood[];
  holdout: number;
  standardize: (Standardize | null)[];
  trainRows: number;
  heldOutRows: number;
}

export interface MultiModelJson {
  format: typeof MULTI_FORMAT;
  formatVersion: number;
  package: string;
  config: MultiViewConfig;
  layout: { name: string; shape: number[] }[];
  data: MultiDataRecord;
  training: { epochs: number; batch: number; seed: number; lr: number; history: MultiEpochRecord[] };
  latentFit: MultiLatentFit;
}

/** Whether a model directory holds an M-view model (its model.json's format), without validating it. */
export function isMultiModelDir(dir: string): boolean {
  try {
    return JSON.parse(readFileSync(join(dir, MODEL_JSON), 'utf8')).format === MULTI_FORMAT;
  } catch {
    return false;
  }
}

export function saveMultiModel(
  dir: string,
  model: MultiJpvae,
  extra: Pick<MultiModelJson, 'data' | 'training' | 'latentFit'>,
): void {
  const json: MultiModelJson = {
    format: MULTI_FORMAT,
    formatVersion: MULTI_FORMAT_VERSION,
    package: PACKAGE_VERSION,
    config: model.config,
    layout: model.layout.entries.map((e) => ({ name: e.name, shape: e.shape })),
    ...extra,
  };
  const p = model.params(),
    tensors = new Map<string, Tensor>();
  for (const e of model.layout.entries)
    tensors.set(e.name, { shape: e.shape, data: Float32Array.from(p.subarray(e.offset, e.offset + e.size)) });
  writeDirAtomic(dir, [
    [MODEL_JSON, new TextEncoder().encode(jsonText(json, { indent: 1 }))],
    [WEIGHTS, encodeSafetensors(tensors, { format: MULTI_FORMAT })],
  ]);
}

/** Every field of a parsed model.json, typed and range-checked; `file` names it in errors. */
export function validateMultiModelJson(v: unknown, file: string): MultiModelJson {
  const f = new Fields(file, snakeName),
    o = f.object(camelCaseKeys(v), '(top)');
  f.string(o.format, 'format', [MULTI_FORMAT]);
  const version = f.int(o.formatVersion, 'formatVersion', 1);
  if (version > MULTI_FORMAT_VERSION)
    f.fail(
      'formatVersion',
      `is ${version}: written by a newer jpvae (${typeof o.package === 'string' ? o.package : 'unknown version'}); this one reads up to ${MULTI_FORMAT_VERSION}: upgrade jpvae to load it`,
    );
  const c = f.object(o.config, 'config'),
    dims = f.array(c.dims, 'config.dims').map((x, i) => f.int(x, `config.dims[${i}]`, 1, 1 << 24));
  const m = dims.length;
  if (m < 2 || m > 8) f.fail('config.dims', `expected 2 to 8 views, got ${m}`);
  const hidden = f.array(c.hidden, 'config.hidden').map((x, i) => f.int(x, `config.hidden[${i}]`, 1, 1 << 24));
  if (hidden.length < 1 || hidden.length > 64) f.fail('config.hidden', 'expected 1 to 64 layers');
  const latent = f.array(c.latent, 'config.latent', m).map((x, i) => f.int(x, `config.latent[${i}]`, 1, 4096));
  const p = f.object(c.prior, 'config.prior');
  const prior = {
    kind: f.string(p.kind, 'config.prior.kind', ['factor', 'zero'] as const),
    alpha: f.number(p.alpha, 'config.prior.alpha', 'a number with 0 ≤ α < 1', (a) => a >= 0 && a < 1),
    factors: p.factors === undefined ? undefined : f.int(p.factors, 'config.prior.factors', 1, 4096),
  };
  const lik =
    c.likelihood === undefined
      ? undefined
      : f.array(c.likelihood, 'config.likelihood', m).map((x, i) => likelihood(f, x, `config.likelihood[${i}]`));
  const config: MultiViewConfig = { dims, hidden, latent, prior, ...(lik ? { likelihood: lik } : {}) };
  try {
    checkMultiConfig(config);
  } catch (e) {
    f.fail('config', (e as Error).message);
  }
  const top = hidden[hidden.length - 1],
    dense = (w: number[]) => w.slice(1).reduce((s, x, l) => s + (w[l] + 1) * x, 0);
  const params = dims.reduce(
    (s, d, i) =>
      s + dense([d, ...hidden]) + 2 * (top + 1) * latent[i] + dense([latent[i], ...[...hidden].reverse(), d]) + d,
    m * (prior.factors ?? Math.max(...latent)) ** 2,
  );
  if (!(params <= MAX_PARAMETERS))
    f.fail('config', `makes ${params.toExponential(2)} parameters, more than ${MAX_PARAMETERS}`);
  const layout = f.array(o.layout, 'layout').map((x, i) => {
    const e = f.object(x, `layout[${i}]`);
    return {
      name: f.string(e.name, `layout[${i}].name`),
      shape: f.array(e.shape, `layout[${i}].shape`).map((s, j) => f.int(s, `layout[${i}].shape[${j}]`, 1, 1 << 30)),
    };
  });
  const d = f.object(o.data, 'data');
  const data: MultiDataRecord = {
    views: f.array(d.views, 'data.views', m).map((x, i) => f.string(x, `data.views[${i}]`)),
    likelihood: f.array(d.likelihood, 'data.likelihood', m).map((x, i) => likelihood(f, x, `data.likelihood[${i}]`)),
    holdout: f.number(d.holdout, 'data.holdout', 'a fraction in [0, 1)', (x) => x >= 0 && x < 1),
    standardize: f.array(d.standardize, 'data.standardize', m).map((s, i) => {
      if (s === null) return null;
      const so = f.object(s, `data.standardize[${i}]`);
      return {
        mean: f.numbers(so.mean, `data.standardize[${i}].mean`, dims[i]),
        sd: f.numbers(so.sd, `data.standardize[${i}].sd`, dims[i], 'a number > 0', (x) => x > 0),
      };
    }),
    trainRows: f.int(d.trainRows, 'data.trainRows', 1),
    heldOutRows: f.int(d.heldOutRows, 'data.heldOutRows', 0),
  };
  const t = f.object(o.training, 'training');
  const training = {
    epochs: f.int(t.epochs, 'training.epochs', 1),
    batch: f.int(t.batch, 'training.batch', 1, 1 << 16),
    seed: f.int(t.seed, 'training.seed', 0),
    lr: f.number(t.lr, 'training.lr', 'a number > 0', (x) => x > 0),
    history: f.array(t.history, 'training.history') as MultiEpochRecord[],
  };
  const lf = f.object(o.latentFit, 'latentFit'),
    D = latent.reduce((a, b) => a + b, 0);
  f.array(lf.latent, 'latentFit.latent', m).forEach((x, i) => {
    if (x !== latent[i]) f.expected(`latentFit.latent[${i}]`, `${latent[i]} (config.latent)`, x);
  });
  const cov = f.numbers(lf.cov, 'latentFit.cov', D * D);
  if (!cholesky(Float64Array.from(cov), D)) f.fail('latentFit.cov', 'is not symmetric positive definite');
  const latentFit: MultiLatentFit = {
    latent,
    rows: f.int(lf.rows, 'latentFit.rows', 0),
    complete: f.int(lf.complete, 'latentFit.complete', 0),
    mean: f.numbers(lf.mean, 'latentFit.mean', D),
    cov,
  };
  return {
    format: MULTI_FORMAT,
    formatVersion: MULTI_FORMAT_VERSION,
    package: f.string(o.package, 'package'),
    config,
    layout,
    data,
    training,
    latentFit,
  };
}

/** An M-view model directory: its model.json validated, the model built on k and its weights loaded and checked. */
export function loadMultiModel(dir: string, k: Kernels, flag = '--model'): { model: MultiJpvae; json: MultiModelJson } {
  const path = join(dir, MODEL_JSON),
    wpath = join(dir, WEIGHTS);
  if (!existsSync(path)) throw new InputError(`${flag} ${dir}: not a jpvae model directory (no ${MODEL_JSON})`);
  const size = onPath(path, () => statSync(path).size, flag, 'cannot read');
  if (size > MAX_JSON_BYTES) throw new InputError(`${path}: ${size} bytes, more than a model.json can have`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(onPath(path, () => readFileSync(path, 'utf8'), flag, 'cannot read'));
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${path}: not valid JSON`);
  }
  const json = validateMultiModelJson(parsed, path);
  const model = new MultiJpvae(k, json.config, json.training.batch);
  const f = new Fields(path, snakeName);
  if (json.layout.length !== model.layout.entries.length)
    f.expected('layout', `${model.layout.entries.length} tensors (the config's layout)`, json.layout);
  model.layout.entries.forEach((e, i) => {
    const g = json.layout[i];
    if (g.name !== e.name || g.shape.join() !== e.shape.join())
      f.fail(`layout[${i}]`, `expected ${e.name} [${e.shape}] (the config's layout), got ${g.name} [${g.shape}]`);
  });
  const wsize = onPath(wpath, () => statSync(wpath).size, flag, 'cannot read');
  if (wsize > 8 + 100_000_000 + 4 * model.layout.size)
    throw new InputError(`${wpath}: ${wsize} bytes, more than the model's weights can have`);
  const { tensors } = decodeSafetensors(
    onPath(wpath, () => readFileSync(wpath), flag, 'cannot read'),
    wpath,
  );
  const p = model.params();
  for (const e of model.layout.entries) {
    const t = tensors.get(e.name);
    if (!t || t.shape.join() !== e.shape.join())
      throw new InputError(`${wpath}: tensor '${e.name}': expected shape [${e.shape}] (model.json's layout)`);
    p.set(t.data, e.offset);
  }
  return { model, json };
}
