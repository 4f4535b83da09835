// The ONNX export against our own forward on the wasm core: every exported
// graph, run by onnxruntime-web (wasm EP, in Node) on real hvdMNIST test
// rows, both views, batches of 1, 7 and 32, within 1e-4 (max abs); the
// worker imputer and its execution-provider fallback; `jpvae export`'s
// manifest and its exit-2 paths.

import test from 'ava';
import * as ort from 'onnxruntime-web';
import { jpvae } from './util.ts';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../src/cli/model-data.ts';
import { loadHvdMnist } from '../src/data/hvdmnist.ts';
import { conditional, type LatentFit } from '../src/impute/conditional.ts';
import { imputeView } from '../src/impute/impute.ts';
import type { Jpvae } from '../src/model/jpvae.ts';
import { GRAPH_NAMES, type Manifest } from '../src/onnx/manifest.ts';
import { createImputer } from '../src/runtime/imputer.ts';
import { float16Bits } from '../src/onnx/float16.ts';
import { Rng } from '../src/data/rng.ts';


const dir = mkdtempSync(join(tmpdir(), 'jpvae-onnx-'));
const MODEL = join(dir, 'model'), EXPORT = join(dir, 'export');
const data = loadHvdMnist('test');
const BATCHES = [1, 7, 32];
const TOL = 1e-4;
let model: Jpvae, fit: LatentFit, exportOutput: string;

test.before(() => {
  // Two hidden layers and n1 ≠ n2, so a layer-order or transposition slip shows.
  const trained = jpvae('train', '--hidden', '64,32', '--latent', '6,8', '--train-limit', '500', '--epochs', '1', '--seed', '5', '--out', MODEL);
  if (trained.code !== 0) throw new Error(`train failed: ${trained.err}`);
  const exported = jpvae('export', '--model', MODEL, '--out', EXPORT, '--json');
  if (exported.code !== 0) throw new Error(`export failed: ${exported.err}`);
  exportOutput = exported.out;
  const loaded = loadModel(MODEL);
  model = loaded.model;
  fit = loaded.json.latentFit as LatentFit;
});

const rowsOf = (v: 1 | 2, start: number, n: number) => (v === 1 ? data.x1 : data.x2).slice(start * 392, (start + n) * 392);

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Our forward: view v's posterior mean and log-variance for `rows` (n rows). */
function encodeOurs(m: Jpvae, v: 1 | 2, rows: Float32Array, n: number) {
  const view = m.views[v - 1];
  m.setInput((v - 1) as 0 | 1, rows, Array.from({ length: n }, (_, r) => r));
  m.encode((v - 1) as 0 | 1, n);
  return { mu: Float32Array.from(m.k.heap.view(view.mu, n * view.latent)), logvar: Float32Array.from(m.k.heap.view(view.lv, n * view.latent)) };
}

/** Our forward: σ(decoder logits) for latents z (n rows). */
function decodeOurs(m: Jpvae, v: 1 | 2, z: Float32Array, n: number): Float32Array {
  const view = m.views[v - 1];
  m.k.heap.view(view.z, n * view.latent).set(z);
  const logits = m.k.heap.view(m.decode((v - 1) as 0 | 1, n), n * view.dim);
  return Float32Array.from(logits, (x) => 1 / (1 + Math.exp(-x)));
}

const session = (name: string) => ort.InferenceSession.create(readFileSync(join(EXPORT, `${name}.onnx`)), { executionProviders: ['wasm'] });
const tensor = (x: Float32Array, cols: number) => new ort.Tensor('float32', x, [x.length / cols, cols]);

test('the manifest lists six graphs with a dynamic batch, opset ≥ 17, IR ≥ 8 and the preprocessing', (t) => {
  const manifest: Manifest = JSON.parse(readFileSync(join(EXPORT, 'manifest.json'), 'utf8'));
  t.deepEqual(JSON.parse(exportOutput).manifest, manifest);
  t.true(manifest.onnx.opset >= 17 && manifest.onnx.irVersion >= 8);
  t.deepEqual(Object.keys(manifest.graphs), [...GRAPH_NAMES]);
  t.deepEqual(manifest.views, [{ dim: 392, latent: 6 }, { dim: 392, latent: 8 }]);
  t.deepEqual(manifest.graphs.impute_2_from_1.inputs, [{ name: 'x1', shape: ['batch', 392] }, { name: 'eps2', shape: ['batch', 8] }]);
  t.deepEqual(manifest.graphs.encoder2.outputs, [{ name: 'mu2', shape: ['batch', 8] }, { name: 'logvar2', shape: ['batch', 8] }]);
  t.is(manifest.model.data.binarize, 'pixel > 0');
  t.deepEqual(manifest.model.latentFit, { rows: 500, split: 'train' });
});

