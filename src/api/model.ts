// The high-level API, for two views or more: fit a model on a list of views
// (any of them missing in any row), impute any views from any others,
// evaluate, and move it as files. It follows the recipe `jpvae train` runs
// (api/training.ts), so a model written here and one written by the CLI
// are the same files: each loads in the other.
//
//   const model = await fit([tops, bottoms], { epochs: 30 });        // two views: the paper's model
//   const bottoms2 = model.impute(tops2, { given: 1 });               // E[x2 | x1] (Eq. 12)
//   const three = await fit([expr, meth, prot], { likelihood: 'gaussian' });
//   const meth2 = three.impute([expr2, prot2], { given: [1, 3], target: 2 });
//   const again = await fromFiles(model.toFiles());                   // bytes, anywhere
//   await model.save('runs/m'); const same = await load('runs/m');     // Node: a model directory
//
// Views are numbered from 1, in the order of the list, everywhere a user
// sees them.

import { initWasm, sharedMemoryAvailable, type BackendChoice } from '../core/index.ts';
import { Rng } from '../data/rng.ts';
import type { DataRecord } from '../data/record.ts';
import { pairViews, prepareViews, standardizeViews, type ViewData } from '../data/view-data.ts';
import { parseLikelihood } from '../data/likelihood.ts';
import { InputError } from '../errors.ts';
import { evaluateMetrics, type Metrics } from '../eval/metrics.ts';
import { evaluateCalibration, type Calibration } from '../eval/calibration.ts';
import { conditionalOf } from '../impute/block-conditional.ts';
import { encodeViewMeans, priorGaussian, type LatentFit } from '../impute/latent-fit.ts';
import { applyStandardize } from '../data/views.ts';
import { checkGivenRows, checkImputed, DRAW_KINDS, drawsOf, imputeInUnits, type DrawKind } from '../impute/impute.ts';
import { checkPoint, POINT_KINDS, toPoint, type PointKind } from '../impute/point.ts';
import { DEFAULT_ALPHA, defaultHidden, defaultLatent, type Likelihood, type ModelConfig } from '../model/config.ts';
import type { Jpvae } from '../model/jpvae.ts';
import type { PriorKind } from '../model/prior/prior.ts';
import { asBytes, decodeModel, encodeModel, filesOf, type ModelFiles, type ModelJson } from '../store/files.ts';
import type { EpochRecord, StepInfo } from '../train/trainer.ts';
import { buildExport, exportInputOf, type ImputerSubsets } from '../onnx/export.ts';
import type { Manifest } from '../onnx/manifest.ts';
import { toMatrix, type TwoViews, type ViewInput } from './inputs.ts';
import {
  covariatesOf,
  designOf,
  UNKNOWN_CATEGORY,
  type CovariateColumns,
  type UnknownCategory,
} from '../data/covariate-columns.ts';
import { holdoutOf, Training, trainOptionsOf, type RunOptions, type Splits } from './training.ts';
import { availableThreads, threadsVariant } from '../threads/plan.ts';
import { BACKENDS } from '../core/index.ts';
import { PRIOR_KINDS } from '../model/prior/prior.ts';
import {
  BOOLEAN,
  checkOptions,
  COLUMNS,
  either,
  FUNCTION,
  int,
  ints,
  LIST,
  NAMED,
  NUMBER,
  oneOf,
  SIGNAL,
  STRING,
  type OptionRule,
} from './options.ts';

