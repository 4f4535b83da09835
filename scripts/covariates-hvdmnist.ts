// Covariates on real data: hvdMNIST (MNIST's top and bottom halves, view 1
// and view 2) from two "sites" that differ by an intensity transform of
// view 1. Site A binarises as hvdMNIST does (pixel > 0); site B's scanner
// is fainter (its intensities scaled by `gain` before the same
// binarisation at 128: only the darkest strokes stay ink). The model trains
// on site A's rows (both views); site B is new, with view 1 only. View 2 of
// site B's test rows imputed from view 1 by
//   none      a model without covariates;
//   average   the model with the site as a covariate, B at the average of
//             the known sites (here A alone), no adaptation;
//   adapted   that model adapted to B on site B's view-1 rows (its view-2
//             rows stay at the known sites' mean: decoded as site A).
// Scored as jpvae eval scores Bernoulli views: the imputation loss (BCE of
// the true bottom under the imputed probabilities, nats per image) and the
// calibration of K predictive draws (Brier and log score per pixel).
//
//   node --import tsx scripts/covariates-hvdmnist.ts [--train 20000] [--epochs 5] [--adapt-epochs 10] [--gain 0.6] [--seeds 1] [--samples 20] [--out results/covariates-hvdmnist]

import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { machineInfo } from '../src/bench/machine.ts';
import { jsonText } from '../src/io/json-keys.ts';
import { fit, type JpvaeModel } from '../src/api/model.ts';
import { adaptCovariates } from '../src/api/adapt.ts';
import { loadMnistImages } from '../src/data/hvdmnist.ts';
import type { BernoulliCalibration } from '../src/eval/calibration.ts';
import { cell, mean } from './seed-cells.ts';

const { values } = parseArgs({
  options: {
    train: { type: 'string', default: '20000' },
    epochs: { type: 'string', default: '5' },
    'adapt-epochs': { type: 'string', default: '10' },
    gain: { type: 'string', default: '0.6' },
    seeds: { type: 'string', default: '1' },
    samples: { type: 'string', default: '20' },
    out: { type: 'string', default: 'results/covariates-hvdmnist' },
  },
});
const trainRows = Number(values.train),
  epochs = Number(values.epochs),
  adaptEpochs = Number(values['adapt-epochs']),
  gain = Number(values.gain),
  seeds = values.seeds.split(',').map(Number),
  K = Number(values.samples);
const SIDE = 28,
  HALF = 14 * SIDE,
  NEW_ROWS = 5000,
  TEST_ROWS = 2000;

/** Rows [from, from + n) of MNIST images as the two halves, view 1 binarised at `threshold` after `scale`, view 2 at > 0. */
function halves(images: Uint8Array, from: number, n: number, scale: number, threshold: number) {
  const top = new Float32Array(n * HALF),
    bottom = new Float32Array(n * HALF);
  for (let r = 0; r < n; r++)
    for (let j = 0; j < HALF; j++) {
      top[r * HALF + j] = images[(from + r) * SIDE * SIDE + j] * scale > threshold ? 1 : 0;
      bottom[r * HALF + j] = images[(from + r) * SIDE * SIDE + HALF + j] > 0 ? 1 : 0;
    }
  return { n, top: { data: top, width: HALF }, bottom: { data: bottom, width: HALF } };
}
const train = loadMnistImages('train'),
  test = loadMnistImages('t10k');
const siteA = halves(train.images, 0, trainRows, 1, 0);
const siteB = halves(train.images, trainRows, NEW_ROWS, gain, 127); // B's own rows, to adapt on (view 1 only)
const testB = halves(test.images, 0, TEST_ROWS, gain, 127);
const testA = halves(test.images, TEST_ROWS, TEST_ROWS, 1, 0);
const fitOptions = { epochs, holdout: 0, threads: 1 };
const meta = {
  command: `node --import tsx scripts/covariates-hvdmnist.ts --train ${trainRows} --epochs ${epochs} --adapt-epochs ${adaptEpochs} --gain ${gain} --seeds ${values.seeds} --samples ${K}`,
  data: { trainRows, newRows: NEW_ROWS, testRows: TEST_ROWS, gain },
  fit: fitOptions,
  machine: machineInfo(),
  loadAvgBefore: loadavg().map((x) => +x.toFixed(2)),
};

