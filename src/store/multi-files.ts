// An M-view model's files as bytes, no file system: model.json (format
// jpvae-multiview-model) and the checkpoint files it names by step and
// checksum, as a two-view model's (store/files.ts):
// weights-<step>-<crc32>.safetensors and, while the model can still be
// trained, train-state-<step>-<crc32>.safetensors (Adam's moments). So the
// directory on disk is written and read by the same code (store.ts: the
// atomic checkpoint set, the lock, the reader that loses a race and reads
// again). Reading validates every field (config, layout, data record,
// training state, latent fit) before anything of the model's size is
// allocated, then each file against model.json.

import { checkMultiConfig, type MultiJpvae, type MultiViewConfig } from '../model/multi-jpvae.ts';
import type { Likelihood } from '../data/likelihood.ts';
import type { Standardize } from '../data/views.ts';
import type { HoldoutSplit } from '../data/holdout.ts';
import { InputError } from '../errors.ts';
import type { MultiLatentFit } from '../impute/multi-impute.ts';
import { Fields } from '../io/fields.ts';
import { newerFormatLine } from '../io/format-version.ts';
import { camelCaseKeys, jsonText, snakeName } from '../io/json-keys.ts';
import { cholesky } from '../linalg/dense.ts';
import { MAX_PARAMETERS } from '../model/config.ts';
import { parseBeta } from '../train/beta.ts';
import type { MultiTrainState } from '../train/multi-fit.ts';
import {
  decodeMoments,
  decodeParams,
  encodeCheckpoint,
  MODEL_JSON,
  type ModelExtra,
  type ModelFiles,
  type Moments,
} from './files.ts';
import { checkpointFiles, likelihood, parseJsonText, rngState, type CheckpointFile } from './model-json.ts';

export const MULTI_FORMAT = 'jpvae-multiview-model';
/**
 * The model.json this code writes and reads. Version 3 names its checkpoint
 * files by step and checksum and keeps the training state (resume);
 * versions 1 and 2 (weights.safetensors, no optimiser state) were written
 * by development builds before the first release and are refused with a
 * line that says to train again.
 */
export const MULTI_FORMAT_VERSION = 3;

/** Where the training rows came from and how they were preprocessed (a type, not an interface, so it is a Record the manifest copies). */
export type MultiDataRecord = {
  views: string[]; // the files, absolute paths ('' for arrays given to the library)
  idColumn?: string; // the tables' column of sample IDs the views were paired by
  holdoutSplit?: HoldoutSplit; // which rows were held out (absent: 'last-rows')
  likelihood: Likelihood[];
  holdout: number;
  standardize: (Standardize | null)[];
  trainRows: number;
  heldOutRows: number;
};

/** How a run trains (fixed for its life, but lr: a resume may change it). */
export interface MultiTrainingOptions {
  batch: number;
  beta: string; // constant[:B] | linear:E | cyclical:E
  seed: number;
  lr: number;
  backend?: string; // the kernels that trained it (informational)
}

export interface MultiModelJson {
  format: typeof MULTI_FORMAT;
  formatVersion: number;
  package: string;
  config: MultiViewConfig;
  layout: { name: string; shape: number[] }[];
  data: MultiDataRecord;
  training: { options: MultiTrainingOptions; state: MultiTrainState };
  /** The latent Gaussian of imputation (§2.7), fitted on the training rows after the last epoch. */
  latentFit?: MultiLatentFit;
  files: { weights: CheckpointFile; trainState?: CheckpointFile };
}

/** Whether model.json's text is an M-view model's (its format), without validating it. */
export function isMultiModelText(text: string): boolean {
  try {
    return JSON.parse(text).format === MULTI_FORMAT;
  } catch {
    return false;
  }
}