/** The options of each call, as checkOptions checks them (keys and types; ranges where they are used). */
export const OPTION_RULES = {
  fit: {
    holdout: NUMBER,
    epochs: int(1),
    batch: int(1),
    lr: NUMBER,
    beta: STRING,
    seed: int(0),
    backend: oneOf(BACKENDS),
    threads: int(1),
    onWarning: FUNCTION,
    signal: SIGNAL,
    prior: oneOf(PRIOR_KINDS),
    alpha: NUMBER,
    flips: int(0),
    factors: int(1),
    latent: either(int(1), ints(1)),
    hidden: ints(1),
    likelihood: NAMED,
    covariates: COLUMNS,
    onEpoch: FUNCTION,
  },
  run: { epochs: int(1), signal: SIGNAL, onEpoch: FUNCTION, onStep: FUNCTION },
  impute: {
    given: either(int(1), ints(1)),
    target: either(int(1), ints(1)),
    samples: int(1),
    seed: int(0),
    draws: oneOf(DRAW_KINDS),
    point: oneOf(POINT_KINDS),
    names: LIST,
    covariates: COLUMNS,
    unknownCategory: oneOf(UNKNOWN_CATEGORY),
  },
  encode: { view: int(1), covariates: COLUMNS, unknownCategory: oneOf(UNKNOWN_CATEGORY) },
  evaluate: {
    seed: int(0),
    conditional: oneOf(['fit', 'prior']),
    point: oneOf(POINT_KINDS),
    covariates: COLUMNS,
    unknownCategory: oneOf(UNKNOWN_CATEGORY),
  },
  calibration: {
    samples: int(2),
    seed: int(0),
    draws: oneOf(DRAW_KINDS),
    covariates: COLUMNS,
    unknownCategory: oneOf(UNKNOWN_CATEGORY),
  },
  exportOnnx: { fp16: BOOLEAN, subsets: LIST },
  adapt: {
    covariates: COLUMNS,
    epochs: int(1),
    batch: int(1),
    lr: NUMBER,
    seed: int(0),
    latentFit: oneOf(['keep', 'pool']),
  },
  fromFiles: { backend: oneOf(BACKENDS), where: STRING },
  load: { backend: oneOf(BACKENDS) },
} satisfies Record<string, Record<string, OptionRule>>;

export type {
  ModelFiles,
  ModelJson,
  Metrics,
  EpochRecord,
  TwoViews,
  ViewInput,
  Likelihood,
  ModelConfig,
  CovariateColumns,
  UnknownCategory,
};

/** A model's views: a list (view v is entry v − 1), or two views by name with an optional n×2 0/1 mask. */
export type Views = readonly ViewInput[] | TwoViews;

/** How to fit: the flags of `jpvae train`, with the same defaults. */
export interface FitOptions extends RunOptions {
  /** The joint prior: 'orthogonal' (C = αO, the default for two views), 'svd', 'zero', or 'factor' (the default for more views). */
  prior?: PriorKind;
  alpha?: number; // orthogonal: C = αO; factor: Σ_ij = α·A_i·A_jᵀ (default 0.95)
  flips?: number; // two-view priors: −1s in the Cayley map's J (default 0)
  factors?: number; // factor: K, the shared factor's size (default: the largest latent size)
  /**
   * One size for every view or one per view; default: half each view's
   * width, at most 20 (hvdMNIST's 392-wide halves: 20).
   */
  latent?: number | number[];
  /** Default: two layers of the smallest power of two ≥ 4× the widest view, at most 512 (hvdMNIST: [512, 512]). */
  hidden?: number[];
  /** One for every view or one per view: 'bernoulli' (values in [0,1], the default), 'gaussian' (learnt variance), 'gaussian:V', 'poisson' or 'nb' (counts), or a Likelihood. */
  likelihood?: Likelihood | string | readonly (Likelihood | string)[];
  /**
   * Categorical covariates (batches, sites), each name to its value per row
   * (`{ batch: ['a', 'b', …] }`): every encoder and decoder reads their
   * one-hots; the categories are those of the rows given, sorted.
   */
  covariates?: CovariateColumns;
  onEpoch?: (record: EpochRecord) => void;
}

/** The rows' covariates, for a model trained with them (docs/covariates.md). */
export interface CovariateOptions {
  /** Each of the model's covariates to its value per row (as fit() took them). */
  covariates?: CovariateColumns;
  /** A category the model does not know: 'error' (the default), or 'average' (the mean of the known categories). */
  unknownCategory?: UnknownCategory;
}

