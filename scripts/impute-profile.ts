// Where one row's imputation goes on jpvae-wasm (the runtime's own engine),
// for the reference-size model of `jpvae bench --only impute` (392→512→512→20
// per view, fresh weights), batch 1: the whole createImputer call (checks
// and copies on the caller's thread, the worker hop both ways), the graph
// runner alone, and within it the GEMMs (dense layers and the latent
// conditional's gain, one Gemm) and the rest (elementwise steps, copies in
// and out). Rounds interleave the measurements; medians of 15 rounds, in µs.
//   node --import=tsx scripts/impute-profile.ts

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKernels } from '../src/core/index.ts';
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
  runner = new GraphRunner(k, files.get('impute_2_from_1.onnx')!);
// The runner's GEMMs, timed where it calls them.
let inGemm = 0;
const gemm = k.gemm.bind(k);
k.gemm = (...a) => {
  const t = performance.now();
  gemm(...a);
  inGemm += performance.now() - t;
};
const imputer = await createImputer(dir, { executionProviders: ['jpvae-wasm'] });
const row = test.xs[0].slice(0, test.dims[0]);

const samples: Record<string, number[]> = { call: [], runner: [], gemm: [] };
const REPS = 400;
for (let round = 0; round < 15; round++) {
  let t = performance.now();
  for (let r = 0; r < REPS; r++) await imputer.impute(row, { given: 1 });
  samples.call.push(((performance.now() - t) / REPS) * 1000);
  inGemm = 0;
  t = performance.now();
  for (let r = 0; r < REPS; r++) runner.run({ x1: row }, 1);
  samples.runner.push(((performance.now() - t) / REPS) * 1000);
  samples.gemm.push((inGemm / REPS) * 1000);
}
await imputer.close();
const median = (x: number[]) => [...x].sort((a, b) => a - b)[x.length >> 1];
const [call, run, g] = [samples.call, samples.runner, samples.gemm].map(median);
console.log(
  JSON.stringify({
    batch: 1,
    us_per_call: +call.toFixed(1),
    worker_hop_and_checks: +(call - run).toFixed(1),
    graph_runner: +run.toFixed(1),
    gemms: +g.toFixed(1),
    elementwise_and_copies: +(run - g).toFixed(1),
  }),
);