/** Parameters of an M-view config (an upper bound: a learnt variance counted for every view). */
export function multiParameterCount(c: Pick<MultiViewConfig, 'dims' | 'hidden' | 'latent' | 'prior'>): number {
  const top = c.hidden[c.hidden.length - 1],
    dense = (w: number[]) => w.slice(1).reduce((s, x, l) => s + (w[l] + 1) * x, 0);
  return c.dims.reduce(
    (s, d, i) =>
      s +
      dense([d, ...c.hidden]) +
      2 * (top + 1) * c.latent[i] +
      dense([c.latent[i], ...[...c.hidden].reverse(), d]) +
      d,
    c.dims.length * (c.prior.factors ?? Math.max(...c.latent)) ** 2,
  );
}

/** model.json and the checkpoint files of `model` (with the optimiser's moments when given). */
export function encodeMultiModel(model: MultiJpvae, extra: ModelExtra<MultiModelJson>, adam?: Moments): ModelFiles {
  return encodeCheckpoint(model, [MULTI_FORMAT, MULTI_FORMAT_VERSION], extra, adam, (json) =>
    jsonText(json, { indent: 1 }),
  );
}

/** model.json's text, validated field by field; `name` says where it came from in errors. */
export function parseMultiModelJson(text: string, name: string): MultiModelJson {
  return validateMultiModelJson(parseJsonText(text, name), name);
}

const MAX_ROWS = 2 ** 40;

/** One epoch of the history (MultiEpochRecord): its number and finite losses, one per view. */
function epochRecord(f: Fields, v: unknown, path: string, epoch: number, m: number): void {
  const o = f.object(v, path);
  f.int(o.epoch, `${path}.epoch`, epoch, epoch);
  f.number(o.beta, `${path}.beta`, 'a β ≥ 0', (x) => x >= 0);
  for (const key of ['seconds', 'samplesPerSec'] as const)
    f.number(o[key], `${path}.${key}`, 'a finite number ≥ 0', (x) => x >= 0);
  const losses = (x: unknown, p: string, loss: boolean) => {
    const l = f.object(x, p);
    f.numbers(l.recon, `${p}.recon`, m);
    f.number(l.kl, `${p}.kl`);
    if (loss) f.number(l.loss, `${p}.loss`);
  };
  losses(o.train, `${path}.train`, true);
  if (o.test !== undefined) losses(o.test, `${path}.test`, false);
}