/** How imputation picks its views (numbered from 1) and what it returns. */
export interface ImputeOptions extends CovariateOptions {
  /** The view the rows are (a number), or the views they are, in the order of the list of rows given. */
  given: number | readonly number[];
  /** The views to impute (default: every view not given). */
  target?: number | readonly number[];
  /** K draws per row (each row's draws together, (n·K)×width); default 1, the conditional mean. */
  samples?: number;
  seed?: number; // of the draws (default 1)
  draws?: DrawKind; // 'predictive' (default) or 'latent' (no observation noise)
  /** Without samples: 'mean' (the default, the likelihood's mean) or 'median' (a count view's median counts; impute/point.ts). */
  point?: PointKind;
  /** How errors name each given input (default rows, or rows[0], rows[1], …); jpvae impute names its files. */
  names?: readonly string[];
}

/** What a calibration scores: K draws per row (default 100) of kind `draws` (default 'predictive'), from Rng(seed) (default 1). */
export interface CalibrationOptions extends CovariateOptions {
  samples?: number;
  seed?: number;
  draws?: DrawKind;
}

/** Only Node writes and reads directories; its modules are imported by URL (`path` without .ts/.js), so no bundle follows them. */
export async function nodeModule<T>(what: string, path: string): Promise<T> {
  if (typeof process === 'undefined' || !process.versions?.node)
    throw new Error(`${what} needs Node; elsewhere use toFiles() and fromFiles()`);
  // Not new URL(…, import.meta.url) as it stands: webpack would bundle every file the template could name.
  const here = import.meta.url;
  const url = new URL(`${path}${here.endsWith('.ts') ? '.ts' : '.js'}`, here).href;
  return import(/* @vite-ignore */ /* webpackIgnore: true */ url);
}

/** The model directory on disk (store/store.ts), in Node. */
export const nodeStore = (what: string) => nodeModule<typeof import('../store/store.ts')>(what, '../store/store');

/** A list of distinct view numbers from 1 to m as indices; `what` names it in errors. */
function viewIndices(v: number | readonly number[], m: number, what: string): number[] {
  const xs = typeof v === 'number' ? [v] : [...v];
  if (!xs.length || !xs.every((x) => Number.isInteger(x) && x >= 1 && x <= m) || new Set(xs).size !== xs.length)
    throw new InputError(`${what}: expected distinct view numbers from 1 to ${m}, got ${xs.join(',') || 'none'}`);
  return xs.map((x) => x - 1);
}

/** Views given as a list, or as { view1, view2, mask }: the list, the mask and how errors name each. */
function viewList(views: Views): { list: readonly ViewInput[]; names: string[]; mask?: ViewInput } {
  if (Array.isArray(views)) return { list: views, names: views.map((_, i) => `views[${i}]`) };
  const { view1, view2, mask } = views as TwoViews;
  return { list: [view1, view2], names: ['view1', 'view2', 'mask'], mask };
}

/** The views' rows paired by row (a row's missing views NaN or empty, or marked by the mask). */
function pairedViews(views: Views, likelihood: readonly Likelihood[]): ViewData {
  const { list, names, mask } = viewList(views);
  const matrices = list.map((v, i) => toMatrix(v, names[i]));
  const maskMatrix = mask === undefined ? undefined : toMatrix(mask, names[list.length]);
  return pairViews(matrices, likelihood, names, undefined, maskMatrix);
}

/** A trained model: impute, evaluate, save. */
export class JpvaeModel {
  /** @internal the engine: its internals change between releases */
  readonly net: Jpvae;

  /** @internal */
  constructor(
    net: Jpvae,
    readonly json: ModelJson,
    private readonly trainState?: Uint8Array | string,
  ) {
    this.net = net;
  }

  get config(): ModelConfig {
    return this.json.config;
  }
  /** How many views the model has. */
  get views(): number {
    return this.net.m;
  }
  /** Each view's width (features), in view order. */
  get widths(): number[] {
    return this.json.config.dims;
  }
  /** One record per trained epoch: train and held-out losses, time. */
  get history(): readonly EpochRecord[] {
    return this.json.training?.state.history ?? [];
  }