for (const v of [1, 2] as const) {
  test.serial(`encoder${v}.onnx equals our encoder (mu, logvar) within ${TOL}`, async (t) => {
    const s = await session(`encoder${v}`);
    for (const n of BATCHES) {
      const x = rowsOf(v, 100, n), ours = encodeOurs(model, v, x, n);
      const out = await s.run({ [`x${v}`]: tensor(x, 392) });
      t.deepEqual(out[`mu${v}`].dims, [n, model.views[v - 1].latent]);
      t.true(maxAbsDiff(out[`mu${v}`].data as Float32Array, ours.mu) <= TOL, `mu, batch ${n}`);
      t.true(maxAbsDiff(out[`logvar${v}`].data as Float32Array, ours.logvar) <= TOL, `logvar, batch ${n}`);
    }
  });

  test.serial(`decoder${v}.onnx equals our decoder's σ(logits) within ${TOL}, on latents of real rows`, async (t) => {
    const s = await session(`decoder${v}`), latent = model.views[v - 1].latent;
    for (const n of BATCHES) {
      const z = encodeOurs(model, v, rowsOf(v, 200, n), n).mu;
      const out = await s.run({ [`z${v}`]: tensor(z, latent) });
      t.deepEqual(out[`probs${v}`].dims, [n, 392]);
      t.true(maxAbsDiff(out[`probs${v}`].data as Float32Array, decodeOurs(model, v, z, n)) <= TOL, `batch ${n}`);
    }
  });
}

for (const target of [0, 1] as const) {
  const i = target + 1, j = 2 - target, name = `impute_${i}_from_${j}`;
  test.serial(`${name}.onnx equals imputeView (the conditional mean, and draws with the same noise) within ${TOL}`, async (t) => {
    const s = await session(name), c = conditional(fit, target), rng = new Rng(7);
    for (const n of BATCHES) {
      const x = rowsOf(j as 1 | 2, 300, n);
      const zeros = new Float32Array(n * c.nOut), noise = new Float32Array(n * c.nOut);
      rng.fillNormal(noise);
      const mean = await s.run({ [`x${j}`]: tensor(x, 392), [`eps${i}`]: tensor(zeros, c.nOut) });
      t.true(maxAbsDiff(mean[`probs${i}`].data as Float32Array, imputeView(model, c, x, n)) <= TOL, `mean, batch ${n}`);
      let k = 0;
      const draw = await s.run({ [`x${j}`]: tensor(x, 392), [`eps${i}`]: tensor(noise, c.nOut) });
      t.true(maxAbsDiff(draw[`probs${i}`].data as Float32Array, imputeView(model, c, x, n, () => noise[k++])) <= TOL, `draw, batch ${n}`);
    }
  });
}

/** The value of a float16 bit pattern. */
function float16Value(h: number): number {
  const sign = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0x1f) return m ? NaN : sign * Infinity;
  return e === 0 ? sign * m * 2 ** -24 : sign * (1 + m / 1024) * 2 ** (e - 15);
}

test('float16Bits: every float16 round-trips, and values round to the nearest, ties to even', (t) => {
  for (let h = 0; h < 0x10000; h++) {
    const v = float16Value(h);
    if (!Number.isNaN(v) && v !== 0) t.is(float16Bits(v), h);
  }
  t.is(float16Bits(1 + 2 ** -11), 0x3c00); // a tie between 1 and its successor: the even one
  t.is(float16Bits(1 + 3 * 2 ** -11), 0x3c02);
  t.is(float16Bits(65520), 0x7c00); // rounds past the largest finite half
  t.is(float16Bits(2 ** -25), 0); // half the smallest subnormal: ties to zero
  t.is(float16Bits(1.5 * 2 ** -25), 1);
  const rng = new Rng(3);
  for (let k = 0; k < 2000; k++) {
    const x = Math.fround(rng.normal() * 2 ** (rng.normal() * 6));
    if (Math.abs(x) > 65504) continue; // beyond the largest half: ±inf, tested above
    const v = float16Value(float16Bits(x));
    const ulp = 2 ** (Math.max(Math.floor(Math.log2(Math.abs(x))), -14) - 10);
    t.true(Math.abs(v - x) <= ulp / 2, `${x} → ${v}`);
  }
});

