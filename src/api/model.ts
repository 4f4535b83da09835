// The high-level API: fit a model on two views, impute, evaluate, and move
// it as files. It follows the recipe `jpvae train` runs (api/training.ts),
// so a model written here and one written by the CLI are the same files:
// each loads in the other.
//
//   const model = await fit({ view1, view2 }, { prior: 'orthogonal', epochs: 30 });
//   const bottoms = model.impute(tops, { given: 1 });
//   const files = model.toFiles();        // bytes, anywhere
//   const again = await fromFiles(files);
//   await model.save('runs/m');           // Node: a model directory
//   const same = await load('runs/m');

import { initWasm, sharedMemoryAvailable, type BackendChoice } from '../core/index.ts';
import { Rng } from '../data/rng.ts';
import { likelihoodsOf, standardizationOf, type DataSource } from '../data/record.ts';
import { pairViews, prepareViews, standardizeViews } from '../data/views.ts';
import { InputError } from '../errors.ts';
import { evaluateMetrics, type Metrics } from '../eval/metrics.ts';
import { evaluateCalibration, type Calibration } from '../eval/calibration.ts';
import type { TwoViewData } from '../data/dataset.ts';
import { conditional, priorGaussian, type LatentFit } from '../impute/conditional.ts';
import { DRAW_KINDS, drawsOf, imputeUserRows, type DrawKind } from '../impute/impute.ts';
import { checkPoint, POINT_KINDS, toPoint, type PointKind } from '../impute/point.ts';
import { parseLikelihood } from '../data/likelihood.ts';
import { DEFAULT_ALPHA, DEFAULT_HIDDEN, DEFAULT_LATENT, type Likelihood, type ModelConfig } from '../model/config.ts';
import {
  decodeModel,
  encodeModel,
  filesOf,
  modelJsonText,
  MODEL_JSON,
  type ModelFiles,
  type ModelJson,
} from '../store/files.ts';
import { Jpvae } from '../model/jpvae.ts';
import type { PriorKind } from '../model/prior/prior.ts';
import type { EpochRecord, StepInfo } from '../train/trainer.ts';
import { buildExport, exportInputOf } from '../onnx/export.ts';
import type { Manifest } from '../onnx/manifest.ts';
import { toMatrix, type TwoViews, type ViewInput } from './inputs.ts';
import { holdoutOf, Training, trainOptionsOf, type RunOptions, type Splits } from './training.ts';
import { availableThreads, threadsVariant } from '../threads/plan.ts';

export type { ModelFiles, ModelJson, Metrics, EpochRecord, TwoViews, ViewInput, Likelihood, ModelConfig };

/** How to fit: the CLI's flags of `jpvae train`, with the same defaults. */
export interface FitOptions extends RunOptions {
  prior?: PriorKind; // default 'orthogonal'
  alpha?: number; // C = αO for the orthogonal prior (default 0.95)
  flips?: number; // −1s in the Cayley map's J (default 0)
  latent?: number | [number, number]; // default 20
  swapViews?: boolean; // for n1 > n2
  hidden?: number[]; // default [512, 512]
  /** Per view: 'bernoulli' (values in [0,1]), 'gaussian' (learnt variance), 'gaussian:V', 'poisson' or 'nb' (counts, CountLikelihood) or a Likelihood (default bernoulli). */
  likelihood?: [Likelihood | string, Likelihood | string];
  onEpoch?: (record: EpochRecord) => void;
}

const NAMES = { view1: 'view1', view2: 'view2', mask: 'mask' };

