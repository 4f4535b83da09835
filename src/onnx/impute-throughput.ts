// Imputation throughput (rows/s) for `jpvae bench`: the exported
// impute_2_from_1 graph on onnxruntime-web's wasm EP against our own
// forward (imputeView on the model's kernels), same model, same test rows,
// same batch sizes, in one run. Both run on this thread: this measures the
// engines, not the worker's messaging.

import * as ort from 'onnxruntime-web';
import type { TwoViewData } from '../data/dataset.ts';
import { conditional, type LatentFit } from '../impute/conditional.ts';
import { imputeView } from '../impute/impute.ts';
import type { Jpvae } from '../model/jpvae.ts';
import { PACKAGE_VERSION } from '../model/store.ts';
import { imputeGraph } from './jpvae-graphs.ts';

export interface ImputeThroughput { batch: number; rowsPerSecond: { ortWasm: number; ours: number } }

/** Calls per batch until `seconds` have passed (at least 3, after one warm-up call); rows per second. */
async function rate(batch: number, seconds: number, call: () => unknown): Promise<number> {
  await call();
  let calls = 0;
  const t0 = performance.now();
  while (calls < 3 || performance.now() - t0 < seconds * 1000) { await call(); calls++; }
  return (calls * batch) / ((performance.now() - t0) / 1000);
}

/** Batches must fit the model's buffers (model.maxRows) and the rows given. */
export async function imputeThroughput(model: Jpvae, fit: LatentFit, data: TwoViewData, batches: number[], seconds = 1): Promise<ImputeThroughput[]> {
  const c = conditional(fit, 1), latent = c.nOut;
  const graph = imputeGraph({ layout: model.layout, values: model.params(), weights: 'float32' }, c).encode(PACKAGE_VERSION, {});
  const session = await ort.InferenceSession.create(graph, { executionProviders: ['wasm'] });
  const results: ImputeThroughput[] = [];
  for (const batch of batches) {
    if (batch > model.maxRows || batch > data.n) throw new Error(`imputeThroughput: batch ${batch} exceeds the model's ${model.maxRows} rows or the data's ${data.n}`);
    const x = data.x1.subarray(0, batch * data.dim1);
    const feeds = { x1: new ort.Tensor('float32', x, [batch, data.dim1]), eps2: new ort.Tensor('float32', new Float32Array(batch * latent), [batch, latent]) };
    results.push({
      batch,
      rowsPerSecond: { ortWasm: await rate(batch, seconds, () => session.run(feeds)), ours: await rate(batch, seconds, () => imputeView(model, c, x, batch)) },
    });
  }
  await session.release();
  return results;
}
