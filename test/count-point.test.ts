// The point a count view's imputation gives (impute/point.ts): the median of
// Poisson and NB pmfs and of their mixtures (data/count-cdf.ts) against known
// values and brute-force CDFs, the Gaussian-on-log1p model's median and mean;
// impute({ point }) and eval's MAE at the median, RMSE at the mean on a
// planted count model with rows missing a view, and the CLI's --point.

import test from 'ava';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { fit } from '../src/index.ts';
import { plantedCounts } from './planted-counts.ts';
import { countMedian, countMedians, mixtureCountMedian, mixtureCountMedians } from '../src/data/count-cdf.ts';
import { countNllAt } from '../src/eval/count-metrics.ts';
import {
  log1pGaussianMean,
  log1pGaussianMedian,
  log1pGaussianMixtureMedian,
  log1pGaussianNllAt,
} from '../scripts/log1p-gaussian.ts';
import { jpvae, tempDir } from './util.ts';
import { writePlantedCountCsv } from './planted-files.ts';
import { fitPlantedCounts, SMALL_FIT } from './planted-count-model.ts';

/** The least y whose summed pmf (over the mixture's components, equal weights) reaches ½: the median by brute force. */
function bruteMedian(pmf: (k: number) => number): number {
  let F = 0;
  for (let k = 0; ; k++) if ((F += pmf(k)) >= 0.5) return k;
}
const pmfOf = (means: number[], theta: number | null) => (k: number) =>
  means.reduce((s, m) => s + Math.exp(-countNllAt(k, m, theta)), 0) / means.length;

test('countMedian: known Poisson medians, and NB medians against the brute-force CDF from small to large means and θ', (t) => {
  // Poisson(3.2): F(2) = 0.380, F(3) = 0.603; Poisson(0.5): F(0) = e^-0.5 = 0.607; Poisson(0.7): F(0) = 0.497, F(1) = 0.844.
  t.is(countMedian(3.2, null), 3);
  t.is(countMedian(0.5, null), 0);
  t.is(countMedian(0.7, null), 1);
  // Poisson(n) for an integer n: the median is n (Choi 1994).
  for (const n of [1, 7, 40, 1000]) t.is(countMedian(n, null), n, `Poisson(${n})`);
  t.is(countMedian(0, null), 0);
  t.is(countMedian(0, 2), 0);
  for (const theta of [null, 0.05, 0.5, 2, 30, 1e6])
    for (const mean of [0.01, 0.3, 1, 3.2, 9.99, 57, 480, 5000]) {
      const want = bruteMedian(pmfOf([mean], theta));
      t.is(countMedian(mean, theta), want, `μ ${mean}, θ ${theta}`);
    }
  // A skewed NB's median is below its mean: NB(μ = 10, θ = 0.5) has median 3 by the CDF.
  t.true(countMedian(10, 0.5) < 10);
  // In place, θ per feature.
  const y = Float32Array.from([3.2, 10, 3.2, 10]);
  countMedians(y, 2, [1e9, 0.5]);
  t.deepEqual(Array.from(y), [3, countMedian(10, 0.5), 3, countMedian(10, 0.5)]);
});

test('mixtureCountMedian: the median of K pmfs at K means against the brute-force mixture CDF', (t) => {
  const cases: [number[], number | null][] = [
    [[3.2], null],
    [[0.1, 50], null],
    [[1, 2, 40, 41], 2],
    [[0.2, 0.3, 0.4], 0.5],
    [[100, 200, 300, 400, 500], 10],
    [[5, 5, 5, 900], 1],
  ];
  for (const [means, theta] of cases)
    t.is(mixtureCountMedian(means, theta), bruteMedian(pmfOf(means, theta)), `${means} θ ${theta}`);
  // Rows × K draws × dim, θ per feature.
  const draws = Float32Array.from([1, 40, 2, 41, /* row 2 */ 7, 0.1, 7, 0.2]);
  t.deepEqual(Array.from(mixtureCountMedians(draws, 2, 2, 2, [2, 5])), [
    mixtureCountMedian([1, 2], 2),
    mixtureCountMedian([40, 41], 5),
    mixtureCountMedian([7, 7], 2),
    mixtureCountMedian([0.1, 0.2], 5),
  ]);
});

