// The high-level API for M ≥ 2 views: fit a model on a list of views (any
// subset of them missing in any row), impute any views from any others,
// evaluate per view and per (given → target) pair, move it as files. It
// follows the recipe `jpvae train --view …` runs (api/multi-training.ts),
// so a model written here and one written by the CLI are the same files.
//
//   const model = await fitViews([expr, meth, prot], { likelihood: 'gaussian', latent: 8 });
//   const meth2 = model.impute([expr2, prot2], { given: [1, 3], target: 2 });
//   const metrics = model.evaluate([exprH, methH, protH]);   // metrics.impute.x2_given_x1_x3 …
//   const again = await viewsFromFiles(model.toFiles());
//
// Views are numbered from 1, in the order of the list, everywhere a user
// sees them. The two-view API (api/model.ts) stays the paper's model: its
// priors (zero, svd, orthogonal) are for two views; this one's are the
// M-view factor prior (for two views with K = d, the paper's C = αO) and
// zero.

import { buildMultiExport, multiExportInputOf, type ImputerSubsets } from '../onnx/export.ts';
import type { Manifest } from '../onnx/manifest.ts';
import { createKernels, type BackendChoice } from '../core/index.ts';
import { valueRule, type Likelihood } from '../data/likelihood.ts';
import { pairMultiView, prepareMultiView, standardizeMultiView, type MultiViewData } from '../data/multi-view.ts';
import type { Matrix } from '../data/npy.ts';
import { Rng } from '../data/rng.ts';
import { applyStandardize } from '../data/views.ts';
import { InputError } from '../errors.ts';
import { evaluateMultiMetrics, type MultiMetrics } from '../eval/multi-metrics.ts';
import { evaluateMultiCalibration, type MultiCalibration } from '../eval/multi-calibration.ts';
import { imputeMulti, multiConditional, multiPriorGaussian, type MultiLatentFit } from '../impute/multi-impute.ts';
import { DRAW_KINDS, drawsOf, type DrawKind } from '../impute/impute.ts';
import { checkPoint, POINT_KINDS, toPoint, type PointKind } from '../impute/point.ts';
import { DEFAULT_ALPHA, DEFAULT_HIDDEN } from '../model/config.ts';
import { MultiJpvae, type MultiPriorKind, type MultiViewConfig } from '../model/multi-jpvae.ts';
import { LOADED_MODEL_ROWS, MODEL_JSON, type ModelFiles } from '../store/files.ts';
import {
  checkMultiWeightsSize,
  decodeMultiWeights,
  parseMultiModelJson,
  type MultiDataRecord,
  type MultiModelJson,
} from '../store/multi-files.ts';
import type { MultiEpochRecord } from '../train/multi-fit.ts';
import { toMatrix, type ViewInput } from './inputs.ts';
import { calibrationOptions, nodeModule, nodeStore, ready, startRun, type CalibrationOptions } from './model.ts';
import { parseLikelihood } from '../data/likelihood.ts';
import { MultiTraining } from './multi-training.ts';
import { holdoutOf, trainOptionsOf, type RunOptions } from './training.ts';
import { fileOf } from '../store/files.ts';

export type { MultiModelJson, MultiMetrics, MultiEpochRecord, MultiViewConfig };

/** How to fit M views: the flags of `jpvae train --view …`, with the same defaults. */
export interface ViewsFitOptions extends RunOptions {
  prior?: MultiPriorKind; // 'factor' (default: the learnt joint prior) or 'zero' (independent views)
  alpha?: number; // Σ_ij = α·A_i·A_jᵀ, 0 ≤ α < 1 (default 0.95)
  factors?: number; // K, the shared factor's size (default: the largest latent size)
  latent?: number | number[]; // one size for every view or one per view (default 20)
  hidden?: number[]; // default [512, 512]
  /** One for every view or one per view: 'bernoulli' (values in [0, 1]), 'gaussian' (learnt variance), 'gaussian:V' or a Likelihood (default bernoulli). */
  likelihood?: Likelihood | string | (Likelihood | string)[];
  onEpoch?: (record: MultiEpochRecord) => void;
}

/** How imputation picks its views (numbered from 1) and what it returns. */
export interface ViewsImputeOptions {
  /** The views the rows are, in the order of the rows given (e.g. [1, 3]). */
  given: number | readonly number[];
  /** The views to impute (default: every view not given). */
  target?: number | readonly number[];
  /** K draws per row (each row's draws together, (n·K)×width); default 1, the conditional mean. */
  samples?: number;
  seed?: number; // of the draws (default 1)
  draws?: DrawKind; // 'predictive' (default) or 'latent' (no observation noise)
  /** Without samples: 'mean' (the default, the likelihood's mean) or 'median' (a count view's median counts; impute/point.ts). */
  point?: PointKind;
  /** How errors name each given input (default rows[0], rows[1], …); jpvae impute names its files. */
  names?: readonly string[];
}

