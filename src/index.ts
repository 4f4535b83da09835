// The jpvae library: everything here runs in Node, browsers, workers and
// bundles (no Node module is imported; Node-only steps such as
// save(dir)/load(dir) reach Node when called). Files and streams in Node:
// `jpvae/node`. The browser-side ONNX imputer: `jpvae/runtime`. Only what
// users call is exported: the engine (kernels, heap, layouts, view VAEs,
// trainers, weight codecs) is internal and may change between releases.

// The high-level API: the recipe `jpvae train` runs, for two views or more.
export {
  fit,
  fromFiles,
  load,
  FitRun,
  JpvaeModel,
  type FitOptions,
  type ImputeOptions,
  type CalibrationOptions,
  type CovariateOptions,
  type Views,
} from './api/model.ts';
export type { CovariateColumns, UnknownCategory } from './data/covariate-columns.ts';
export { adaptCovariates, type AdaptOptions, type LatentFitChoice } from './api/adapt.ts';
export type { TwoViews, ViewInput } from './api/inputs.ts';
export type { RunOptions, ResumeOptions } from './api/training.ts';
export { PACKAGE_VERSION } from './version.ts';
export { InputError, SetupError } from './errors.ts';

// Where the wasm comes from outside Node, and training threads in a browser.
export { initWasm, type BackendChoice, type WasmBuild, type WasmSource } from './core/index.ts';
export type { WasmVariant } from './core/wasm.ts';
export { initThreads } from './threads/spawn-web.ts';

// Inputs and files.
export type { Matrix } from './data/npy.ts';
export { parseMatrix } from './data/parse.ts';
export { formatCsv } from './data/csv.ts';
export { MAX_VIEWS } from './data/view-data.ts';

// What a model is and what its files hold (model.json, with camelCase field names).
export type { ModelConfig, Likelihood } from './model/config.ts';
export type { Covariate } from './data/covariates.ts';
export type { CountLikelihood } from './data/likelihood.ts';
export type { PriorConfig, PriorKind } from './model/prior/prior.ts';
export type { ModelFiles, ModelJson } from './store/files.ts';
export type { CheckpointFile } from './store/model-json.ts';
export type { DataRecord, Pairing } from './data/record.ts';
export type { HoldoutSplit } from './data/holdout.ts';
export type { Standardize } from './data/views.ts';
export type { LatentFit } from './impute/latent-fit.ts';
export type { EpochRecord, LossSummary, SavedOptions, StepInfo, TrainState } from './train/trainer.ts';
export type { TermSums } from './model/loss-terms.ts';
export { DRAW_KINDS, type DrawKind } from './impute/impute.ts';
export { POINT_KINDS, type PointKind } from './impute/point.ts';

// What evaluate() and calibration() return.
export type { Metrics } from './eval/metrics.ts';
export type { CountScores as CountImputationScores } from './eval/count-metrics.ts';
export type {
  Calibration,
  ViewCalibration,
  GaussianCalibration,
  BernoulliCalibration,
  CountCalibration,
} from './eval/calibration.ts';

// What exportOnnx() returns.
export { imputerSets, type ImputerSet, type ImputerSubsets } from './onnx/export.ts';
export { type Manifest, type GraphSpec, type ViewSpec, type ImputerSpec } from './onnx/manifest.ts';
export type { WeightType, TensorSpec, Dim, Units } from './onnx/graph.ts';
export type { SnakeCase, SnakeName } from './io/json-keys.ts'; // the manifest spells its fields as manifest.json does
