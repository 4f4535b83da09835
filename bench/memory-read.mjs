// The read half of bench/memory-tables.ts, in plain JavaScript over the
// compiled library (dist/, as the jpvae command runs it): no loader in the
// process whose peak RSS is measured. Prints one JSON object.
//   node bench/memory-read.mjs FILE [ID_COLUMN]
import { loadHdf5 } from '../dist/data/anndata.js';
import { readMatrix } from '../dist/data/matrix.js';

const [path, idColumn] = process.argv.slice(2);
await loadHdf5(); // before the baseline: the wasm module is a fixed cost, not the read's
const before = process.resourceUsage().maxRSS * 1024,
  t0 = performance.now();
const m = readMatrix(path, '--view1', { idColumn });
const seconds = (performance.now() - t0) / 1000,
  peak = process.resourceUsage().maxRSS * 1024;
process.stdout.write(
  JSON.stringify({ rows: m.rows, cols: m.cols, matrixBytes: m.data.byteLength, before, peak, seconds }),
);