/** A list of distinct view numbers from 1 to m as indices; `what` names it in errors. */
function viewIndices(v: number | readonly number[], m: number, what: string): number[] {
  const xs = typeof v === 'number' ? [v] : [...v];
  if (!xs.length || !xs.every((x) => Number.isInteger(x) && x >= 1 && x <= m) || new Set(xs).size !== xs.length)
    throw new InputError(`${what}: expected distinct view numbers from 1 to ${m}, got ${xs.join(',') || 'none'}`);
  return xs.map((x) => x - 1);
}

/** A trained M-view model: impute, evaluate, save. */
export class MultiJpvaeModel {
  /** @internal */
  constructor(
    readonly net: MultiJpvae,
    readonly json: MultiModelJson,
    private readonly files: ModelFiles,
  ) {}

  get config(): MultiViewConfig {
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

  private fit(): MultiLatentFit {
    if (!this.json.latentFit)
      throw new InputError('the model has no latent fit (training did not finish); resume it to the end first');
    return this.json.latentFit;
  }

  /**
   * The ONNX export (as `jpvae export` writes it): encoders and decoders of
   * every view, a mean imputer and a sampler of each view from all the
   * others, and those of `subsets` ('pairs', 'all', or { given, target },
   * 1-based); the graphs and manifest.json by file name, in memory.
   */
  exportOnnx(o: { fp16?: boolean; subsets?: readonly ImputerSubsets[] } = {}): {
    manifest: Manifest;
    files: Map<string, Uint8Array>;
  } {
    this.fit();
    return buildMultiExport(this.net, multiExportInputOf(this.json), {
      weights: o.fp16 ? 'float16' : 'float32',
      subsets: o.subsets,
    });
  }

  /**
   * Views `target` of rows of views `given` (rows[a] holds view given[a]'s
   * rows, in the units the model was trained on, every row complete): the
   * conditional mean of Eq. 12 over blocks, decoded, or with `samples` K
   * draws per row. One array per target (n×width, or (n·K)×width), in the
   * data's units; a single target number gives its array alone.
   */
  impute(rows: readonly ViewInput[], o: ViewsImputeOptions & { target: number }): Float32Array;
  impute(rows: readonly ViewInput[], o: ViewsImputeOptions): Float32Array[];
  impute(rows: readonly ViewInput[], o: ViewsImputeOptions): Float32Array | Float32Array[] {
    const sel = this.selection(o),
      given = sel.given.map((g) => g - 1),
      target = sel.target.map((t) => t - 1);
    if (rows.length !== given.length)
      throw new InputError(`rows: one input per given view (${given.length}) expected, got ${rows.length}`);
    const K = o.samples ?? 1,
      kind = o.draws ?? 'predictive';
    if (!Number.isInteger(K) || K < 1) throw new InputError(`samples: expected an integer ≥ 1, got ${o.samples}`);
    if (!DRAW_KINDS.includes(kind)) throw new InputError(`draws: expected predictive or latent, got ${o.draws}`);
    const points = target.map((t) => checkPoint(o.point ?? 'mean', this.net.views[t].likelihood, t));
    if (points[0] !== 'mean' && K > 1)
      throw new InputError(`point ${points[0]}: a point imputation; leave samples out`);
    const std = this.json.data.standardize,
      names = o.names ?? rows.map((_, a) => `rows[${a}]`);
    let n = -1;
    const xs = given.map((g, a) => {
      const mat = toMatrix(rows[a], names[a]),
        v = this.net.views[g];
      if (mat.cols !== v.dim)
        throw new InputError(`${names[a]}: rows have ${mat.cols} values, but view ${g + 1} of the model has ${v.dim}`);
      if (n >= 0 && mat.rows !== n) throw new InputError(`${names[a]}: ${mat.rows} rows, but ${names[0]} has ${n}`);
      n = mat.rows;
      checkComplete(mat, names[a], v.likelihood, g);
      if (std[g]) applyStandardize(mat.data, v.dim, std[g]!);
      return mat.data;
    });
    const rng = new Rng(o.seed ?? 1),
      draws = K > 1 ? drawsOf(kind, rng) : undefined;
    const ys = imputeMulti(this.net, multiConditional(this.fit(), sel.given, sel.target), xs, n, draws, K);
    ys.forEach((y, t) => {
      const s = std[target[t]];
      if (s) applyStandardize(y, this.net.views[target[t]].dim, s, true);
      toPoint(this.net.views[target[t]], this.net.dispersion(target[t]), y, points[t]);
    });
    return typeof o.target === 'number' ? ys[0] : ys;
  }

  /**
   * Metrics (as `jpvae eval --json`) on rows of every view (views[i]: view
   * i + 1's rows, NaN or empty where a row lacks it), preprocessed as the
   * training data: each view's reconstruction, and each view imputed from
   * every non-empty subset of the others (keys x2_given_x1_x3, over the
   * rows that have them all). `conditional: 'prior'` imputes through the
   * model's own prior instead of the latent fit; `names` name the views in
   * errors (default views[0], …). Count views add their imputation's scores
   * in counts (`counts`): MAE at the median and RMSE at the mean, or both
   * at `point` (what impute({ point }) gives).
   */
  evaluate(
    views: readonly ViewInput[],
    o: { seed?: number; conditional?: 'fit' | 'prior'; point?: PointKind; names?: readonly string[] } = {},
  ): MultiMetrics {
    return this.evaluateData(this.rowsOf(views, o.names), { ...o, split: 'given' });
  }

  /** The same metrics on rows already preprocessed as the training data (a model's own split, read again); `split` names them. */
  evaluateData(
    data: MultiViewData,
    o: { seed?: number; conditional?: 'fit' | 'prior'; point?: PointKind; split?: string } = {},
  ): MultiMetrics {
    if (o.point !== undefined && !POINT_KINDS.includes(o.point))
      throw new InputError(`point: expected mean or median, got '${String(o.point)}'`);
    this.checkWidths(data);
    const fit = o.conditional === 'prior' ? multiPriorGaussian(this.net) : this.fit();
    return evaluateMultiMetrics(
      this.net,
      data,
      fit,
      o.split ?? 'given',
      o.seed ?? this.json.training.options.seed,
      o.point,
    );
  }

  /**
   * Calibration of the imputations' draws on rows of every view (as
   * evaluate takes them; `jpvae eval --samples K --json` reports it under
   * `calibration`): on the rows that have every view, K draws (default
   * 100) of each view given all the others, of kind `draws` (default
   * 'predictive'; a count view's are latent draws, its predictive
   * mixture's components), scored against the true view; keyed as the
   * imputations (x2_given_x1_x3).
   */
  calibration(
    views: readonly ViewInput[],
    o: CalibrationOptions & { names?: readonly string[] } = {},
  ): MultiCalibration {
    return this.calibrateData(this.rowsOf(views, o.names), o);
  }

  /** The same on rows already preprocessed as the training data (a model's own split, read again). */
  calibrateData(data: MultiViewData, o: CalibrationOptions = {}): MultiCalibration {
    this.checkWidths(data);
    return evaluateMultiCalibration(this.net, data, this.fit(), calibrationOptions(o));
  }

  private checkWidths(data: MultiViewData): void {
    if (data.dims.length !== this.views || data.dims.some((d, i) => d !== this.widths[i]))
      throw new InputError(
        `data: views of widths ${data.dims.join(',')}, but the model's are ${this.widths.join(',')}`,
      );
  }

  /** The views of an imputation (numbered from 1), checked: `given`, and `target` (default: every view not given). */
  selection(o: Pick<ViewsImputeOptions, 'given' | 'target'>): { given: number[]; target: number[] } {
    const m = this.net.m,
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
  private rowsOf(views: readonly ViewInput[], names?: readonly string[]): MultiViewData {
    const m = this.net.m;
    if (views.length !== m) throw new InputError(`views: the model has ${m} views, got ${views.length}`);
    const label = (i: number) => names?.[i] ?? `views[${i}]`;
    const data = pairMultiView(
      views.map((v, i) => toMatrix(v, label(i))),
      this.json.data.likelihood,
      views.map((_, i) => label(i)),
    );
    data.dims.forEach((w, i) => {
      if (w !== this.widths[i])
        throw new InputError(
          `${label(i)}: rows have ${w} values, but view ${i + 1} of the model has ${this.widths[i]}`,
        );
    });
    standardizeMultiView(data, this.json.data.standardize);
    return data;
  }

  /** model.json and the files it names (the weights and, while it can be trained on, the optimiser state). */
  toFiles(): ModelFiles {
    return { ...this.files };
  }

  /** Node: write the files into `dir` (new, empty, or a model directory, which is replaced). */
  async save(dir: string): Promise<void> {
    const store = await nodeStore('save(dir)');
    store.checkOutDir(dir, 'save', true);
    store.writeModelFiles(dir, this.toFiles());
  }
}

/** A given view's rows: complete and finite, in [0, 1] for a Bernoulli view, counts for a count view. */
function checkComplete(mat: Matrix, name: string, likelihood: Likelihood, g: number): void {
  const bad = mat.data.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0)
    throw new InputError(
      `${name}: row ${Math.floor(bad / mat.cols) + 1}, column ${(bad % mat.cols) + 1} is ${mat.data[bad]}; a given view must be complete and finite`,
    );
  const rule = valueRule(likelihood);
  const off = rule ? mat.data.findIndex((x) => !rule.fits(x)) : -1;
  if (off >= 0)
    throw new InputError(
      `${name}: row ${Math.floor(off / mat.cols) + 1}, column ${(off % mat.cols) + 1} is ${mat.data[off]}, ${rule!.needs} (the model's view ${g + 1})`,
    );
}

/** An M-view model from its files (toFiles(), a model directory's files fetched, or read by the caller). */
export async function viewsFromFiles(
  files: ModelFiles,
  o: { backend?: BackendChoice; where?: string } = {},
): Promise<MultiJpvaeModel> {
  await ready(o.backend);
  return multiModelOf(files, o.backend ?? 'wasm', o.where ?? 'files');
}

/** A model from its files, on compiled kernels (with `threads`, a threads build's, for a pool to join: src/threads/). */
export function multiModelOf(
  files: ModelFiles,
  backend: BackendChoice,
  where: string,
  threads = false,
): MultiJpvaeModel {
  const json = parseMultiModelJson(fileOf(files, MODEL_JSON, where, 'text'), `${where}/${MODEL_JSON}`);
  const weights = fileOf(files, json.files.weights.name, where, 'bytes');
  checkMultiWeightsSize(weights.length, json, `${where}/${json.files.weights.name}`); // before a model of the config's size is allocated
  const net = new MultiJpvae(createKernels(backend, { threads }), json.config, LOADED_MODEL_ROWS);
  decodeMultiWeights(weights, json, net, where);
  return new MultiJpvaeModel(net, json, files);
}

/** Node: the M-view model in directory `dir` (written by save() or by jpvae train --view …). */
export async function loadViews(dir: string, o: { backend?: BackendChoice } = {}): Promise<MultiJpvaeModel> {
  const store = await nodeModule<typeof import('../store/multi-model.ts')>('loadViews(dir)', '../store/multi-model');
  return viewsFromFiles(store.readMultiModelFiles(dir, 'loadViews'), { ...o, where: dir });
}

/** The likelihood of each of m views from one for all or one per view. */
export function viewLikelihoods(l: ViewsFitOptions['likelihood'], m: number): Likelihood[] {
  const list = Array.isArray(l) ? l : [l];
  if (list.length !== 1 && list.length !== m)
    throw new InputError(`likelihood: give one for every view or one per view (${m}), got ${list.length}`);
  return Array.from({ length: m }, (_, i) =>
    parseLikelihood(list[list.length === 1 ? 0 : i], `likelihood${list.length === 1 ? '' : `[${i}]`} (view ${i + 1})`),
  );
}

/** Train a model on M ≥ 2 views paired by row, as `jpvae train --view … --view …` does. */
export async function fitViews(views: readonly ViewInput[], o: ViewsFitOptions = {}): Promise<MultiJpvaeModel> {
  const m = views.length;
  if (m < 2) throw new InputError(`views: expected a list of at least two views, got ${m}`);
  const likelihood = viewLikelihoods(o.likelihood, m);
  const holdout = holdoutOf(o);
  const names = views.map((_, i) => `views[${i}]`);
  const data = pairMultiView(
    views.map((v, i) => toMatrix(v, names[i])),
    likelihood,
    names,
  );
  const { train, heldOut, standardize } = prepareMultiView(data, likelihood, holdout);
  const latent = typeof o.latent === 'number' || o.latent === undefined ? [o.latent ?? 20] : o.latent;
  if (latent.length !== 1 && latent.length !== m)
    throw new InputError(`latent: give one size for every view or one per view (${m}), got ${latent.length}`);
  const config: MultiViewConfig = {
    dims: data.dims,
    hidden: o.hidden ?? DEFAULT_HIDDEN,
    latent: data.dims.map((_, i) => latent[latent.length === 1 ? 0 : i]),
    prior: { kind: o.prior ?? 'factor', alpha: o.alpha ?? DEFAULT_ALPHA, ...(o.factors ? { factors: o.factors } : {}) },
    likelihood,
  };
  const record: MultiDataRecord = {
    views: views.map(() => ''),
    likelihood,
    holdout,
    standardize,
    trainRows: train.n,
    heldOutRows: heldOut?.n ?? 0,
  };
  const { run, backend } = await startRun(o, (backend, threads) =>
    MultiTraining.start(config, trainOptionsOf(o), { train, test: heldOut }, record, backend, threads),
  );
  try {
    while (!run.done) {
      o.signal?.throwIfAborted();
      const r = await run.runEpoch(undefined, () => !!o.signal?.aborted);
      if (!r) o.signal!.throwIfAborted();
      else o.onEpoch?.(r);
    }
  } finally {
    await run.close(); // an aborted run's threads (a finished run has ended them already)
  }
  return multiModelOf(run.files(), backend, 'the run');
}