type Method = 'none' | 'average' | 'adapted';
interface Scores {
  impute: number; // BCE of view 2 | view 1, nats per image
  brier: number;
  log_score: number;
}
const site = (n: number, s: string) => ({ site: Array<string>(n).fill(s) });
function score(model: JpvaeModel, rows: typeof testB, name: string, covariates: boolean): Scores {
  const cov = covariates ? { covariates: site(rows.n, name), unknownCategory: 'average' as const } : {};
  const m = model.evaluate([rows.top, rows.bottom], cov);
  const c = model.calibration([rows.top, rows.bottom], { samples: K, ...cov }).impute
    .x2_given_x1 as BernoulliCalibration;
  return { impute: m.impute.x2_given_x1, brier: c.brier, log_score: c.log_score };
}

const runs: { seed: number; method: Method; fresh: Scores; known: Scores; seconds: number }[] = [];
for (const seed of seeds) {
  const t0 = performance.now();
  const plain = await fit([siteA.top, siteA.bottom], { ...fitOptions, seed });
  const withSite = await fit([siteA.top, siteA.bottom], { ...fitOptions, seed, covariates: site(siteA.n, 'A') });
  const adapted = adaptCovariates(withSite, [siteB.top, null], {
    covariates: site(siteB.n, 'B'),
    epochs: adaptEpochs,
    seed,
  });
  for (const [method, model, covariates] of [
    ['none', plain, false],
    ['average', withSite, true],
    ['adapted', adapted, true],
  ] as [Method, JpvaeModel, boolean][]) {
    const run = {
      seed,
      method,
      fresh: score(model, testB, 'B', covariates),
      known: score(model, testA, 'A', covariates),
      seconds: (performance.now() - t0) / 1000,
    };
    runs.push(run);
    process.stderr.write(
      `seed ${seed} ${method}: site B x2|x1 ${run.fresh.impute.toFixed(2)}, site A ${run.known.impute.toFixed(2)} (${run.seconds.toFixed(0)} s)\n`,
    );
  }
}
writeFileSync(
  `${values.out}.json`,
  jsonText({ ...meta, loadAvgAfter: loadavg().map((x) => +x.toFixed(2)), runs }, { indent: 2 }),
);

const NAMES: Record<Method, string> = {
  none: 'no covariates',
  average: 'site covariate, B at the average of the known sites (A)',
  adapted: 'site covariate, adapted to B',
};
const of = (m: Method) => runs.filter((r) => r.method === m);
const base = mean(of('none').map((r) => r.fresh.impute));
const lines = [
  '| model | new site B: x2\\|x1 loss | vs no covariates | Brier | log score | site A: x2\\|x1 loss |',
  '|---|---|---|---|---|---|',
  ...(['none', 'average', 'adapted'] as Method[]).map((m) => {
    const rs = of(m),
      change = (100 * (mean(rs.map((r) => r.fresh.impute)) - base)) / base;
    return `| ${NAMES[m]} | ${cell(
      rs.map((r) => r.fresh.impute),
      2,
    )} | ${m === 'none' ? '' : `${change > 0 ? '+' : ''}${change.toFixed(0)}%`} | ${cell(
      rs.map((r) => r.fresh.brier),
      4,
    )} | ${cell(
      rs.map((r) => r.fresh.log_score),
      4,
    )} | ${cell(
      rs.map((r) => r.known.impute),
      2,
    )} |`;
  }),
  '',
  `Seeds ${values.seeds}. Trained on MNIST's first ${trainRows} training images at site A (pixel > 0), ${epochs} epochs, the default model (hidden 512,512, latent 20, orthogonal prior); ` +
    `site B (intensities × ${gain}, binarised at 128) adapted on the next ${NEW_ROWS} training images' top halves, ${adaptEpochs} epochs; ` +
    `scored on ${TEST_ROWS} test images at each site: the bottom half imputed from the top (BCE, nats per image, as jpvae eval's imputation loss), ` +
    `and ${K} predictive draws per image (Brier and log score per pixel). \`${meta.command}\`; ${meta.machine.cpu}, Node ${process.versions.node}, load ${meta.loadAvgBefore[0]}.`,
];
writeFileSync(`${values.out}.md`, lines.join('\n') + '\n');
process.stdout.write(lines.join('\n') + '\n');
