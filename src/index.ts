// The jpvae library: everything here runs in Node, browsers, workers and
// bundles (no Node module is imported; Node-only steps such as
// save(dir)/load(dir) reach Node when called). Files and streams in Node:
// `jpvae/node`. The browser-side ONNX imputer: `jpvae/runtime`.

// The high-level API: the recipe `jpvae train` runs.
export { fit, fromFiles, load, JpvaeModel, type FitOptions } from './api/model.ts';
export type { TwoViews, ViewInput } from './api/inputs.ts';
export { Training, type Splits } from './api/training.ts';
export { PACKAGE_VERSION } from './version.ts';
export { InputError } from './errors.ts';

// Compute core and model.
export { createKernels, initWasm, type BackendChoice, type Kernels, type WasmBuild, type WasmSource } from './core/index.ts';
export { Rng } from './data/rng.ts';
export type { TwoViewData } from './data/dataset.ts';
export type { Matrix } from './data/npy.ts';
export { parseMatrix } from './data/parse.ts';
export { pairViews, prepareViews, type Standardize, type Standardization } from './data/views.ts';
export { Jpvae } from './model/jpvae.ts';
export type { ModelConfig, Likelihood } from './model/config.ts';
export { encodeModel, parseModelJson, decodeWeights, type ModelFiles, type ModelJson } from './model/files.ts';
export { Trainer, type TrainOptions, type EpochRecord, type StepInfo } from './train/trainer.ts';
export { ADAM_DEFAULTS } from './train/adam.ts';
export { fitLatent, priorGaussian, conditional, type LatentFit } from './impute/conditional.ts';
export { imputeView, imputeRaw, reconstructView, type Draws } from './impute/impute.ts';
export { evaluateMetrics, type Metrics } from './eval/metrics.ts';
export { buildExport, exportInputOf, type ExportInput } from './onnx/export.ts';
export type { Manifest } from './onnx/manifest.ts';