/** Only Node writes and reads directories; its modules are imported by URL (`path` without .ts/.js), so no bundle follows them. */
export async function nodeModule<T>(what: string, path: string): Promise<T> {
  if (typeof process === 'undefined' || !process.versions?.node)
    throw new Error(`${what} needs Node; elsewhere use toFiles() and fromFiles()`);
  const url = new URL(`${path}${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;
  return import(/* @vite-ignore */ /* webpackIgnore: true */ url);
}

/** The model directory on disk (store/store.ts), in Node. */
export const nodeStore = (what: string) => nodeModule<typeof import('../store/store.ts')>(what, '../store/store');

/** What a calibration scores: K draws per row (default 100) of kind `draws` (default 'predictive'), from Rng(seed) (default 1). */
export interface CalibrationOptions {
  samples?: number;
  seed?: number;
  draws?: DrawKind;
}

/** The options checked, K filled in. */
export function calibrationOptions(o: CalibrationOptions): { samples: number; seed?: number; draws?: DrawKind } {
  const K = o.samples ?? 100;
  if (!Number.isInteger(K) || K < 2) throw new InputError(`samples: expected an integer ≥ 2, got ${o.samples}`);
  if (o.draws !== undefined && !DRAW_KINDS.includes(o.draws))
    throw new InputError(`draws: expected predictive or latent, got ${o.draws}`);
  return { samples: K, seed: o.seed, draws: o.draws };
}

/** A trained model: impute, evaluate, save. */
export class JpvaeModel {
  /** @internal */
  constructor(
    readonly net: Jpvae,
    readonly json: ModelJson,
    private readonly trainState?: Uint8Array | string,
  ) {}

  get config(): ModelConfig {
    return this.json.config;
  }

  private fit(): LatentFit {
    if (!this.json.latentFit)
      throw new InputError('the model has no latent fit (training did not finish); resume it to the end first');
    return this.json.latentFit as LatentFit;
  }

  /**
   * The other view of rows of view `given` (in the units the model was
   * trained on): the conditional mean (§2.7, Eq. 12), or with `samples` K
   * draws per row, each row's draws together, (n·K)×width. `draws`
   * (default 'predictive'): what a draw is, the latent draw decoded plus a
   * Gaussian view's observation noise, or 'latent' without that noise.
   * `point` (default 'mean'): without samples, 'median' gives a count
   * view's median counts (of its Poisson or NB at the conditional mean's
   * expected counts) instead of those expected counts: the point absolute
   * error rewards, as the mean is the one squared error rewards.
   */
  impute(
    rows: ViewInput,
    o: { given: 1 | 2; samples?: number; seed?: number; draws?: DrawKind; point?: PointKind },
  ): Float32Array {
    const given = (o.given - 1) as 0 | 1,
      K = o.samples ?? 1;
    if (given !== 0 && given !== 1) throw new InputError(`given: expected 1 or 2, got ${o.given}`);
    if (!Number.isInteger(K) || K < 1) throw new InputError(`samples: expected an integer ≥ 1, got ${o.samples}`);
    const kind = o.draws ?? 'predictive';
    if (!DRAW_KINDS.includes(kind)) throw new InputError(`draws: expected predictive or latent, got ${o.draws}`);
    const target = (1 - given) as 0 | 1,
      point = checkPoint(o.point ?? 'mean', this.net.views[target].likelihood, target);
    if (point !== 'mean' && K > 1) throw new InputError(`point ${point}: a point imputation; leave samples out`);
    const m = toMatrix(rows, 'rows'),
      width = this.net.views[given].dim;
    if (m.cols !== width)
      throw new InputError(`rows: rows have ${m.cols} values, but view ${o.given} of the model has ${width}`);
    const rng = new Rng(o.seed ?? 1),
      draws = K === 1 ? undefined : drawsOf(kind, rng);
    const std = standardizationOf(this.json.data as DataSource);
    const y = imputeUserRows(this.net, conditional(this.fit(), target), std, m.data, m.rows, K, draws, 'rows');
    toPoint(this.net.views[target], this.net.dispersion(target), y, point);
    return y;
  }

  /** The paper's metrics (as `jpvae eval --json`) on paired rows, preprocessed as the training data. */
  evaluate(views: TwoViews, o: { seed?: number; conditional?: 'fit' | 'prior'; point?: PointKind } = {}): Metrics {
    const fit = o.conditional === 'prior' ? priorGaussian(this.net) : this.fit();
    if (o.point !== undefined && !POINT_KINDS.includes(o.point))
      throw new InputError(`point: expected mean or median, got '${String(o.point)}'`);
    return evaluateMetrics(this.net, this.paired(views), fit, 'given', o.seed ?? 1, o.point);
  }

  /**
   * Calibration of the imputations' draws on paired rows (as `jpvae eval
   * --samples K --json` reports it under `calibration`): K draws (default
   * 100) of each view from the other, of kind `draws` (default
   * 'predictive'), scored against the true view.
   */
  calibration(views: TwoViews, o: CalibrationOptions = {}): Calibration {
    return evaluateCalibration(this.net, this.paired(views), this.fit(), calibrationOptions(o));
  }

  /** Paired rows checked against the model's widths and preprocessed as its training data. */
  private paired(views: TwoViews): TwoViewData {
    const source = this.json.data as DataSource;
    const likelihood = likelihoodsOf(source);
    const mask = views.mask === undefined ? undefined : toMatrix(views.mask, 'mask');
    const data = pairViews(toMatrix(views.view1, 'view1'), toMatrix(views.view2, 'view2'), likelihood, mask, NAMES);
    [data.dim1, data.dim2].forEach((w, i) => {
      if (w !== this.config.dims[i])
        throw new InputError(
          `view${i + 1}: rows have ${w} values, but view ${i + 1} of the model has ${this.config.dims[i]}`,
        );
    });
    standardizeViews(data, standardizationOf(source));
    return data;
  }

  /** model.json and the files it names (the weights and, while it can be trained on, the optimiser state), as a model directory holds them. */
  toFiles(): ModelFiles {
    const { data, training, latentFit } = this.json;
    const files = encodeModel(this.net, { data, training, latentFit });
    files[MODEL_JSON] = modelJsonText(this.json); // as it was written (its package and format versions included)
    const state = filesOf(this.json).trainState;
    if (this.trainState !== undefined && state) files[state.name] = this.trainState;
    return files;
  }

  /** The ONNX export (as `jpvae export` writes it): the graphs and manifest.json by file name, in memory. */
  exportOnnx(o: { fp16?: boolean } = {}): { manifest: Manifest; files: Map<string, Uint8Array> } {
    this.fit();
    return buildExport(this.net, exportInputOf(this.json), o.fp16 ? 'float16' : 'float32');
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
  const where = o.where ?? 'files';
  await ready(o.backend);
  return modelOf(files, o.backend ?? 'wasm', where);
}

/** A model from its files, on compiled kernels. */
function modelOf(files: ModelFiles, backend: BackendChoice, where: string): JpvaeModel {
  const { net, json } = decodeModel(files, backend, where);
  const state = filesOf(json).trainState;
  return new JpvaeModel(net, json, state && files[state.name]);
}

/** Node: the model in directory `dir` (written by save() or by jpvae train). */
export async function load(dir: string, o: { backend?: BackendChoice } = {}): Promise<JpvaeModel> {
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

/**
 * A training run started on the backend and threads `o` asks for (default:
 * the best wasm build, on every core), once they are ready; the run's
 * threads warning, if any, goes to `o.onWarning`.
 */
export async function startRun<T extends { threadsWarning?: string }>(
  o: RunOptions,
  start: (backend: BackendChoice, threads: number) => T,
): Promise<{ run: T; backend: BackendChoice; threads: number }> {
  const backend = o.backend ?? 'wasm',
    threads = o.threads ?? (backend.startsWith('wasm') ? availableThreads() : 1);
  await ready(backend, threads);
  const run = start(backend, threads);
  if (run.threadsWarning) o.onWarning?.(run.threadsWarning);
  return { run, backend, threads };
}

/** Train a model on two paired views, as `jpvae train --view1 --view2` does (FitRun.start and run to the end). */
export async function fit(views: TwoViews, o: FitOptions = {}): Promise<JpvaeModel> {
  const run = await FitRun.start(views, o);
  try {
    if (!(await run.run(o))) o.signal!.throwIfAborted();
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
  static async start(views: TwoViews, o: FitOptions = {}): Promise<FitRun> {
    const likelihood: [Likelihood, Likelihood] = [
      parseLikelihood(o.likelihood?.[0], 'likelihood[0] (view 1)'),
      parseLikelihood(o.likelihood?.[1], 'likelihood[1] (view 2)'),
    ];
    const holdout = holdoutOf(o);
    const mask = views.mask === undefined ? undefined : toMatrix(views.mask, 'mask');
    const paired = pairViews(toMatrix(views.view1, 'view1'), toMatrix(views.view2, 'view2'), likelihood, mask, NAMES);
    const { train, heldOut, standardize } = prepareViews(paired, likelihood, holdout);
    const latent = typeof o.latent === 'number' ? [o.latent, o.latent] : (o.latent ?? DEFAULT_LATENT);
    const config: ModelConfig = {
      dims: [paired.dim1, paired.dim2],
      likelihood,
      hidden: o.hidden ?? DEFAULT_HIDDEN,
      latent: [latent[0], latent[1]],
      ...(o.swapViews ? { swapViews: true } : {}),
      prior: { kind: o.prior ?? 'orthogonal', alpha: o.alpha ?? DEFAULT_ALPHA, flips: o.flips ?? 0 },
    };
    const source: DataSource = {
      dataset: 'arrays',
      mask: !!mask,
      holdout,
      likelihood,
      standardize,
      trainRows: train.n,
      heldOutRows: heldOut?.n ?? 0,
    };
    const splits = { train, test: heldOut };
    const { run, backend, threads } = await startRun(o, (backend, threads) =>
      Training.start(config, trainOptionsOf(o), splits, source, backend, threads),
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