test('Gaussian on log1p: the median is the count whose cell holds m, the mean e^{m+sd²/2} − 1, the mixture median by its CDF', (t) => {
  t.is(log1pGaussianMedian(Math.log1p(4.6)), 5);
  t.is(log1pGaussianMedian(Math.log1p(4.4)), 4);
  t.is(log1pGaussianMedian(-3), 0);
  t.true(Math.abs(log1pGaussianMean(1, 0.5) - (Math.exp(1.125) - 1)) < 1e-12);
  for (const [ms, sd] of [
    [[0.2, 3], 0.5],
    [[1, 1.1, 1.2], 1],
    [[4, 6, 6.5], 0.3],
  ] as [number[], number][]) {
    const pmf = (k: number) => ms.reduce((s, m) => s + Math.exp(-log1pGaussianNllAt(k, m, sd)), 0) / ms.length;
    t.is(log1pGaussianMixtureMedian(ms, sd), bruteMedian(pmf), `${ms} sd ${sd}`);
  }
});

/** A planted count model (NB view 1, Poisson view 2, rows missing a view), far from 0/1 (baseline e^2.5), and 150 complete rows. */
const plantedModel = () => fitPlantedCounts({ n: 500, seed: 12, baseline: 2.5, epochs: 3, keep: 150 });

test('impute({ point: "median" }): the median counts of the view’s NB or Poisson at the expected counts; eval scores MAE at them, RMSE at the mean', async (t) => {
  const { model, v1, v2, rows } = await plantedModel();
  const theta = model.net.dispersion(0)!;
  for (const [given, truth, th, key] of [
    [2, v1, theta, 'x1_given_x2'],
    [1, v2, null, 'x2_given_x1'],
  ] as const) {
    const input = given === 2 ? v2 : v1;
    const mean = model.impute(input, { given }),
      median = model.impute(input, { given, point: 'median' });
    t.deepEqual(Array.from(model.impute(input, { given, point: 'mean' })), Array.from(mean));
    const dim = truth.width;
    t.true(
      median.every((y, i) => y === countMedian(mean[i], th ? th[i % dim] : null)),
      key,
    );
    t.true(median.every(Number.isInteger));
    t.true(
      median.some((y, i) => y !== Math.round(mean[i])),
      'the medians are not the rounded means',
    );
    const mae = (y: Float32Array) => y.reduce((s, v, i) => s + Math.abs(v - truth.data[i]), 0) / y.length;
    const rmse = (y: Float32Array) => Math.sqrt(y.reduce((s, v, i) => s + (v - truth.data[i]) ** 2, 0) / y.length);
    const bayes = model.evaluate({ view1: v1, view2: v2 }).counts!,
      atMean = model.evaluate({ view1: v1, view2: v2 }, { point: 'mean' }).counts!,
      atMedian = model.evaluate({ view1: v1, view2: v2 }, { point: 'median' }).counts!;
    t.deepEqual([bayes.maeAt, bayes.rmseAt, atMean.maeAt, atMedian.rmseAt], ['median', 'mean', 'mean', 'median']);
    const s = bayes.impute[key]!;
    t.is(s.rows, rows);
    t.true(Math.abs(s.mae - mae(median)) < 1e-9 * s.mae, `${key} MAE ${s.mae} vs ${mae(median)}`);
    t.true(Math.abs(s.rmse - rmse(mean)) < 1e-9 * s.rmse);
    t.true(Math.abs(atMean.impute[key]!.mae - mae(mean)) < 1e-9 * s.mae);
    t.true(Math.abs(atMedian.impute[key]!.rmse - rmse(median)) < 1e-9 * s.rmse);
    t.is(atMean.impute[key]!.nll, s.nll, 'the NLL is at the mean whatever the point');
  }
  t.throws(() => model.impute(v1, { given: 1, point: 'median', samples: 3 }), { message: /point median: .*samples/ });
  t.throws(() => model.impute(v1, { given: 1, point: 'mode' as 'mean' }), {
    message: "point: expected mean or median, got 'mode'",
  });
});

