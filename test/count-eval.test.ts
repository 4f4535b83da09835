// jpvae eval on count views: the count CDF the calibration uses against
// the sum of the model's pmf; the calibration of counts on draws from a
// known NB (coverage near nominal at the true means, not at twice them);
// the imputation's MAE (at the median), RMSE and NLL (at the mean) in
// counts as jpvae impute writes them; and `jpvae eval --json --samples K` on a planted count model.

import test from 'ava';
import { join } from 'node:path';
import { plantedCounts } from './planted-counts.ts';
import { negativeBinomialDraw } from '../src/data/count-draws.ts';
import { countCdf, countNllAt } from '../src/eval/count-metrics.ts';
import { CountScores } from '../src/eval/calibration.ts';
import { jpvae, Rng, tempDir } from './util.ts';
import { writePlantedCountCsv } from './planted-files.ts';
import { fitPlantedCounts } from './planted-count-model.ts';

test('countCdf: the sum of the pmf from 0 to y, for Poisson and NB, small and large counts and far tails', (t) => {
  const pmfSum = (y: number, mean: number, theta: number | null) => {
    let s = 0;
    for (let k = 0; k <= y; k++) s += Math.exp(-countNllAt(k, mean, theta));
    return s;
  };
  for (const theta of [null, 0.3, 2, 50])
    for (const [y, mean] of [
      [0, 0.01],
      [0, 3],
      [4, 3],
      [30, 3],
      [450, 500],
      [560, 500],
      [2, 800],
      [3000, 40],
    ]) {
      const want = pmfSum(y, mean, theta),
        got = countCdf(y, mean, theta);
      t.true(Math.abs(got - want) <= 1e-12 + 1e-9 * want, `y ${y}, μ ${mean}, θ ${theta}: ${got} vs ${want}`);
    }
});

test('count calibration: counts drawn from NB at the true means are covered as nominal; at twice the means they are not', (t) => {
  const rng = new Rng(4),
    rows = 2000,
    dim = 5,
    K = 3,
    theta = Float64Array.from([0.5, 1, 2, 5, 20]);
  const mean = Float64Array.from({ length: rows * dim }, () => Math.exp(1 + 2 * rng.normal()));
  const truth = Float64Array.from(mean, (m, i) => negativeBinomialDraw(rng, m, theta[i % dim]));
  const draws = (scale: number) =>
    Float64Array.from({ length: rows * K * dim }, (_, e) => {
      const r = Math.floor(e / (K * dim));
      return scale * mean[r * dim + (e % dim)];
    });
  const exact = new CountScores(dim, K, 'nb', theta),
    wrong = new CountScores(dim, K, 'nb', theta);
  exact.add(truth, draws(1), rows);
  wrong.add(truth, draws(2), rows);
  const e = exact.result(),
    w = wrong.result();
  t.log(
    `coverage 50/90: exact ${e.coverage_50.toFixed(3)}/${e.coverage_90.toFixed(3)}, twice the means ${w.coverage_50.toFixed(3)}/${w.coverage_90.toFixed(3)}`,
  );
  t.true(Math.abs(e.coverage_50 - 0.5) < 0.03 && Math.abs(e.coverage_90 - 0.9) < 0.02);
  t.true(
    e.pit.every((p) => Math.abs(p - 0.1) < 0.02),
    e.pit.join(' '),
  );
  t.true(w.coverage_50 < 0.45 && w.pit[0] > 0.15, `${w.coverage_50} ${w.pit.join(' ')}`);
  // K equal draws: the mixture is the one NB, its NLL the sum of the pmf's.
  let nll = 0;
  for (let i = 0; i < rows * dim; i++) nll += countNllAt(truth[i], mean[i], theta[i % dim]);
  t.true(Math.abs(e.predictive_nll - nll / rows) < 1e-9 * (nll / rows));
  t.true(w.predictive_nll > e.predictive_nll);
  t.is(e.values, rows * dim);
});

