// The jpvae library API (Node): compute core, model, training, imputation,
// evaluation and export. The browser-side imputer is `jpvae/runtime`.

export { createKernels, type BackendChoice, type Kernels } from './core/index.ts';
export { Rng } from './data/rng.ts';
export { loadHvdMnist } from './data/hvdmnist.ts';
export type { TwoViewData } from './data/dataset.ts';
export { readMatrix, openRows, type RowStream } from './data/matrix.ts';
export { createRowWriter, type RowWriter } from './data/row-writer.ts';
export { Jpvae } from './model/jpvae.ts';
export type { ModelConfig } from './model/config.ts';
export { saveModel, readModelJson, loadWeights } from './model/store.ts';
export { Trainer, type TrainOptions, type EpochRecord } from './train/trainer.ts';
export { ADAM_DEFAULTS } from './train/adam.ts';
export { fitLatent, priorGaussian, conditional, type LatentFit } from './impute/conditional.ts';
export { imputeView, imputeRaw, reconstructView, type Draws } from './impute/impute.ts';
export { evaluateMetrics } from './eval/metrics.ts';
export { buildExport, exportInputOf, type ExportInput } from './onnx/export.ts';
export { writeExport } from './onnx/write-export.ts';
