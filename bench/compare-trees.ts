// Training throughput of two checkouts of jpvae in one process, rounds
// interleaved, so that a change's speed-up is a ratio measured under the
// same conditions (this VM's absolute rates drift between runs); also the
// forward GEMM 32×512×512 on cold weights (16 distinct 1 MB matrices in
// turn, as a training step meets them) against one warm matrix:
//   node --experimental-wasm-relaxed-simd --import=tsx bench/compare-trees.ts OLD_DIR [NEW_DIR]
// Each directory is a checkout with its wasm built (npm run build); NEW_DIR
// defaults to this one. The step is the trainer's own: the model's
// lossAndGradient (batchTerms in older checkouts) + Adam on
// the reference model, batch 32, on each tree's best wasm build. It is
// built here from APIs older checkouts have too (src/bench/train.ts's
// referenceTraining is newer than the checkouts worth comparing against).

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bestRate } from '../src/bench/rate.ts';

interface Tree {
  step: () => void;
  gemm: (weights: number) => void;
}

async function openTree(dir: string): Promise<Tree> {
  const load = (path: string) => import(pathToFileURL(resolve(dir, path)).href);
  const [{ createKernels, RELU }, { Jpvae }, { Adam, ADAM_DEFAULTS }, { Rng }, { REFERENCE_CONFIG }] =
    await Promise.all(
      ['src/core/index.ts', 'src/model/jpvae.ts', 'src/train/adam.ts', 'src/data/rng.ts', 'src/bench/train.ts'].map(
        load,
      ),
    );
  const k = createKernels('wasm'),
    rng = new Rng(1),
    batch = 32;
  const model = new Jpvae(k, REFERENCE_CONFIG, batch);
  model.initParams(rng);
  const adam = new Adam(k, model.layout.size, ADAM_DEFAULTS);
  const binary = () => Float32Array.from({ length: batch * 392 }, () => (rng.uniform() < 0.2 ? 1 : 0));
  const data = { n: batch, dim1: 392, dim2: 392, x1: binary(), x2: binary() };
  const rows = Uint32Array.from({ length: batch }, (_, i) => i);
  const gradient: () => void = model.lossAndGradient
    ? () => model.lossAndGradient(data, rows, 1, rng)
    : await load('src/train/batch.ts').then(
        ({ batchTerms }) =>
          () =>
            batchTerms(model, data, rows, 1, rng, true),
      );
  const n = 512,
    X = k.heap.allocFrom(Float32Array.from({ length: batch * n }, () => rng.normal())),
    Y = k.heap.alloc(batch * n),
    b = k.heap.alloc(n);
  const W = Array.from({ length: 16 }, () =>
    k.heap.allocFrom(Float32Array.from({ length: n * n }, () => rng.normal() / Math.sqrt(n))),
  );
  return {
    step: () => {
      gradient();
      adam.update(model.P, model.G);
    },
    /** 16 forward GEMMs 32×512×512, cycling through `weights` distinct weight matrices. */
    gemm: (weights) => {
      for (let i = 0; i < 16; i++) k.gemm(RELU, batch, n, n, X, W[i % weights], Y, b);
    },
  };
}

const [oldDir, newDir = '.'] = process.argv.slice(2);
if (!oldDir) {
  process.stderr.write(
    'usage: node --experimental-wasm-relaxed-simd --import=tsx bench/compare-trees.ts OLD_DIR [NEW_DIR]\n',
  );
  process.exit(2);
}
const trees = { old: await openTree(oldDir), new: await openTree(newDir) };
// One round of each measure: about a second of CPU time (bestRate: a warm-up call, then CPU-timed calls).
const gflop = (16 * 2 * 32 * 512 * 512) / 1e9;
const measures = {
  'training samples/s': (t: Tree) => bestRate(t.step, 32, 1, 1),
  'GEMM GFLOP/s, cold weights': (t: Tree) => bestRate(() => t.gemm(16), gflop, 1, 1),
  'GEMM GFLOP/s, one warm W': (t: Tree) => bestRate(() => t.gemm(1), gflop, 1, 1),
};
const ROUNDS = 10;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (const [name, measure] of Object.entries(measures)) {
  const best = { old: 0, new: 0 },
    ratios: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // The order alternates, so neither tree always runs on the caches the other left.
    const order = round % 2 ? (['new', 'old'] as const) : (['old', 'new'] as const),
      got = { old: 0, new: 0 };
    for (const key of order) got[key] = measure(trees[key]);
    for (const key of order) best[key] = Math.max(best[key], got[key]);
    ratios.push(got.new / got.old);
  }
  const f = (x: number) => x.toFixed(x < 100 ? 1 : 0);
  console.log(
    `${name}, best of ${ROUNDS} interleaved rounds: ${oldDir} ${f(best.old)}, ${newDir} ${f(best.new)}, ratio ${(best.new / best.old).toFixed(2)}; per-round ratios: median ${median(ratios).toFixed(2)}, ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`,
  );
}
