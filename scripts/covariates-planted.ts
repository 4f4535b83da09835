// Covariates on a planted problem with batches (test/planted-batches.ts:
// three training batches A, B, C whose batch effect, a shift and a scale,
// lives in view 1; a new batch D, never seen in training, with view 1
// only): view 2 imputed from view 1 for the new batch's rows, scored
// against their true view 2, by
//   none      a model without covariates;
//   average   a model with the batch as a covariate, the unknown batch D
//             given the average of the known batches' one-hots (the mean
//             of their embeddings), no adaptation;
//   adapted   that model adapted to D (adaptCovariates: D's rows of the
//             covariate weights trained on D's view-1 rows, every other
//             weight frozen; D's rows of view 2's networks, which no row
//             of D can train, set to the mean of the known batches' rows;
//             the training rows' latent fit kept);
//   adapted-pooled  the same with D's posterior means pooled into the latent fit.
// Error: RMSE in view 2's standardised units (each feature over its sd in
// the training rows). Calibration: K predictive draws per row of D.
//
//   node --import tsx scripts/covariates-planted.ts [--seeds 1,2,3,4,5] [--epochs 40] [--adapt-epochs 40] [--samples 100] [--out results/covariates-planted]
//
// Writes OUT.json and OUT.md, the table docs/covariates.md shows.

import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { machineInfo } from '../src/bench/machine.ts';
import { jsonText } from '../src/io/json-keys.ts';
import { fit, type JpvaeModel } from '../src/api/model.ts';
import { adaptCovariates } from '../src/api/adapt.ts';
import type { GaussianCalibration } from '../src/eval/calibration.ts';
import { NEW_BATCH, plantedBatches, type BatchRows } from '../test/planted-batches.ts';
import { cell, mean } from './seed-cells.ts';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '1,2,3,4,5' },
    epochs: { type: 'string', default: '40' },
    'adapt-epochs': { type: 'string', default: '40' },
    samples: { type: 'string', default: '100' },
    'adapt-lr': { type: 'string', default: '0.03' },
    out: { type: 'string', default: 'results/covariates-planted' },
  },
});
const seeds = values.seeds.split(',').map(Number),
  epochs = Number(values.epochs),
  adaptEpochs = Number(values['adapt-epochs']),
  K = Number(values.samples),
  adaptLr = Number(values['adapt-lr']);
const data = { perBatch: 1000, newRows: 500, heldOut: 300, dims: [8, 6] as [number, number], missing: 0.1 };
const fitOptions = { likelihood: 'gaussian', epochs, hidden: [64, 64], latent: 2, batch: 32, holdout: 0, threads: 1 };
const meta = {
  command: `node --import tsx scripts/covariates-planted.ts --seeds ${values.seeds} --epochs ${epochs} --adapt-epochs ${adaptEpochs} --adapt-lr ${adaptLr} --samples ${K}`,
  data,
  fit: fitOptions,
  machine: machineInfo(),
  loadAvgBefore: loadavg().map((x) => +x.toFixed(2)),
};

type Method = 'none' | 'average' | 'adapted' | 'adapted-pooled';
interface Scores {
  rmse: number; // view 2 imputed from view 1, standardised units
  coverage_90: number;
  coverage_50: number;
  crps: number;
  pit: number[];
}
interface Run {
  seed: number;
  method: Method;
  fresh: Scores; // batch D
  known: Scores; // held-out rows of A, B, C
}

/** View 2 of `rows` imputed from their view 1, and K draws' calibration; `batch` their covariate when the model has it. */
function score(model: JpvaeModel, rows: BatchRows, sd: Float64Array, covariates: boolean): Scores {
  const d2 = sd.length,
    cov = covariates ? { covariates: { batch: rows.batch }, unknownCategory: 'average' as const } : {};
  const y = model.impute({ data: rows.x[0], width: data.dims[0] }, { given: 1, ...cov });
  let s = 0;
  for (let e = 0; e < y.length; e++) s += ((y[e] - rows.truth2[e]) / sd[e % d2]) ** 2;
  const c = model.calibration(
    [
      { data: rows.x[0], width: data.dims[0] },
      { data: rows.truth2, width: d2 },
    ],
    {
      samples: K,
      ...cov,
    },
  ).impute.x2_given_x1 as GaussianCalibration;
  return {
    rmse: Math.sqrt(s / y.length),
    coverage_90: c.coverage_90,
    coverage_50: c.coverage_50,
    crps: c.crps,
    pit: c.pit,
  };
}

/** Each feature's sd of view 2 over the training rows that have it. */
function trainSd(rows: BatchRows): Float64Array {
  const d2 = data.dims[1],
    sum = new Float64Array(d2),
    sum2 = new Float64Array(d2);
  let n = 0;
  for (let r = 0; r < rows.n; r++) {
    if (Number.isNaN(rows.x[1][r * d2])) continue;
    n++;
    for (let j = 0; j < d2; j++) ((sum[j] += rows.x[1][r * d2 + j]), (sum2[j] += rows.x[1][r * d2 + j] ** 2));
  }
  return sum.map((s, j) => Math.sqrt(sum2[j] / n - (s / n) ** 2));
}

