// Imputation throughput (rows/s) of the reference-size model: the exported
// impute_2_from_1 graph, fed only x1, on onnxruntime-web's wasm EP,
// onnxruntime-node (native; one thread, and its default pool over all
// cores) and jpvae's own wasm engine (the 'jpvae-wasm' provider), same
// rows, same batch sizes, in one run. All on this thread, no worker: this
// measures the engines, not the messaging. Weights are a fresh
// initialisation and the latent fit comes from them. The rows are
// hvdMNIST's (mostly blank pixels, which jpvae-wasm's SKIP_ZEROS passes
// over); the `_dense_rows` engines take the same rows with every 0 made
// 0.001, where nothing is skipped. Rates are the best of three rounds in
// wall time (the native pool's threads would otherwise count twice),
// rounds interleaved.

import { createKernels } from '../core/index.ts';
import { loadHvdMnist } from '../data/hvdmnist.ts';
import { sliceViews } from '../data/view-data.ts';
import { Rng } from '../data/rng.ts';
import { conditionalOf } from '../impute/block-conditional.ts';
import { fitLatent } from '../impute/latent-fit.ts';
import { Jpvae } from '../model/jpvae.ts';
import { PACKAGE_VERSION } from '../version.ts';
import { imputeGraph, singleTarget } from '../onnx/jpvae-graphs.ts';
import { GraphRunner } from '../runtime/graph-runner.ts';
import { round } from './rate.ts';
import { REFERENCE_CONFIG } from './train.ts';

export const IMPUTE_BATCHES = [1, 32, 1024];

type Run = (x: Float32Array, rows: number) => Promise<unknown> | unknown;

/** Rows/s of one timed stretch of about `seconds` (at least two calls). */
async function rowRate(run: Run, x: Float32Array, rows: number, seconds: number): Promise<number> {
  let calls = 0;
  const t0 = performance.now();
  while (calls < 2 || performance.now() - t0 < seconds * 1000) {
    await run(x, rows);
    calls++;
  }
  return (calls * rows) / ((performance.now() - t0) / 1000);
}

export async function benchImpute(quick: boolean) {
  const model = new Jpvae(createKernels('wasm'), REFERENCE_CONFIG, 256);
  model.initParams(new Rng(1));
  const test = loadHvdMnist('test'),
    dim = test.dims[0],
    biggest = Math.max(...IMPUTE_BATCHES);
  const fit = fitLatent(model, sliceViews(test, 0, 1000));
  const graph = imputeGraph(
    { model, standardize: [null, null], weights: 'float32' },
    singleTarget(conditionalOf(fit, [1], [2])),
  ).encode(PACKAGE_VERSION, {});
  const x = test.xs[0].slice(0, biggest * dim),
    dense = x.map((v) => (v === 0 ? 0.001 : v));
  const engines: [string, Run][] = [],
    notes: string[] = [];

  const web = await import('onnxruntime-web');
  const webSession = await web.InferenceSession.create(graph, { executionProviders: ['wasm'] });
  const web1: Run = (a, n) => webSession.run({ x1: new web.Tensor('float32', a, [n, dim]) });
  engines.push(['ort_web_wasm', web1], ['ort_web_wasm_dense_rows', (a, n) => web1(dense.subarray(0, a.length), n)]);
  try {
    const node = await import('onnxruntime-node');
    for (const [key, threads] of [
      ['ort_node_1_thread', 1],
      ['ort_node_default_threads', 0],
    ] as const) {
      const s = await node.InferenceSession.create(graph, threads ? { intraOpNumThreads: threads } : {});
      engines.push([key, (a, n) => s.run({ x1: new node.Tensor('float32', a, [n, dim]) })]);
    }
  } catch (e) {
    notes.push(`onnxruntime-node not measured: ${(e as Error).message.split('\n')[0]}`);
  }
  const runner = new GraphRunner(createKernels('wasm'), graph);
  engines.push(
    ['jpvae_wasm', (a, n) => runner.run({ x1: a }, n)],
    ['jpvae_wasm_dense_rows', (a, n) => runner.run({ x1: dense.subarray(0, a.length) }, n)],
  );

  // Rounds interleave the engines, so a slow spell of this shared machine hits them all alike; the best round counts.
  const table: Record<string, Record<string, number>> = Object.fromEntries(engines.map(([key]) => [key, {}]));
  for (const [, run] of engines) for (const b of IMPUTE_BATCHES) await run(x.subarray(0, b * dim), b); // warm-up
  for (let r = 0; r < 3; r++) {
    for (const [key, run] of engines)
      for (const b of IMPUTE_BATCHES) {
        const rate = await rowRate(run, x.subarray(0, b * dim), b, quick ? 0.1 : 0.5);
        table[key][`batch_${b}`] = Math.max(table[key][`batch_${b}`] ?? 0, rate);
      }
  }
  for (const t of Object.values(table)) for (const b of Object.keys(t)) t[b] = round(t[b]);
  await webSession.release();
  return { impute_rows_per_s: table, impute_notes: notes };
}

export type ImputeResult = Awaited<ReturnType<typeof benchImpute>>;

const LABELS: Record<string, string> = {
  ort_web_wasm: 'onnxruntime-web, wasm EP',
  ort_node_1_thread: 'onnxruntime-node, 1 thread',
  ort_node_default_threads: 'onnxruntime-node, default threads',
  jpvae_wasm: 'jpvae-wasm (our engine)',
  ort_web_wasm_dense_rows: 'onnxruntime-web, wasm EP, no zeros',
  jpvae_wasm_dense_rows: 'jpvae-wasm, no zeros',
};

export function formatImpute(r: ImputeResult): string {
  const batches = IMPUTE_BATCHES.map((b) => `batch_${b}`);
  const lines = [`imputation x2 | x1 (rows/s), reference model, ${batches.join(' / ')}`];
  for (const [key, t] of Object.entries(r.impute_rows_per_s))
    lines.push(`  ${(LABELS[key] ?? key).padEnd(36)} ${batches.map((b) => t[b].toFixed(0).padStart(8)).join('')}`);
  return [...lines, ...r.impute_notes.map((n) => `  ${n}`)].join('\n');
}
