// Imputation throughput (rows/s) of the reference-size model: the exported
// impute_2_from_1 graph on onnxruntime-web's wasm EP against our own wasm
// forward, same batch sizes, same run. Weights are a fresh initialisation
// and the latent fit comes from them: speed does not depend on the values.

import { createKernels } from '../core/index.ts';
import { loadHvdMnist } from '../data/hvdmnist.ts';
import { sliceRows } from '../data/dataset.ts';
import { Rng } from '../data/rng.ts';
import { fitLatent } from '../impute/conditional.ts';
import { Jpvae } from '../model/jpvae.ts';
import { imputeThroughput, type ImputeThroughput } from '../onnx/impute-throughput.ts';
import { round } from './rate.ts';
import { REFERENCE_CONFIG } from './train.ts';

export const IMPUTE_BATCHES = [1, 8, 32, 256];

export interface ImputeResult { impute_rows_per_s: Record<string, Record<string, number>> }

export async function benchImpute(quick: boolean): Promise<ImputeResult> {
  const model = new Jpvae(createKernels('wasm'), REFERENCE_CONFIG, Math.max(...IMPUTE_BATCHES));
  model.initParams(new Rng(1));
  const rows = sliceRows(loadHvdMnist('test'), 0, 1000);
  const results: ImputeThroughput[] = await imputeThroughput(model, fitLatent(model, rows), rows, IMPUTE_BATCHES, quick ? 0.2 : 1);
  const table = (pick: (r: ImputeThroughput) => number) => Object.fromEntries(results.map((r) => [`batch_${r.batch}`, round(pick(r))]));
  return { impute_rows_per_s: { ort_web_wasm: table((r) => r.rowsPerSecond.ortWasm), ours_wasm: table((r) => r.rowsPerSecond.ours) } };
}

export function formatImpute(r: ImputeResult): string {
  const lines = ['imputation x2 | x1 (rows/s), reference model: onnxruntime-web wasm EP vs our wasm forward'];
  for (const b of Object.keys(r.impute_rows_per_s.ours_wasm)) {
    lines.push(`  ${b.padEnd(10)} ort-web ${r.impute_rows_per_s.ort_web_wasm[b].toFixed(0).padStart(7)}   ours ${r.impute_rows_per_s.ours_wasm[b].toFixed(0).padStart(7)}`);
  }
  return lines.join('\n');
}