  private fit(): LatentFit {
    if (!this.json.latentFit)
      throw new InputError('the model has no latent fit (training did not finish); resume it to the end first');
    return this.json.latentFit;
  }

  /**
   * Views `target` of rows of views `given`, in the units the model was
   * trained on: the conditional mean of Eq. 12 over the latent blocks,
   * decoded, or with `samples` K draws per row, each row's draws together,
   * (n·K)×width. `draws` (default 'predictive'): what a draw is, the latent
   * draw decoded plus a Gaussian view's observation noise, or 'latent'
   * without that noise. `point` (default 'mean'): without samples, 'median'
   * gives a count view's median counts instead of its expected counts.
   *
   * One view given (`given: 1`): `rows` are its rows; several: `rows` is a
   * list, one input per given view. A single target (a number, or the one
   * view left of a two-view model) gives its array; a list of targets one
   * array per target.
   */
  impute(rows: ViewInput, o: ImputeOptions & { given: number; target?: number }): Float32Array;
  impute(rows: readonly ViewInput[], o: ImputeOptions & { target: number }): Float32Array;
  impute(rows: ViewInput | readonly ViewInput[], o: ImputeOptions & { target: readonly number[] }): Float32Array[];
  impute(rows: ViewInput | readonly ViewInput[], o: ImputeOptions): Float32Array | Float32Array[];
  impute(rows: ViewInput | readonly ViewInput[], o: ImputeOptions): Float32Array | Float32Array[] {
    if (o === undefined)
      throw new InputError('options of impute: required ({ given }: the view or views the rows are)');
    checkOptions(o, OPTION_RULES.impute, 'options of impute');
    const sel = this.selection(o),
      given = sel.given.map((g) => g - 1),
      target = sel.target.map((t) => t - 1);
    const single = typeof o.given === 'number';
    if (single && o.target === undefined && target.length > 1)
      throw new InputError(
        `target: one view given of a ${this.views}-view model leaves ${target.length} to impute; name them (target)`,
      );
    const inputs = single ? [rows as ViewInput] : (rows as readonly ViewInput[]);
    if (!Array.isArray(inputs) || inputs.length !== given.length)
      throw new InputError(`rows: one input per given view (${given.length}) expected, got ${inputs.length}`);
    const K = o.samples ?? 1, // samples and draws checked by checkOptions
      kind = o.draws ?? 'predictive';
    const points = target.map((t) => checkPoint(o.point ?? 'mean', this.net.views[t].likelihood, t));
    if (points[0] !== 'mean' && K > 1)
      throw new InputError(`point ${points[0]}: a point imputation; leave samples out`);
    const names = o.names ?? (single ? ['rows'] : inputs.map((_, a) => `rows[${a}]`));
    let n = -1;
    const xs = given.map((g, a) => {
      const mat = toMatrix(inputs[a], names[a]),
        v = this.net.views[g];
      if (mat.cols !== v.dim)
        throw new InputError(`${names[a]}: rows have ${mat.cols} values, but view ${g + 1} of the model has ${v.dim}`);
      if (n >= 0 && mat.rows !== n) throw new InputError(`${names[a]}: ${mat.rows} rows, but ${names[0]} has ${n}`);
      n = mat.rows;
      checkGivenRows(mat.data, v.dim, v.likelihood, g, names[a]);
      return mat.data;
    });
    const rng = new Rng(o.seed ?? 1),
      draws = K > 1 ? drawsOf(kind, rng) : undefined;
    const c = conditionalOf(this.fit(), sel.given, sel.target);
    const design = this.designOf(o, n);
    const ys = imputeInUnits(this.net, c, this.json.data.standardize, xs, n, draws, K, design);
    ys.forEach((y, t) => {
      checkImputed(y, this.widths[target[t]], K, names[0]);
      toPoint(this.net.views[target[t]], this.net.dispersion(target[t]), y, points[t]);
    });
    return typeof o.target === 'number' || (o.target === undefined && ys.length === 1) ? ys[0] : ys;
  }

