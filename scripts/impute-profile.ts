// Where one row's imputation goes on jpvae-wasm (the runtime's own engine),
// for the reference-size model of `jpvae bench --only impute` (392→512→512→20
// per view, fresh weights), at a batch of B rows (default 1; µs per row): the whole createImputer call (checks
// and copies on the caller's thread, the worker hop both ways), the graph
// runner alone, and within it the GEMMs (dense layers and the latent
// conditional's gain, one Gemm) and the rest (elementwise steps, copies in
// and out). Then single layers with and without SKIP_ZEROS (the runner
// passes it), at batches 1 and 32: the first layer on digits, and a
// 512×512 layer on dense rows.
// Rounds interleave the measurements; medians of 31 rounds (the model) and
// 15 (the layer), in µs (per row for the layer).
//   node --import=tsx scripts/impute-profile.ts [B]

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKernels } from '../src/core/index.ts';
import { SKIP_ZEROS, TRANS_B } from '../src/core/kernels.ts';
import { loadHvdMnist } from '../src/data/hvdmnist.ts';
import { sliceViews } from '../src/data/view-data.ts';
import { Rng } from '../src/data/rng.ts';
import { fitLatent } from '../src/impute/latent-fit.ts';
import { Jpvae } from '../src/model/jpvae.ts';
import { buildExport } from '../src/onnx/export.ts';
import { writeExport } from '../src/onnx/write-export.ts';
import { REFERENCE_CONFIG } from '../src/bench/train.ts';
import { GraphRunner } from '../src/runtime/graph-runner.ts';
import { createImputer } from '../src/runtime/imputer.ts';

const model = new Jpvae(createKernels('wasm'), REFERENCE_CONFIG, 256);
model.initParams(new Rng(1));
const test = loadHvdMnist('test');
const fit = fitLatent(model, sliceViews(test, 0, 1000));
const { files } = buildExport(model, { fit, standardize: [null, null], data: {}, package: 'profile', step: 0 });
const dir = join(mkdtempSync(join(tmpdir(), 'jpvae-profile-')), 'export');
writeExport(dir, files);

const k = createKernels('wasm'),
  runner = new GraphRunner(k, files['impute_2_from_1.onnx']);
// The runner's GEMMs, timed where it calls them (in a pass of their own: the clock's reads cost time too).
let inGemm = 0,
  timing = false;
const gemm = k.gemm.bind(k);
k.gemm = (...a) => {
  if (!timing) return gemm(...a);
  const t = performance.now();
  gemm(...a);
  inGemm += performance.now() - t;
};
const imputer = await createImputer(dir, { executionProviders: ['jpvae-wasm'] });
const B = Number(process.argv[2] ?? 1); // the batch: rows per call
if (!(Number.isInteger(B) && B >= 1 && B <= 1000))
  throw new Error(`batch: expected 1 to 1000 rows, got ${process.argv[2]}`);
const row = test.xs[0].slice(0, B * test.dims[0]);

const samples: Record<string, number[]> = { call: [], runner: [], gemm: [] };
const REPS = 100,
  perCall = (t: number) => ((performance.now() - t) / REPS / B) * 1000;
for (let round = 0; round < 31; round++) {
  let t = performance.now();
  for (let r = 0; r < REPS; r++) await imputer.impute(row, { given: 1 });
  samples.call.push(perCall(t));
  t = performance.now();
  for (let r = 0; r < REPS; r++) runner.run({ x1: row }, B);
  samples.runner.push(perCall(t));
  [inGemm, timing] = [0, true];
  for (let r = 0; r < REPS; r++) runner.run({ x1: row }, B);
  samples.gemm.push((inGemm / REPS / B) * 1000);
  timing = false;
}
await imputer.close();
const median = (x: number[]) => [...x].sort((a, b) => a - b)[x.length >> 1];
const [call, run, g] = [samples.call, samples.runner, samples.gemm].map(median);
console.log(
  JSON.stringify({
    batch: B,
    us_per_call: +call.toFixed(1),
    worker_hop_and_checks: +(call - run).toFixed(1),
    graph_runner: +run.toFixed(1),
    gemms: +g.toFixed(1),
    elementwise_and_copies: +(run - g).toFixed(1),
  }),
);

// One layer in the runner's form (gemm's dot form over weights transposed once), with and without
// SKIP_ZEROS: the first layer (392→512) on hvdMNIST rows, whose blank pixels it passes over, and a
// 512×512 layer on dense rows (what a hidden layer costs when nothing is skipped). Same values.
const rng = new Rng(2),
  layer: Record<string, number> = {};
for (const [name, K, inputs] of [
  ['first_layer_digits', 392, test.xs[0].slice(0, 32 * 392)],
  ['layer_512x512_dense', 512, Float32Array.from({ length: 32 * 512 }, () => rng.normal())],
] as const) {
  const N = 512,
    WT = k.heap.allocFrom(Float32Array.from({ length: K * N }, () => rng.normal())),
    X = k.heap.allocFrom(inputs),
    C = k.heap.alloc(32 * N);
  for (const rows of [1, 32]) {
    const reps = Math.ceil(256 / rows),
      times: Record<string, number[]> = { dot: [], skip_zeros: [] };
    for (let round = 0; round < 15; round++)
      for (const [form, flags] of [
        ['dot', TRANS_B],
        ['skip_zeros', TRANS_B | SKIP_ZEROS],
      ] as const) {
        const t = performance.now();
        for (let r = 0; r < reps; r++) gemm(flags, rows, N, K, X, WT, C, 0);
        times[form].push(((performance.now() - t) / reps / rows) * 1000);
      }
    for (const form of ['dot', 'skip_zeros']) layer[`${name}_${form}_batch_${rows}`] = +median(times[form]).toFixed(1);
  }
}
console.log(JSON.stringify({ layer_us_per_row: layer }));