test.serial('--fp16 halves the files and moves the imputed probabilities by less than 1e-2', async (t) => {
  const out = join(dir, 'export16');
  t.is(jpvae('export', '--model', MODEL, '--out', out, '--fp16').code, 0);
  const manifest: Manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  t.is(manifest.onnx.weights, 'float16');
  const size = (d: string) => readFileSync(join(d, 'impute_2_from_1.onnx')).length;
  t.true(size(out) < 0.55 * size(EXPORT));
  const s = await ort.InferenceSession.create(readFileSync(join(out, 'impute_2_from_1.onnx')), { executionProviders: ['wasm'] });
  const c = conditional(fit, 1), x = rowsOf(1, 500, 32);
  const r = await s.run({ x1: tensor(x, 392), eps2: tensor(new Float32Array(32 * c.nOut), c.nOut) });
  const diff = maxAbsDiff(r.probs2.data as Float32Array, imputeView(model, c, x, 32));
  t.log(`fp16: max |Δp| ${diff.toExponential(1)}`);
  t.true(diff > 0 && diff < 1e-2);
});

test('the worker imputer falls back from WebGPU to wasm in Node and matches imputeView', async (t) => {
  const imputer = await createImputer(EXPORT, { executionProviders: ['webgpu', 'wasm'] });
  try {
    t.is(imputer.executionProvider, 'wasm');
    t.regex(imputer.fallbacks[0], /^webgpu: /);
    for (const given of [1, 2] as const) {
      const x = rowsOf(given, 400, 32), c = conditional(fit, (2 - given) as 0 | 1);
      const ours = imputeView(model, c, x, 32);
      t.true(maxAbsDiff(await imputer.impute(x.slice(), { given }), ours) <= TOL, `given view ${given}`);
      const draws = await imputer.impute(x.slice(0, 2 * 392), { given, samples: 3 });
      t.is(draws.length, 2 * 3 * 392);
      t.true(maxAbsDiff(draws.subarray(0, 392), draws.subarray(392, 784)) > 1e-3); // two draws for one row differ
      t.true(draws.every((p) => p > 0 && p < 1));
    }
    // Overlapping calls queue in the worker (onnxruntime-web runs one at a time).
    const both = await Promise.all([1, 2].map((given) => imputer.impute(rowsOf(given as 1 | 2, 0, 5), { given: given as 1 | 2 })));
    t.deepEqual(both.map((p) => p.length), [5 * 392, 5 * 392]);
    const x = rowsOf(1, 0, 4);
    await imputer.impute(x, { given: 1 });
    t.is(x.length, 0); // the whole buffer went to the worker (transferred, detached here)
    await t.throwsAsync(imputer.impute(new Float32Array(100), { given: 1 }), { message: /not whole rows of view 1/ });
    await t.throwsAsync(imputer.impute(new Float32Array(392), { given: 3 as 1 }), { message: /given must be view 1 or 2/ });
  } finally {
    await imputer.close();
  }
});

test('export replaces an earlier export; bad input gets one line and exit code 2', (t) => {
  t.is(jpvae('export', '--model', MODEL, '--out', EXPORT).code, 0);
  const notOurs = join(dir, 'notes');
  mkdirSync(notOurs);
  writeFileSync(join(notOurs, 'a.txt'), 'mine');
  const noFit = join(dir, 'no-fit');
  cpSync(MODEL, noFit, { recursive: true });
  const mj = JSON.parse(readFileSync(join(noFit, 'model.json'), 'utf8'));
  delete mj.latentFit;
  writeFileSync(join(noFit, 'model.json'), JSON.stringify(mj));
  const cases: [string[], RegExp][] = [
    [['export', '--out', join(dir, 'x')], /--model: required/],
    [['export', '--model', MODEL], /--out: required/],
    [['export', '--model', join(dir, 'missing'), '--out', join(dir, 'x')], /not a jpvae model directory/],
    [['export', '--model', noFit, '--out', join(dir, 'x')], /has no latent fit/],
    [['export', '--model', MODEL, '--out', notOurs], /is not a jpvae export directory; refusing/],
    [['export', '--model', MODEL, '--out', join(notOurs, 'a.txt')], /exists and is not a directory/],
  ];
  for (const [args, message] of cases) {
    const r = jpvae(...args);
    t.is(r.code, 2, args.join(' '));
    t.regex(r.err, message);
    t.is(r.err.trim().split('\n').length, 1, r.err);
  }
  t.is(readFileSync(join(notOurs, 'a.txt'), 'utf8'), 'mine');
});