  /**
   * The paper's metrics (as `jpvae eval --json`) on rows of every view
   * (NaN or empty where a row lacks one), preprocessed as the training
   * data: each view's reconstruction, each view imputed from every
   * non-empty subset of the others (keys x1_given_x2, x2_given_x1_x3, over
   * the rows that have them all), the ELBO, active units and each pair's
   * latent cross-correlation. `conditional: 'prior'` imputes through the
   * model's own prior instead of the latent fit. Count views add their
   * imputation's scores in counts (`counts`): MAE at the median and RMSE
   * at the mean, or both at `point` (what impute({ point }) gives).
   */
  evaluate(
    views: Views,
    o: { seed?: number; conditional?: 'fit' | 'prior'; point?: PointKind } & CovariateOptions = {},
  ): Metrics {
    checkOptions(o, OPTION_RULES.evaluate, 'options of evaluate');
    return this.evaluateData(this.rowsOf(views, o), { ...o, split: 'given' });
  }

  /** @internal The same metrics on rows of the model's widths already preprocessed as its training data; `split` names them. */
  evaluateData(
    data: ViewData,
    o: { seed?: number; conditional?: 'fit' | 'prior'; point?: PointKind; split?: string } = {},
  ): Metrics {
    const fit = o.conditional === 'prior' ? priorGaussian(this.net) : this.fit();
    return evaluateMetrics(this.net, data, fit, o.split ?? 'given', o.seed ?? 1, o.point);
  }

  /**
   * Calibration of the imputations' draws on rows of every view (as
   * evaluate takes them; `jpvae eval --samples K --json` reports it under
   * `calibration`): on the rows that have every view, K draws (default
   * 100) of each view given all the others, of kind `draws` (default
   * 'predictive'; a count view's are latent draws, its predictive
   * mixture's components), scored against the true view; keyed as the
   * imputations (x1_given_x2, x2_given_x1_x3).
   */
  calibration(views: Views, o: CalibrationOptions = {}): Calibration {
    checkOptions(o, OPTION_RULES.calibration, 'options of calibration');
    const data = this.rowsOf(views, o);
    return evaluateCalibration(this.net, data, this.fit(), { ...o, samples: o.samples ?? 100 });
  }

  /**
   * The latent representation of rows of view `view` (in the units the
   * model was trained on, every row complete): each row's posterior mean
   * μ(x) of that view's encoder, n × the view's latent size.
   */
  encode(rows: ViewInput, o: { view: number } & CovariateOptions): Float32Array {
    if (o === undefined) throw new InputError('options of encode: required ({ view }: the view the rows are)');
    checkOptions(o, OPTION_RULES.encode, 'options of encode');
    const [i] = viewIndices(o.view, this.views, 'view'),
      v = this.net.views[i];
    const mat = toMatrix(rows, 'rows');
    if (mat.cols !== v.dim)
      throw new InputError(`rows: rows have ${mat.cols} values, but view ${i + 1} of the model has ${v.dim}`);
    checkGivenRows(mat.data, v.dim, v.likelihood, i, 'rows');
    const s = this.json.data.standardize[i];
    if (s) applyStandardize(mat.data, v.dim, s);
    const design = this.designOf(o, mat.rows);
    return Float32Array.from(encodeViewMeans(this.net, [mat.data], [i], mat.rows, design)[0]);
  }

  /** The design rows of `o.covariates` for n rows (none for a model without covariates). */
  private designOf(o: CovariateOptions, n: number): Float32Array | undefined {
    return designOf(this.config.covariates, o.covariates, n, o.unknownCategory);
  }

  /** The views of an imputation (numbered from 1), checked: `given`, and `target` (default: every view not given). */
  selection(o: Pick<ImputeOptions, 'given' | 'target'>): { given: number[]; target: number[] } {
    const m = this.views,
      given = viewIndices(o.given, m, 'given');
    const target =
      o.target === undefined
        ? [...Array(m).keys()].filter((i) => !given.includes(i))
        : viewIndices(o.target, m, 'target');
    const both = target.find((t) => given.includes(t));
    if (both !== undefined) throw new InputError(`target: view ${both + 1} is also given`);
    if (!target.length) throw new InputError('target: every view is given; nothing to impute');
    return { given: given.map((g) => g + 1), target: target.map((t) => t + 1) };
  }

