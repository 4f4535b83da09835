// MNIST in three horizontal bands (rows 0–8, 9–18, 19–27) as three views,
// on the paper's architecture (512-512 MLPs, 20 latent units per view):
// the learnt M-view prior (Σ_ij = α·A_i·A_jᵀ, α = 0.95, K = 20) against
// C = 0 (independent VAEs), several seeds. For each band: its imputation
// from the other two and from each single band, as BCE summed over the
// band's pixels on the 10,000 test images (posterior means encoded,
// latent Gaussian fitted on the training rows, conditional mean decoded).
//
//   node --import tsx scripts/three-bands.ts [--epochs 30] [--train 50000] [--seeds 1,2,3] [--out results/three-bands]
//
// Writes OUT.json after every model (so a long run keeps what it finished) and OUT.md, the table docs/more-views.md shows.

import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { machineInfo } from '../src/bench/machine.ts';
import { createKernels } from '../src/core/index.ts';
import { HVD_TRAIN_ROWS, loadMnistImages } from '../src/data/hvdmnist.ts';
import { bands } from '../src/data/mnist-bands.ts';
import { sliceViews } from '../src/data/view-data.ts';
import { conditionalOf } from '../src/impute/block-conditional.ts';
import { imputeViews, reconstructView } from '../src/impute/impute.ts';
import { fitLatent } from '../src/impute/latent-fit.ts';
import { Jpvae } from '../src/model/jpvae.ts';
import type { PriorKind } from '../src/model/prior/prior.ts';
import { fitModel } from '../src/train/trainer.ts';
import { jsonText } from '../src/io/json-keys.ts';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '30' },
    train: { type: 'string', default: String(HVD_TRAIN_ROWS) },
    seeds: { type: 'string', default: '1,2,3' },
    out: { type: 'string', default: 'results/three-bands' },
  },
});
const epochs = Number(values.epochs),
  trainRows = Number(values.train),
  seeds = values.seeds!.split(',').map(Number);

const trainImages = loadMnistImages('train'),
  testImages = loadMnistImages('t10k');
const train = sliceViews(bands(trainImages.images, trainImages.n), 0, Math.min(trainRows, HVD_TRAIN_ROWS));
const test = bands(testImages.images, testImages.n);

/** Mean over rows of the BCE summed over a band's pixels, of probabilities p against binary x. */
function bce(p: Float32Array, x: Float32Array, dim: number): number {
  let s = 0;
  for (let e = 0; e < p.length; e++) {
    const q = Math.min(Math.max(p[e], 1e-7), 1 - 1e-7);
    s -= x[e] ? Math.log(q) : Math.log(1 - q);
  }
  return s / (p.length / dim);
}

const GIVENS = (target: number) => [
  [0, 1, 2].filter((v) => v !== target),
  ...[0, 1, 2].filter((v) => v !== target).map((v) => [v]),
];
const key = (target: number, given: number[]) => `x${target + 1}_given_${given.map((g) => `x${g + 1}`).join('_')}`;

interface Run {
  prior: PriorKind;
  seed: number;
  seconds: number;
  impute: Record<string, number>;
  recon: number[];
}
const runs: Run[] = [];
const meta = {
  command: `node --import tsx scripts/three-bands.ts --epochs ${epochs} --train ${train.n} --seeds ${seeds.join(',')}`,
  epochs,
  trainRows: train.n,
  testRows: test.n,
  architecture: 'hidden 512,512; latent 20 per band; batch 32; Adam 1e-3; β = 1',
  priors: { factor: 'Σ_ij = α·A_i·A_jᵀ, α = 0.95, K = 20', zero: 'C = 0 (independent VAEs)' },
  protocol:
    'latent Gaussian fitted on the training rows; posterior means encoded, conditional mean decoded; BCE summed over the band, mean over the test rows',
  machine: machineInfo(),
};

function write(): void {
  const loadAvg = loadavg().map((x) => +x.toFixed(2));
  writeFileSync(`${values.out}.json`, jsonText({ ...meta, loadAvg, runs }, { indent: 2 }));
  const stat = (prior: PriorKind, k: string) => {
    const v = runs.filter((r) => r.prior === prior).map((r) => r.impute[k]);
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) : NaN;
    return { m, sd, n: v.length };
  };
  const lines = [
    `| imputed band | from | C = 0 | learnt M-view prior | difference / larger sd |`,
    `|---|---|---|---|---|`,
  ];
  for (let t = 0; t < 3; t++)
    for (const g of GIVENS(t)) {
      const k = key(t, g),
        z = stat('zero', k),
        f = stat('factor', k);
      const fmt = (s: { m: number; sd: number }) => `${s.m.toFixed(2)} (${Number.isNaN(s.sd) ? '–' : s.sd.toFixed(2)})`;
      lines.push(
        `| ${t + 1} | ${g.map((x) => x + 1).join(' and ')} | ${fmt(z)} | ${fmt(f)} | ${((z.m - f.m) / Math.max(z.sd, f.sd)).toFixed(1)} |`,
      );
    }
  const n = Math.min(stat('zero', key(0, [1, 2])).n, stat('factor', key(0, [1, 2])).n);
  lines.push(
    '',
    `BCE summed over the band's pixels (band 1: 252, band 2: 280, band 3: 252), mean (sd) over ${n} seeds; ${epochs} epochs on ${train.n} training rows; ${test.n} test rows. Written by \`${meta.command}\`.`,
  );
  writeFileSync(`${values.out}.md`, lines.join('\n') + '\n');
}

for (const seed of seeds)
  for (const prior of ['factor', 'zero'] as const) {
    const t0 = performance.now();
    const model = new Jpvae(
      createKernels('wasm'),
      { dims: train.dims, hidden: [512, 512], latent: [20, 20, 20], prior: { kind: prior, alpha: 0.95, factors: 20 } },
      32,
    );
    fitModel(model, train, {
      epochs,
      batch: 32,
      seed,
      onEpoch: (r) =>
        console.error(
          `${prior} seed ${seed} epoch ${r.epoch}: recon ${r.train.recon.map((x) => x.toFixed(1))} KL ${r.train.kl.toFixed(1)} (${r.seconds.toFixed(0)} s)`,
        ),
    });
    const fit = fitLatent(model, train),
      impute: Record<string, number> = {};
    for (let t = 0; t < 3; t++)
      for (const g of GIVENS(t)) {
        const given = g.map((v) => v + 1),
          c = conditionalOf(fit, given, [t + 1]);
        const [y] = imputeViews(
          model,
          c,
          g.map((v) => test.xs[v]),
          test.n,
        );
        impute[key(t, g)] = bce(y, test.xs[t], test.dims[t]);
      }
    // Reconstruction: each band from itself, decoding its posterior mean.
    const recon = [0, 1, 2].map((v) => bce(reconstructView(model, v, test.xs[v], test.n), test.xs[v], test.dims[v]));
    runs.push({ prior, seed, seconds: (performance.now() - t0) / 1000, impute, recon });
    console.error(prior, seed, JSON.stringify(impute));
    write();
  }
