// The training step of a three-view model (MNIST's bands: 252, 280 and 252
// pixels, hidden 512,512, 20 latent units per view, the factor prior, batch
// 32) on one engine against the M-view engine it replaced, in one process,
// rounds interleaved (absolute rates drift between runs here; ratios do
// not); and the same step with a pass that zeroes G first, as that engine
// did every step: what writing the first backward's gradients saves. The
// two-view reference step of both trees too (its engine was already the
// one that writes). Rates in this process's CPU time (bestRate).
//   node --experimental-wasm-relaxed-simd --import=tsx bench/multi-view-step.ts OLD_DIR [--json OUT]
// OLD_DIR: a checkout from before the engines became one (06dba09), with
// its wasm built and its node_modules.

import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import { bestRate } from '../src/bench/rate.ts';
import { machineInfo } from '../src/bench/machine.ts';
import { jsonText } from '../src/io/json-keys.ts';

v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
const { values, positionals } = parseArgs({ options: { json: { type: 'string' } }, allowPositionals: true });
const oldDir = positionals[0];
if (!oldDir) {
  process.stderr.write('usage: bench/multi-view-step.ts OLD_DIR [--json OUT]\n');
  process.exit(2);
}

const BATCH = 32,
  BANDS = [252, 280, 252];
const THREE = {
  dims: BANDS,
  hidden: [512, 512],
  latent: [20, 20, 20],
  prior: { kind: 'factor', alpha: 0.95, factors: 20 },
};
const TWO = {
  dims: [392, 392],
  hidden: [512, 512],
  latent: [20, 20],
  prior: { kind: 'orthogonal', alpha: 0.95, flips: 0 },
};

/** A step (the model's gradient of a batch and Adam) of `config` on `dir`'s engine (one: Jpvae of any M; multi, two: the old MultiJpvae, and the old two-view Jpvae); `zero`: zero G first. */
async function stepOf(dir: string, config: typeof THREE | typeof TWO, engine: 'one' | 'multi' | 'two', zero = false) {
  const load = (path: string) => import(pathToFileURL(resolve(dir, path)).href);
  const [{ createKernels }, { Adam, ADAM_DEFAULTS }, { Rng }] = await Promise.all(
    ['src/core/index.ts', 'src/train/adam.ts', 'src/data/rng.ts'].map(load),
  );
  const k = createKernels('wasm'),
    rng = new Rng(1);
  const Model =
    engine === 'multi' ? (await load('src/model/multi-jpvae.ts')).MultiJpvae : (await load('src/model/jpvae.ts')).Jpvae;
  const model = new Model(k, config, BATCH);
  model.initParams(rng);
  const adam = new Adam(k, model.layout.size, ADAM_DEFAULTS);
  const xs = config.dims.map((d) => Float32Array.from({ length: BATCH * d }, () => (rng.uniform() < 0.2 ? 1 : 0)));
  // The old two-view engine took { x1, x2 }; every other one a list of views.
  const data =
    engine === 'two'
      ? { n: BATCH, dim1: config.dims[0], dim2: config.dims[1], x1: xs[0], x2: xs[1] }
      : { n: BATCH, dims: config.dims, xs };
  const rows = Uint32Array.from({ length: BATCH }, (_, i) => i);
  return () => {
    if (zero) model.grads().fill(0);
    model.lossAndGradient(data, rows, 1, rng);
    adam.update(model.P, model.G);
  };
}

const here = '.';
const steps: Record<string, () => void> = {
  three_views_before: await stepOf(oldDir, THREE, 'multi'),
  three_views_after: await stepOf(here, THREE, 'one'),
  three_views_after_zeroing: await stepOf(here, THREE, 'one', true),
  two_views_before: await stepOf(oldDir, TWO, 'two'),
  two_views_after: await stepOf(here, TWO, 'one'),
};
const ROUNDS = 10,
  rates: Record<string, number[]> = Object.fromEntries(Object.keys(steps).map((k) => [k, []]));
for (let round = 0; round < ROUNDS; round++) {
  // The order alternates, so no step always runs on the caches another left.
  const names = Object.keys(steps);
  for (const name of round % 2 ? names.reverse() : names) rates[name].push(bestRate(steps[name], BATCH, 1, 1));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const ratios = (a: string, b: string) => rates[a].map((x, i) => x / rates[b][i]);
const result = {
  command: `node --experimental-wasm-relaxed-simd --import=tsx bench/multi-view-step.ts ${oldDir}`,
  machine: machineInfo(),
  rounds: ROUNDS,
  samples_per_s: Object.fromEntries(
    Object.entries(rates).map(([k, v]) => [k, { best: Math.round(Math.max(...v)), median: Math.round(median(v)) }]),
  ),
  ratio_median: {
    three_views_after_over_before: Number(median(ratios('three_views_after', 'three_views_before')).toFixed(3)),
    three_views_writing_over_zeroing: Number(
      median(ratios('three_views_after', 'three_views_after_zeroing')).toFixed(3),
    ),
    two_views_after_over_before: Number(median(ratios('two_views_after', 'two_views_before')).toFixed(3)),
  },
};
console.log(jsonText(result, { indent: 1 }));
if (values.json) writeFileSync(values.json, jsonText(result, { indent: 1 }));