  /** Rows of every view checked against the model's widths and preprocessed as its training data. */
  private rowsOf(views: Views, o: CovariateOptions = {}): ViewData {
    const m = this.views,
      { list, names } = viewList(views);
    if (list.length !== m) throw new InputError(`views: the model has ${m} views, got ${list.length}`);
    const data = pairedViews(views, this.json.data.likelihood);
    data.dims.forEach((w, i) => {
      if (w !== this.widths[i])
        throw new InputError(
          `${names[i]}: rows have ${w} values, but view ${i + 1} of the model has ${this.widths[i]}`,
        );
    });
    standardizeViews(data, this.json.data.standardize);
    const design = this.designOf(o, data.n);
    return design ? { ...data, design } : data;
  }

  /** model.json and the files it names (the weights and, while it can be trained on, the optimiser state), as a model directory holds them. */
  toFiles(): ModelFiles {
    const { data, training, latentFit } = this.json;
    const state = this.trainState === undefined ? undefined : asBytes(this.trainState);
    return encodeModel(this.net, { data, training, latentFit }, state);
  }

  /**
   * The ONNX export (as `jpvae export` writes it): encoders and decoders of
   * every view, a mean imputer and a sampler of each view from all the
   * others, and those of `subsets` ('pairs', 'all', or { given, target },
   * 1-based); the graphs and manifest.json by file name, in memory (a
   * plain object, as toFiles() gives a model's files).
   */
  exportOnnx(o: { fp16?: boolean; subsets?: readonly ImputerSubsets[] } = {}): {
    manifest: Manifest;
    files: Record<string, Uint8Array>;
  } {
    checkOptions(o, OPTION_RULES.exportOnnx, 'options of exportOnnx');
    this.fit();
    return buildExport(this.net, exportInputOf(this.json), {
      weights: o.fp16 ? 'float16' : 'float32',
      subsets: o.subsets,
    });
  }

  /** Node: write the files into `dir` (new, empty, or a model directory, which is replaced). */
  async save(dir: string): Promise<void> {
    const store = await nodeStore('save(dir)');
    store.checkOutDir(dir, 'save', true);
    store.writeModelFiles(dir, this.toFiles());
  }
}

/** A model from its files (toFiles(), a model directory's files fetched, or read by the caller). */
export async function fromFiles(
  files: ModelFiles,
  o: { backend?: BackendChoice; where?: string } = {},
): Promise<JpvaeModel> {
  checkOptions(o, OPTION_RULES.fromFiles, 'options of fromFiles');
  const where = o.where ?? 'files';
  await ready(o.backend);
  return modelOf(files, o.backend ?? 'wasm', where);
}

/** A model from its files, on compiled kernels (with `threads`, a threads build's, for a pool to join: src/threads/). */
export function modelOf(files: ModelFiles, backend: BackendChoice, where: string, threads = false): JpvaeModel {
  const { net, json } = decodeModel(files, backend, where, threads);
  const state = filesOf(json).trainState;
  return new JpvaeModel(net, json, state && files[state.name]);
}

/** Node: the model in directory `dir` (written by save() or by jpvae train). */
export async function load(dir: string, o: { backend?: BackendChoice } = {}): Promise<JpvaeModel> {
  checkOptions(o, OPTION_RULES.load, 'options of load');
  if (typeof dir !== 'string' || !dir) throw new InputError(`dir: expected a directory's path, got ${typeof dir}`);
  const store = await nodeStore('load(dir)');
  return fromFiles(store.readModelFiles(dir, 'load'), { ...o, where: dir });
}

/**
 * The wasm builds compiled (asynchronously, so it also works on a browser's
 * main thread); with threads, the threads variant too (when it cannot be
 * fetched, planThreads falls back to one thread and says why).
 */
