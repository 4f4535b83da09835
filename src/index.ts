// The jpvae library: everything here runs in Node, browsers, workers and
// bundles (no Node module is imported; Node-only steps such as
// save(dir)/load(dir) reach Node when called). Files and streams in Node:
// `jpvae/node`. The browser-side ONNX imputer: `jpvae/runtime`.

// The high-level API: the recipe `jpvae train` runs.
export { fit, fromFiles, load, FitRun, JpvaeModel, type FitOptions } from './api/model.ts';
export type { TwoViews, ViewInput } from './api/inputs.ts';
export { Training, type Splits } from './api/training.ts';
export type { ResumeOptions } from './api/training-run.ts';
export type { CalibrationOptions } from './api/model.ts';
export {
  fitViews,
  viewsFromFiles,
  loadViews,
  viewLikelihoods,
  MultiJpvaeModel,
  type ViewsFitOptions,
  type ViewsImputeOptions,
} from './api/multi-model.ts';
export { MultiTraining, type MultiSplits } from './api/multi-training.ts';
export { PACKAGE_VERSION } from './version.ts';
export { InputError, SetupError } from './errors.ts';

// Compute core and model.
export {
  createKernels,
  initWasm,
  type BackendChoice,
  type Kernels,
  type GemmArgs,
  type DenseBackwardArgs,
  type BackendName,
  type WasmBuild,
  type WasmSource,
  Heap,
  type FloatArray,
} from './core/index.ts';
export type { Storage } from './core/heap.ts';
export { Rng } from './data/rng.ts';
export type { TwoViewData } from './data/dataset.ts';
export type { Matrix } from './data/npy.ts';
export { parseMatrix } from './data/parse.ts';
export { formatCsv } from './data/csv.ts';
export type { HoldoutSplit } from './data/holdout.ts';
export { pairViews, prepareViews, type Standardize, type Standardization, type ViewNames } from './data/views.ts';
export { VALUE_LABELS, type InputLabels } from './data/labels.ts';
export { Jpvae, type View } from './model/jpvae.ts';
export type { ViewHalves, ViewRunner } from './model/view-runner.ts';
export type { Mlp } from './model/mlp.ts';
export { ViewVae } from './model/view-vae.ts';
export type { Layout, LayoutEntry, ParamRange } from './model/layout.ts';
export type { Dense } from './model/dense.ts';
export type { Prior, PriorConfig, PriorKind, KlGrads } from './model/prior/prior.ts';
export type { ModelConfig, Likelihood } from './model/config.ts';
export type { CountLikelihood } from './data/likelihood.ts';
export {
  encodeModel,
  parseModelJson,
  decodeWeights,
  type ModelExtra,
  type ModelFiles,
  type ModelJson,
  type Moments,
} from './store/files.ts';
export type { CheckpointFile } from './store/model-json.ts';
export type { SharedWasm, WasmVariant } from './core/wasm.ts';
export { initThreads } from './threads/spawn-web.ts';
export {
  Trainer,
  type TrainOptions,
  type TrainState,
  type TrainStateOf,
  type EpochRecord,
  type EpochRecordOf,
  type SavedOptions,
  type StepInfo,
} from './train/trainer.ts';
export type { LossSummary } from './train/evaluate.ts';
export type { TermSums } from './model/loss-terms.ts';
export type { BetaSchedule } from './train/beta.ts';
export { ADAM_DEFAULTS, type Adam, type AdamConfig, type AdamRunner } from './train/adam.ts';
export { fitLatent, priorGaussian, type LatentFit } from './impute/conditional.ts';
export { DRAW_KINDS, type Draws, type DrawKind } from './impute/impute.ts';
export { POINT_KINDS, type PointKind } from './impute/point.ts';
export { evaluateMetrics, type Metrics } from './eval/metrics.ts';
export type { CountScores as CountImputationScores } from './eval/count-metrics.ts';
export {
  evaluateCalibration,
  GaussianScores,
  BernoulliScores,
  CountScores,
  CALIBRATION_BINS,
  COVERAGE_LEVELS,
  type Calibration,
  type ViewCalibration,
  type GaussianCalibration,
  type BernoulliCalibration,
  type CountCalibration,
  type DrawScores,
} from './eval/calibration.ts';
export {
  buildExport,
  exportInputOf,
  buildMultiExport,
  multiExportInputOf,
  imputerSets,
  type ExportInput,
  type MultiExportInput,
  type ImputerSet,
  type ImputerSubsets,
} from './onnx/export.ts';
export {
  GRAPH_NAMES,
  type Manifest,
  type GraphName,
  type GraphSpec,
  type ViewSpec,
  type ImputerSpec,
} from './onnx/manifest.ts';
export type { WeightType, TensorSpec, Dim, Units } from './onnx/graph.ts';

// M ≥ 2 views: the model, training, Eq. 12 over blocks, metrics; views numbered from 1. (The shared-factor
// joint prior is the engine's, inside MultiJpvae, not exported: its block lists index views from 0.)
export {
  MultiJpvae,
  checkMultiConfig,
  type MultiConfigField,
  type MultiViewConfig,
  type MultiPriorKind,
  type MultiTermSums,
} from './model/multi-jpvae.ts';
export {
  fromTwoView,
  pairMultiView,
  sliceMultiView,
  checkMultiView,
  prepareMultiView,
  standardizeMultiView,
  MAX_VIEWS,
  type MultiViewData,
} from './data/multi-view.ts';
export {
  fitMultiView,
  evaluateMultiLoss,
  MultiTrainer,
  type MultiTrainOptions,
  type MultiTrainState,
  type MultiFitOptions,
  type MultiEpochRecord,
  type MultiLossSummary,
} from './train/multi-fit.ts';
export type { BlockConditional } from './impute/block-conditional.ts';
export {
  fitMultiLatent,
  multiPriorGaussian,
  multiConditional,
  imputeMulti,
  type MultiLatentFit,
} from './impute/multi-impute.ts';
export { evaluateMultiMetrics, type MultiMetrics } from './eval/multi-metrics.ts';
export { evaluateMultiCalibration, type MultiCalibration } from './eval/multi-calibration.ts';
export {
  encodeMultiModel,
  parseMultiModelJson,
  validateMultiModelJson,
  decodeMultiWeights,
  decodeMultiTrainState,
  MULTI_FORMAT,
  MULTI_FORMAT_VERSION,
  type MultiModelJson,
  type MultiDataRecord,
  type MultiTrainingOptions,
} from './store/multi-files.ts';