test('impute point: a Gaussian view’s median is its mean; a Bernoulli view has none, one line', async (t) => {
  const n = 200,
    x = Float32Array.from({ length: n * 3 }, (_, i) => Math.sin(i) * 5 + 10),
    b = Float32Array.from({ length: n * 2 }, (_, i) => (Math.sin(i * 1.7) > 0 ? 1 : 0));
  const model = await fit(
    { view1: { data: x, width: 3 }, view2: { data: b, width: 2 } },
    { ...SMALL_FIT, likelihood: ['gaussian', 'bernoulli'], epochs: 1, holdout: 0 },
  );
  const given = { data: b.subarray(0, 20), width: 2 };
  t.deepEqual(
    Array.from(model.impute(given, { given: 2, point: 'median' })),
    Array.from(model.impute(given, { given: 2 })),
  );
  t.throws(() => model.impute({ data: x.subarray(0, 30), width: 3 }, { given: 1, point: 'median' }), {
    message: /^point median: view 2 is Bernoulli, whose imputation is a probability/,
  });
});

test('jpvae impute --point median writes the medians; eval --json says where MAE and RMSE are scored; bad --point is one line, exit 2', (t) => {
  const dir = tempDir(t),
    d = plantedCounts({ n: 300, seed: 13, baseline: 1.5 });
  const [a, b] = writePlantedCountCsv(dir, d),
    model = join(dir, 'm');
  const tr = jpvae(
    'train',
    ...['--view1', a, '--view2', b, '--likelihood1', 'nb', '--likelihood2', 'poisson'],
    ...['--hidden', '16', '--latent', '2', '--epochs', '2', '--holdout', '0.2', '--out', model],
  );
  t.is(tr.code, 0, tr.err);
  // Complete rows of view 2 as input.
  const complete = [...Array(d.n).keys()].filter((r) => d.present![r] === 3).slice(0, 40);
  const input = join(dir, 'in.csv');
  const rowsText = complete.map((r) => Array.from(d.xs[1].subarray(r * d.dims[1], (r + 1) * d.dims[1])).join(','));
  writeFileSync(input, rowsText.join('\n') + '\n');
  const out = (name: string) => join(dir, name);
  const mean = jpvae('impute', '--model', model, '--given', '2', '--input', input, '--out', out('mean.csv'));
  t.is(mean.code, 0, mean.err);
  const med = jpvae(
    'impute',
    '--model',
    model,
    '--given',
    '2',
    '--input',
    input,
    '--out',
    out('med.csv'),
    '--point',
    'median',
  );
  t.is(med.code, 0, med.err);
  t.regex(med.err, /\(medians\)/);
  const read = (f: string) =>
    readFileSync(f, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(',').map(Number));
  const m = read(out('mean.csv')),
    md = read(out('med.csv'));
  t.is(md.length, complete.length);
  t.true(md.flat().every(Number.isInteger));
  t.true(md.flat().some((v, i) => v !== m.flat()[i]));
  const ev = jpvae('eval', '--model', model, '--json');
  t.is(ev.code, 0, ev.err);
  const counts = JSON.parse(ev.out).counts;
  t.is(counts.mae_at, 'median');
  t.is(counts.rmse_at, 'mean');
  const evMean = JSON.parse(jpvae('eval', '--model', model, '--json', '--point', 'mean').out).counts;
  t.is(evMean.mae_at, 'mean');
  t.is(evMean.impute.x1_given_x2.rmse, counts.impute.x1_given_x2.rmse);
  t.true(counts.impute.x1_given_x2.rmse > 0);
  const text = jpvae('eval', '--model', model);
  t.regex(
    text.out,
    /x1\|x2: MAE [\d.]+ \(median\), RMSE [\d.]+ \(mean\) counts, NLL [\d.]+ nats per row \(at the mean\)/,
  );
  for (const [args, line] of [
    [['--point', 'mode'], "--point: expected one of mean, median, got 'mode'"],
    [['--point', 'median', '--samples', '3'], '--point: a point imputation; it does not apply to --samples draws'],
  ] as const) {
    const r = jpvae('impute', '--model', model, '--given', '2', '--input', input, '--out', out('x.csv'), ...args);
    t.is(r.code, 2, r.err);
    t.is(r.err.trim(), `jpvae impute: ${line}`);
  }
  const bad = jpvae('eval', '--model', model, '--point', 'mode');
  t.is(bad.code, 2);
});