export async function ready(backend: BackendChoice = 'wasm', threads = 1): Promise<void> {
  if (!backend.startsWith('wasm')) return;
  await initWasm();
  if (threads > 1 && sharedMemoryAvailable()) await initWasm({}, [threadsVariant(backend)]).catch(() => {});
}

/** The likelihood of each of m views from one for all or one per view. */
export function viewLikelihoods(l: FitOptions['likelihood'], m: number): Likelihood[] {
  const list = Array.isArray(l) ? l : [l];
  if (list.length !== 1 && list.length !== m)
    throw new InputError(`likelihood: give one for every view or one per view (${m}), got ${list.length}`);
  return Array.from({ length: m }, (_, i) =>
    parseLikelihood(list[list.length === 1 ? 0 : i], `likelihood${list.length === 1 ? '' : `[${i}]`} (view ${i + 1})`),
  );
}

/**
 * The config fit() and jpvae train build for views of `dims`: sizes not
 * given follow the views' widths (defaultLatent, defaultHidden: hvdMNIST
 * gets the reference 512,512 and 20), the orthogonal prior for two views
 * and the factor prior for more.
 */
export function configOf(dims: number[], likelihood: Likelihood[], o: FitOptions): ModelConfig {
  const m = dims.length,
    latent = o.latent === undefined ? dims.map(defaultLatent) : typeof o.latent === 'number' ? [o.latent] : o.latent;
  if (latent.length !== 1 && latent.length !== m)
    throw new InputError(`latent: give one size for every view or one per view (${m}), got ${latent.length}`);
  const kind = o.prior ?? (m === 2 ? 'orthogonal' : 'factor');
  return {
    dims,
    hidden: o.hidden ?? defaultHidden(dims),
    latent: dims.map((_, i) => latent[latent.length === 1 ? 0 : i]),
    prior: {
      kind,
      alpha: o.alpha ?? DEFAULT_ALPHA,
      ...(kind === 'factor' && o.flips === undefined ? {} : { flips: o.flips ?? 0 }),
      ...(o.factors !== undefined ? { factors: o.factors } : {}),
    },
    likelihood,
  };
}

/** Train a model on views paired by row, as `jpvae train` does (FitRun.start and run to the end). */
export async function fit(views: Views, o: FitOptions = {}): Promise<JpvaeModel> {
  const run = await FitRun.start(views, o);
  try {
    if (!(await run.run({ signal: o.signal, onEpoch: o.onEpoch }))) o.signal!.throwIfAborted();
  } finally {
    await run.close();
  }
  return run.model();
}

/**
 * A fit that can stop and go on: stopped by a signal part way through an
 * epoch, run() later continues exactly there; after the last epoch, run()
 * with more epochs trains on (as `jpvae train --resume --epochs N`). The
 * weights are those of one uninterrupted run to the same epoch count.
 */
export class FitRun {
  private constructor(
    private training: Training,
    private readonly splits: Splits,
    private readonly backend: BackendChoice,
    private readonly threadsAsked: number,
    /** The first held-out row of the input (rows heldOutFrom..rows−1 are never trained on; none when it equals rows). */
    readonly heldOutFrom: number,
    /** Rows of the input views. */
    readonly rows: number,
  ) {}

  /** Check and prepare the views as fit() does; no epoch runs yet. */
  static async start(views: Views, o: FitOptions = {}): Promise<FitRun> {
    checkOptions(o, OPTION_RULES.fit, 'options of fit');
    if (typeof views !== 'object' || views === null)
      throw new InputError(
        `views: expected a list of views (or { view1, view2 }), got ${views === null ? 'null' : typeof views}`,
      );
    const { list } = viewList(views);
    if (!Array.isArray(list) || list.length < 2)
      throw new InputError(
        `views: expected a list of at least two views, got ${Array.isArray(list) ? list.length : typeof list}`,
      );
    const likelihood = viewLikelihoods(o.likelihood, list.length);
    const holdout = holdoutOf(o);
    const paired = pairedViews(views, likelihood);
    const config = configOf(paired.dims, likelihood, o);
    if (o.covariates && Object.keys(o.covariates).length) {
      config.covariates = covariatesOf(o.covariates, paired.n);
      paired.design = designOf(config.covariates, o.covariates, paired.n);
    }
    const { train, heldOut, standardize } = prepareViews(paired, likelihood, holdout);
    const record: DataRecord = {
      dataset: 'arrays',
      holdout,
      likelihood,
      standardize,
      trainRows: train.n,
      heldOutRows: heldOut?.n ?? 0,
      ...(config.covariates ? { covariates: config.covariates } : {}),
    };
    const splits = { train, test: heldOut };
    const { run, backend, threads } = await startRun(o, (backend, threads) =>
      Training.start(config, trainOptionsOf(o), splits, record, backend, threads),
    );
    return new FitRun(run, splits, backend, threads, train.n, paired.n);
  }