const runs: Run[] = [];
for (const seed of seeds) {
  const p = plantedBatches({ ...data, seed });
  const views = p.train.x.map((x, i) => ({ data: x, width: p.dims[i] }));
  const sd = trainSd(p.train);
  const t0 = performance.now();
  const plain = await fit(views, { ...fitOptions, seed });
  const withBatch = await fit(views, { ...fitOptions, seed, covariates: { batch: p.train.batch } });
  const adapt = (latentFit: 'keep' | 'pool') =>
    adaptCovariates(withBatch, [{ data: p.fresh.x[0], width: p.dims[0] }, null], {
      covariates: { batch: p.fresh.batch },
      epochs: adaptEpochs,
      lr: adaptLr,
      seed,
      latentFit,
    });
  const models: [Method, JpvaeModel, boolean][] = [
    ['none', plain, false],
    ['average', withBatch, true],
    ['adapted', adapt('keep'), true],
    ['adapted-pooled', adapt('pool'), true],
  ];
  for (const [method, model, covariates] of models) {
    const run = {
      seed,
      method,
      fresh: score(model, p.fresh, sd, covariates),
      known: score(model, p.trainHeldOut, sd, covariates),
    };
    runs.push(run);
    process.stderr.write(
      `seed ${seed} ${method}: new batch RMSE ${run.fresh.rmse.toFixed(3)}, 90% covers ${(100 * run.fresh.coverage_90).toFixed(1)}%; known batches RMSE ${run.known.rmse.toFixed(3)} (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`,
    );
  }
}
writeFileSync(
  `${values.out}.json`,
  jsonText({ ...meta, loadAvgAfter: loadavg().map((x) => +x.toFixed(2)), runs }, { indent: 2 }),
);

const NAMES: Record<Method, string> = {
  none: 'no covariates',
  average: `batch covariate, ${NEW_BATCH.name} at the average of the known batches`,
  adapted: `batch covariate, adapted to ${NEW_BATCH.name}`,
  'adapted-pooled': `the same, latent fit pooled with ${NEW_BATCH.name} (--latent-fit pool)`,
};
const of = (m: Method) => runs.filter((r) => r.method === m);
const base = mean(of('none').map((r) => r.fresh.rmse));
const lines = [
  `| model | new batch ${NEW_BATCH.name}: RMSE | vs no covariates | 90% draws cover | 50% draws cover | CRPS | known batches: RMSE | 90% draws cover |`,
  '|---|---|---|---|---|---|---|---|',
  ...(['none', 'average', 'adapted', 'adapted-pooled'] as Method[]).map((m) => {
    const rs = of(m),
      pct = (xs: number[]) =>
        cell(
          xs.map((x) => 100 * x),
          1,
        ) + '%';
    const change = (100 * (mean(rs.map((r) => r.fresh.rmse)) - base)) / base;
    return `| ${NAMES[m]} | ${cell(
      rs.map((r) => r.fresh.rmse),
      3,
    )} | ${m === 'none' ? '' : `${change > 0 ? '+' : ''}${change.toFixed(0)}%`} | ${pct(rs.map((r) => r.fresh.coverage_90))} | ${pct(rs.map((r) => r.fresh.coverage_50))} | ${cell(
      rs.map((r) => r.fresh.crps),
      3,
    )} | ${cell(
      rs.map((r) => r.known.rmse),
      3,
    )} | ${pct(rs.map((r) => r.known.coverage_90))} |`;
  }),
  '',
  `Mean ± sd over seeds ${values.seeds}. View 2 imputed from view 1 (the conditional mean of Eq. 12, decoded) for the ${data.newRows} rows of the new batch ${NEW_BATCH.name} ` +
    `(shift ${NEW_BATCH.shift}, scale ${NEW_BATCH.scale} in view 1; the training batches' shifts are 0, 2.5, −2.5 and scales 1, 1.4, 0.7) and ${data.heldOut} held-out rows of the known batches; ` +
    `RMSE in view 2's standardised units; coverage of the central intervals of ${K} predictive draws per row, CRPS per value in standardised units. ` +
    `Trained on ${3 * data.perBatch} rows of batches A, B, C (${100 * data.missing}% missing view 1, as many missing view 2). ` +
    `\`${meta.command}\`; ${meta.machine.cpu}, Node ${process.versions.node}, load ${meta.loadAvgBefore[0]}.`,
];
writeFileSync(`${values.out}.md`, lines.join('\n') + '\n');
process.stdout.write(lines.join('\n') + '\n');