function trainingOf(f: Fields, v: unknown, m: number, trainRows: number): MultiModelJson['training'] {
  const o = f.object(v, 'training'),
    opt = f.object(o.options, 'training.options'),
    st = f.object(o.state, 'training.state');
  const batch = f.int(opt.batch, 'training.options.batch', 1, 1 << 16);
  const beta = f.string(opt.beta, 'training.options.beta');
  try {
    parseBeta(beta);
  } catch {
    f.expected('training.options.beta', 'constant[:B], linear:E or cyclical:E (E > 0)', beta);
  }
  const options: MultiTrainingOptions = {
    batch,
    beta,
    seed: f.int(opt.seed, 'training.options.seed', 0),
    lr: f.number(opt.lr, 'training.options.lr', 'a learning rate > 0', (x) => x > 0),
    ...(opt.backend === undefined ? {} : { backend: f.string(opt.backend, 'training.options.backend') }),
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
  return { options, state: st as unknown as MultiTrainState }; // every field checked above: the parsed value is that type
}

/** Every field of a parsed model.json, typed and range-checked; `file` names it in errors. */
export function validateMultiModelJson(v: unknown, file: string): MultiModelJson {
  const f = new Fields(file, snakeName),
    o = f.object(camelCaseKeys(v), '(top)');
  f.string(o.format, 'format', [MULTI_FORMAT]);
  const version = f.int(o.formatVersion, 'formatVersion', 1);
  if (version > MULTI_FORMAT_VERSION) throw new InputError(newerFormatLine(file, version, MULTI_FORMAT_VERSION));
  if (version < MULTI_FORMAT_VERSION)
    f.fail(
      'formatVersion',
      `is ${version}: an M-view model of a development build before checkpoints; train it again with this jpvae`,
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
    ...(p.factors === undefined ? {} : { factors: f.int(p.factors, 'config.prior.factors', 1, 4096) }),
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
  const params = multiParameterCount(config);
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
    ...(d.idColumn === undefined ? {} : { idColumn: f.string(d.idColumn, 'data.idColumn') }),
    ...(d.holdoutSplit === undefined
      ? {}
      : { holdoutSplit: f.string(d.holdoutSplit, 'data.holdoutSplit', ['last-rows', 'per-pairing']) as HoldoutSplit }),
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
    trainRows: f.int(d.trainRows, 'data.trainRows', 1, MAX_ROWS),
    heldOutRows: f.int(d.heldOutRows, 'data.heldOutRows', 0, MAX_ROWS),
  };
  const training = trainingOf(f, o.training, m, data.trainRows);
  let latentFit: MultiLatentFit | undefined;
  if (o.latentFit !== undefined) {
    const lf = f.object(o.latentFit, 'latentFit'),
      D = latent.reduce((a, b) => a + b, 0);
    f.array(lf.latent, 'latentFit.latent', m).forEach((x, i) => {
      if (x !== latent[i]) f.expected(`latentFit.latent[${i}]`, `${latent[i]} (config.latent)`, x);
    });
    const cov = f.numbers(lf.cov, 'latentFit.cov', D * D);
    if (!cholesky(Float64Array.from(cov), D)) f.fail('latentFit.cov', 'is not symmetric positive definite');
    latentFit = {
      latent,
      rows: f.int(lf.rows, 'latentFit.rows', 0),
      complete: f.int(lf.complete, 'latentFit.complete', 0),
      mean: f.numbers(lf.mean, 'latentFit.mean', D),
      cov,
    };
  }
  const files = checkpointFiles(f, o.files, training.state.step);
  return {
    format: MULTI_FORMAT,
    formatVersion: version,
    package: f.string(o.package, 'package'),
    config,
    layout,
    data,
    training,
    ...(latentFit ? { latentFit } : {}),
    files,
  };
}

/** model.json's layout against the layout the model built from its config. */
function checkMultiLayout(json: MultiModelJson, model: MultiJpvae, file: string): void {
  const f = new Fields(file, snakeName);
  if (json.layout.length !== model.layout.entries.length)
    f.expected('layout', `${model.layout.entries.length} tensors (the config's layout)`, json.layout);
  model.layout.entries.forEach((e, i) => {
    const g = json.layout[i];
    if (g.name !== e.name || g.shape.join() !== e.shape.join())
      f.fail(`layout[${i}]`, `expected ${e.name} [${e.shape}] (the config's layout), got ${g.name} [${g.shape}]`);
  });
}

/** Before a model of json's config is allocated: are the weights (`bytes` long) about that large? */
export function checkMultiWeightsSize(bytes: number, json: MultiModelJson, weights: string): void {
  const params = multiParameterCount(json.config),
    least = json.layout.reduce((s, e) => s + e.shape.reduce((a, b) => a * b, 1), 0);
  if (bytes < 8 + 4 * least || bytes > 8 + 100_000_000 + 4 * params)
    throw new InputError(
      `${weights}: ${bytes} bytes, but ${MODEL_JSON}'s layout has ${least} parameters (${4 * least} bytes of F32): the files do not belong together`,
    );
}

/** The weights file's bytes into a model built from json.config (`where`: the directory or source, for errors). */
export function decodeMultiWeights(bytes: Uint8Array, json: MultiModelJson, model: MultiJpvae, where: string): void {
  checkMultiLayout(json, model, `${where}/${MODEL_JSON}`);
  decodeParams(bytes, json.files.weights, json.training.state.step, model.layout.entries, model.params(), where);
}

/** The train-state file's bytes into the optimiser. */
export function decodeMultiTrainState(bytes: Uint8Array, json: MultiModelJson, adam: Moments, where: string): void {
  decodeMoments(bytes, json.files.trainState, json.training.state.step, adam, where);
}