  /** Epochs completed (a stopped epoch counts once it is finished). */
  get epoch(): number {
    return this.training.trainer.state.epoch;
  }
  /** Epochs the run trains to. */
  get epochs(): number {
    return this.training.epochs;
  }
  /** Threads each step runs on. */
  get threads(): number {
    return this.training.threads;
  }
  /** One record per completed epoch: train and held-out losses, time. */
  get history(): readonly EpochRecord[] {
    return this.training.trainer.state.history;
  }
  get done(): boolean {
    return this.training.done;
  }

  /**
   * Train until `epochs` have run in total (default: as many as asked for
   * so far); true when they have, false when `signal` stopped the run
   * (at a turn of the event loop, after every step; run() again goes on from
   * there). More epochs than a finished run had continue it.
   */
  async run(
    o: {
      epochs?: number;
      signal?: AbortSignal;
      onEpoch?: (record: EpochRecord) => void;
      onStep?: (step: StepInfo) => void;
    } = {},
  ): Promise<boolean> {
    checkOptions(o, OPTION_RULES.run, 'options of run');
    if (o.epochs !== undefined && o.epochs !== this.epochs) {
      if (!(Number.isInteger(o.epochs) && o.epochs > this.epoch))
        throw new InputError(`epochs: expected an integer above the ${this.epoch} already trained, got ${o.epochs}`);
      const files = this.training.files();
      await this.training.close();
      this.training = Training.resume(
        files,
        this.splits,
        { epochs: o.epochs, backend: this.backend, threads: this.threadsAsked },
        'the run',
      );
    }
    while (!this.training.done) {
      if (o.signal?.aborted) return false;
      const record = await this.training.runEpoch(o.onStep, () => !!o.signal?.aborted);
      if (!record) return false;
      o.onEpoch?.(record);
    }
    return true;
  }

  /** The model's files as they stand (a checkpoint `jpvae train --resume` continues, until the run is done). */
  files(): ModelFiles {
    return this.training.files();
  }

  /** The trained model (once run() has returned true). */
  model(): JpvaeModel {
    if (!this.done)
      throw new InputError(`the run has trained ${this.epoch} of ${this.epochs} epochs; run() it to the end first`);
    return modelOf(this.training.files(), this.backend, 'the run'); // its own net: training on does not change it
  }

  /** End the training threads, if any (a finished run has ended them already). */
  close(): Promise<void> {
    return this.training.close();
  }
}

/**
 * A training run started on the backend and threads `o` asks for (default:
 * the best wasm build, on every core), once they are ready; the run's
 * threads warning, if any, goes to `o.onWarning` (default: one console.warn
 * line, never dropped unseen).
 */
export async function startRun<T extends { threadsWarning?: string }>(
  o: RunOptions,
  start: (backend: BackendChoice, threads: number) => T,
): Promise<{ run: T; backend: BackendChoice; threads: number }> {
  const backend = o.backend ?? 'wasm',
    threads = o.threads ?? (backend.startsWith('wasm') ? availableThreads() : 1);
  await ready(backend, threads);
  const run = start(backend, threads);
  if (run.threadsWarning) (o.onWarning ?? ((m: string) => console.warn(`jpvae: ${m}`)))(run.threadsWarning);
  return { run, backend, threads };
}