test('evaluate: a count view gets MAE of its median imputation, RMSE and NLL of its mean one, in counts, as impute gives them', async (t) => {
  // New rows with both views: the planted data's complete rows.
  const { model, v1, v2, rows } = await fitPlantedCounts({ n: 600, seed: 8, baseline: 1.5, epochs: 4, keep: 200 });
  const m = model.evaluate({ view1: v1, view2: v2 });
  for (const [key, given, { data: truth, width: dim }, theta] of [
    ['x1_given_x2', 2, v1, model.net.dispersion(0)],
    ['x2_given_x1', 1, v2, null],
  ] as const) {
    const input = given === 2 ? v2 : v1;
    const imputed = model.impute(input, { given }),
      medians = model.impute(input, { given, point: 'median' });
    let abs = 0,
      sq = 0,
      nll = 0;
    imputed.forEach((y, i) => {
      abs += Math.abs(medians[i] - truth[i]);
      sq += (y - truth[i]) ** 2;
      nll += countNllAt(truth[i], y, theta ? theta[i % dim] : null);
    });
    const s = m.counts!.impute[key]!;
    t.is(s.rows, rows);
    t.true(Math.abs(s.mae - abs / truth.length) < 1e-9 * s.mae, `${key} MAE ${s.mae}`);
    t.true(Math.abs(s.rmse - Math.sqrt(sq / truth.length)) < 1e-9 * s.rmse);
    t.true(Math.abs(s.nll - nll / rows) < 1e-9 * s.nll);
  }
  const c = model.calibration({ view1: v1, view2: v2 }, { samples: 10 });
  t.is(c.impute.x1_given_x2.likelihood, 'nb');
  t.is(c.impute.x2_given_x1.likelihood, 'poisson');
  t.true(Number.isFinite((c.impute.x2_given_x1 as { predictive_nll: number }).predictive_nll));
});

test('jpvae eval --json --samples K on a count model: counts and calibration in snake_case, and the text says what is not scored', (t) => {
  const dir = tempDir(t),
    d = plantedCounts({ n: 400, seed: 9 });
  const [a, b] = writePlantedCountCsv(dir, d),
    model = join(dir, 'm'),
    likelihoods = ['--likelihood1', 'nb', '--likelihood2', 'poisson'];
  const sizes = ['--hidden', '16', '--latent', '2', '--epochs', '2', '--holdout', '0.2'];
  const tr = jpvae('train', '--view1', a, '--view2', b, ...likelihoods, ...sizes, '--out', model);
  t.is(tr.code, 0, tr.err);
  const r = jpvae('eval', '--model', model, '--json', '--samples', '5');
  t.is(r.code, 0, r.err);
  const m = JSON.parse(r.out);
  for (const key of ['x1_given_x2', 'x2_given_x1']) {
    const s = m.counts.impute[key];
    t.deepEqual(Object.keys(s).sort(), ['mae', 'nll', 'rmse', 'rows']);
    t.true(s.mae > 0 && s.rmse >= s.mae && s.nll > 0);
    const cal = m.calibration.impute[key];
    t.true(cal.predictive_nll > 0 && cal.coverage_50 > 0 && cal.coverage_90 >= cal.coverage_50, JSON.stringify(cal));
    t.is(cal.pit.length, 10);
  }
  t.is(m.calibration.impute.x1_given_x2.likelihood, 'nb');
  const text = jpvae('eval', '--model', model, '--samples', '5');
  t.is(text.code, 0, text.err);
  t.regex(
    text.out,
    /count imputation at size factor 1.*\n {2}x1\|x2: MAE [\d.]+ \(median\), RMSE [\d.]+ \(mean\) counts, NLL [\d.]+ nats per row/,
  );
  t.regex(
    text.out,
    /x2\|x1: central 50% interval covers [\d.]+%, .*predictive NLL [\d.]+ nats per row .*CRPS is not scored for count views/,
  );
});
