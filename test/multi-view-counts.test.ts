// Count views of an M-view model: eval scores each count view's imputation
// from every subset of the others in counts (MAE at the median, RMSE at the
// mean, NLL at the mean: the two-view scores, from one function), on planted
// counts far from 0 and 1 with rows missing a view; impute({ point }) and
// eval's point; the CLI's --point for three views; the calibration of each
// view's draws given the others (--samples), its count views' predictive NLL.

import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fit } from '../src/index.ts';
import { countMedian } from '../src/data/count-cdf.ts';
import { negativeBinomialDraw, poissonDraw } from '../src/data/count-draws.ts';
import { Rng } from '../src/data/rng.ts';
import { countNllAt } from '../src/eval/count-metrics.ts';
import { jpvae, tempDir, THREE_VIEW_IMPUTATIONS } from './util.ts';

/** The imputations scored in counts: views 1 and 2 are count views, view 3 is Gaussian. */
const COUNT_TARGETS = THREE_VIEW_IMPUTATIONS.filter((k) => !k.startsWith('x3'));

const DIMS = [12, 8, 5];

/**
 * Three views of one latent z ~ N(0, I_2): view 1 NB(s·e^η, θ = 10) counts,
 * view 2 Poisson(s·e^η) counts, both with baseline log-rates near 3 (about
 * 20 counts; s log-normal, sd 0.1), view 3 Gaussian near 500 (sd 40); a row
 * misses one view in 30% of rows (a tenth each). Rows of NaN where a view
 * is missing.
 */
function plantedThreeCounts(n: number, seed: number): { views: Float32Array[]; present: Uint8Array } {
  const rng = new Rng(seed),
    L = 2;
  const A = DIMS.map((d) => Float64Array.from({ length: d * L }, () => 0.5 * rng.normal()));
  const b = DIMS.map((d) => Float64Array.from({ length: d }, () => 3 + 0.3 * rng.normal()));
  const views = DIMS.map((d) => new Float32Array(n * d));
  const present = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    const z = [rng.normal(), rng.normal()],
      u = rng.uniform();
    present[r] = u < 0.3 ? 7 & ~(1 << Math.floor(u / 0.1)) : 7;
    DIMS.forEach((d, v) => {
      const depth = Math.exp(0.1 * rng.normal());
      for (let j = 0; j < d; j++) {
        const eta = b[v][j] + A[v][j * L] * z[0] + A[v][j * L + 1] * z[1];
        const x =
          v === 0
            ? negativeBinomialDraw(rng, depth * Math.exp(eta), 10)
            : v === 1
              ? poissonDraw(rng, depth * Math.exp(eta))
              : 500 + 80 * (eta - b[v][j]) + 5 * rng.normal();
        views[v][r * d + j] = present[r] & (1 << v) ? x : NaN;
      }
    });
  }
  return { views, present };
}

const rowsOf = (x: Float32Array, dim: number, rows: readonly number[]): Float32Array => {
  const out = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => out.set(x.subarray(r * dim, (r + 1) * dim), i * dim));
  return out;
};

/** NB, Poisson and Gaussian views fitted (3 epochs, seed fitSeed) on the first `trained` of n planted rows; the rest held out. */
async function fitPlanted(n: number, trained: number, seed: number, fitSeed: number) {
  const { views, present } = plantedThreeCounts(n, seed);
  const part = (rows: number[]) => views.map((x, v) => ({ data: rowsOf(x, DIMS[v], rows), width: DIMS[v] }));
  const model = await fit(part([...Array(trained).keys()]), {
    likelihood: ['nb', 'poisson', 'gaussian'],
    latent: 2,
    hidden: [32],
    batch: 32,
    epochs: 3,
    holdout: 0,
    seed: fitSeed,
    backend: 'wasm',
  });
  const held = [...Array(n - trained).keys()].map((i) => trained + i);
  return { model, present, held, test: part(held) };
}

test('M-view evaluate: each count view imputed from every subset of the others, scored in counts as impute gives them', async (t) => {
  const { model, present, held, test } = await fitPlanted(900, 600, 31, 3);
  const m = model.evaluate(test);
  const counts = m.counts!;
  t.is(counts.maeAt, 'median');
  t.is(counts.rmseAt, 'mean');
  t.deepEqual(Object.keys(counts.impute).sort(), COUNT_TARGETS);
  const atMean = model.evaluate(test, { point: 'mean' }).counts!,
    atMedian = model.evaluate(test, { point: 'median' }).counts!;
  t.deepEqual([atMean.maeAt, atMean.rmseAt, atMedian.maeAt, atMedian.rmseAt], ['mean', 'mean', 'median', 'median']);
  for (const [key, target, given] of [
    ['x1_given_x2_x3', 1, [2, 3]],
    ['x1_given_x3', 1, [3]],
    ['x2_given_x1_x3', 2, [1, 3]],
    ['x2_given_x1', 2, [1]],
  ] as const) {
    // The held-out rows with the target and every given view: what impute writes, scored by hand.
    const need = [target, ...given].reduce((s, v) => s | (1 << (v - 1)), 0);
    const rows = held.filter((r) => (present[r] & need) === need),
      local = rows.map((r) => r - held[0]);
    const dim = DIMS[target - 1],
      truth = rowsOf(test[target - 1].data, dim, local);
    const inputs = given.map((g) => ({
      data: rowsOf(test[g - 1].data, DIMS[g - 1], local),
      width: DIMS[g - 1],
    }));
    const mean = model.impute(inputs, { given, target }),
      median = model.impute(inputs, { given, target, point: 'median' });
    const theta = model.net.dispersion(target - 1);
    t.true(
      median.every((y, i) => y === countMedian(mean[i], theta ? theta[i % dim] : null)),
      `${key}: the medians of the view's NB or Poisson at the expected counts`,
    );
    t.true(
      median.some((y, i) => y !== Math.round(mean[i])),
      `${key}: the medians are not the rounded means`,
    );
    const mae = (y: Float32Array) => y.reduce((s, v, i) => s + Math.abs(v - truth[i]), 0) / y.length;
    const rmse = (y: Float32Array) => Math.sqrt(y.reduce((s, v, i) => s + (v - truth[i]) ** 2, 0) / y.length);
    let nll = 0;
    for (let i = 0; i < truth.length; i++) nll += countNllAt(truth[i], mean[i], theta ? theta[i % dim] : null);
    const s = counts.impute[key];
    t.is(s.rows, rows.length);
    t.is(s.rows, m.impute_rows[key]);
    t.true(s.rows > 150, `${key}: ${s.rows} rows`);
    const close = (a: number, b: number, what: string) =>
      t.true(Math.abs(a - b) <= 1e-9 * Math.abs(b), `${key} ${what}: ${a} vs ${b}`);
    close(s.mae, mae(median), 'MAE at the median');
    close(s.rmse, rmse(mean), 'RMSE at the mean');
    close(s.nll, nll / rows.length, 'NLL at the mean');
    close(atMean.impute[key].mae, mae(mean), 'MAE at the mean');
    close(atMedian.impute[key].rmse, rmse(median), 'RMSE at the median');
    t.is(atMean.impute[key].nll, s.nll, `${key}: the NLL is at the mean whatever the point`);
  }
  t.throws(() => model.impute([test[1]], { given: 2, target: 1, point: 'median', samples: 3 }), {
    message: /^point median: a point imputation/,
  });
  t.throws(() => model.evaluate(test, { point: 'mode' as 'mean' }), {
    message: "point: expected mean or median, got 'mode'",
  });
});

test('jpvae eval of a three-view count model: count scores per subset, --point; impute --point median writes the medians', (t) => {
  const dir = tempDir(t),
    { views } = plantedThreeCounts(400, 32);
  const files = views.map((x, v) => {
    const dim = DIMS[v],
      path = join(dir, `v${v + 1}.csv`);
    const rows = Array.from({ length: 400 }, (_, r) =>
      Number.isNaN(x[r * dim]) ? ','.repeat(dim - 1) : Array.from(x.subarray(r * dim, (r + 1) * dim)).join(','),
    );
    writeFileSync(path, rows.join('\n') + '\n');
    return path;
  });
  const model = join(dir, 'm');
  const tr = jpvae(
    'train',
    ...files.flatMap((f) => ['--view', f]),
    ...['--likelihood', 'nb', '--likelihood', 'poisson', '--likelihood', 'gaussian'],
    ...['--hidden', '16', '--latent', '2', '--epochs', '2', '--holdout', '0.25', '--out', model],
  );
  t.is(tr.code, 0, tr.err);
  const ev = jpvae('eval', '--model', model, '--json');
  t.is(ev.code, 0, ev.err);
  const m = JSON.parse(ev.out);
  t.is(m.counts.mae_at, 'median');
  t.is(m.counts.rmse_at, 'mean');
  t.deepEqual(Object.keys(m.counts.impute).sort(), COUNT_TARGETS);
  for (const [k, s] of Object.entries(m.counts.impute) as [string, { rows: number; mae: number }][]) {
    t.is(s.rows, m.impute_rows[k]);
    t.true(s.mae > 0);
  }
  const atMean = JSON.parse(jpvae('eval', '--model', model, '--json', '--point', 'mean').out).counts;
  t.is(atMean.mae_at, 'mean');
  t.is(atMean.impute.x1_given_x3.rmse, m.counts.impute.x1_given_x3.rmse);
  t.not(atMean.impute.x1_given_x3.mae, m.counts.impute.x1_given_x3.mae);
  const text = jpvae('eval', '--model', model);
  t.regex(
    text.out,
    /\n  x2\|x1,x3: MAE [\d.]+ \(median\), RMSE [\d.]+ \(mean\) counts, NLL [\d.]+ nats per row \(at the mean\)/,
  );
  // View 3's complete rows impute views 1 and 2: the medians are integers, the means are not.
  const input = join(dir, 'in.csv'),
    complete = readFileSync(files[2], 'utf8')
      .split('\n')
      .filter((l) => /\d/.test(l))
      .slice(0, 30);
  writeFileSync(input, complete.join('\n') + '\n');
  const out = (name: string) => join(dir, name);
  const impute = (...args: string[]) =>
    jpvae('impute', '--model', model, '--given', '3', '--target', '1,2', '--input', input, ...args);
  const mean = impute('--out', out('m1.csv'), '--out', out('m2.csv'));
  t.is(mean.code, 0, mean.err);
  const med = impute('--out', out('d1.csv'), '--out', out('d2.csv'), '--point', 'median');
  t.is(med.code, 0, med.err);
  t.regex(med.err, /for 30 rows \(medians\)/);
  const read = (f: string) =>
    readFileSync(out(f), 'utf8')
      .trim()
      .split('\n')
      .flatMap((l) => l.split(',').map(Number));
  for (const [a, b] of [
    ['m1.csv', 'd1.csv'],
    ['m2.csv', 'd2.csv'],
  ]) {
    t.is(read(b).length, 30 * (a === 'm1.csv' ? DIMS[0] : DIMS[1]));
    t.true(read(b).every(Number.isInteger), b);
    t.false(read(a).every(Number.isInteger), a);
  }
  for (const [args, line] of [
    [['--point', 'mode'], "--point: expected one of mean, median, got 'mode'"],
    [['--point', 'median', '--samples', '3'], '--point: a point imputation; it does not apply to --samples draws'],
  ] as const) {
    const r = impute('--out', out('x1.csv'), '--out', out('x2.csv'), ...args);
    t.is(r.code, 2, r.err);
    t.is(r.err.trim(), `jpvae impute: ${line}`);
  }
  const bad = jpvae('eval', '--model', model, '--point', 'mode');
  t.is(bad.code, 2);
  t.is(bad.err.trim(), "jpvae eval: --point: expected one of mean, median, got 'mode'");
  // --samples: each view's draws given the other two, on the held-out rows with all three.
  const cal = jpvae('eval', '--model', model, '--samples', '8', '--json');
  t.is(cal.code, 0, cal.err);
  const c = JSON.parse(cal.out).calibration;
  t.deepEqual([c.samples, c.draws, c.seed], [8, 'predictive', 1]);
  t.deepEqual(Object.keys(c.impute), ['x1_given_x2_x3', 'x2_given_x1_x3', 'x3_given_x1_x2']);
  t.true(c.rows > 50 && c.impute.x2_given_x1_x3.predictive_nll > 0 && c.impute.x3_given_x1_x2.crps > 0);
  t.regex(
    jpvae('eval', '--model', model, '--samples', '8').out,
    /\ncalibration of 8 predictive draws per row on \d+ rows .*\n  x1\|x2,x3: central 50% interval covers [\d.]+%, 90% covers [\d.]+%, predictive NLL [\d.]+ nats per row/,
  );
  // New rows that each miss one view: nothing to calibrate, one line.
  const gappy = files.map((f, v) => {
    const lines = readFileSync(f, 'utf8').trim().split('\n').slice(0, 30);
    const path = join(dir, `g${v + 1}.csv`);
    writeFileSync(path, lines.map((l, r) => (r % 3 === v ? ','.repeat(DIMS[v] - 1) : l)).join('\n') + '\n');
    return ['--view', path];
  });
  for (const [args, line] of [
    [[...gappy.flat(), '--samples', '4'], '--samples: no row has all 3 views; calibration scores rows with every view'],
    [['--draws', 'latent'], '--draws: needs --samples K'],
    [['--samples', '1'], "--samples: expected an integer ≥ 2, got '1'"],
  ] as const) {
    const r = jpvae('eval', '--model', model, ...args);
    t.is(r.code, 2, r.err);
    t.is(r.err.trim(), `jpvae eval: ${line}`);
  }
});

test('M-view calibration: each view given all the others; a count view scores the mixture of its K latent draws (predictive NLL by hand)', async (t) => {
  const { model, present, held, test } = await fitPlanted(700, 500, 33, 4);
  const K = 20;
  const c = model.calibration(test, { samples: K, seed: 5 });
  const complete = held.filter((r) => present[r] === 7).map((r) => r - held[0]);
  t.is(c.rows, complete.length);
  t.true(c.rows > 100, `${c.rows} complete rows`);
  t.deepEqual([c.samples, c.draws, c.seed], [K, 'predictive', 5]);
  t.deepEqual(Object.keys(c.impute), ['x1_given_x2_x3', 'x2_given_x1_x3', 'x3_given_x1_x2']);
  t.deepEqual(
    Object.values(c.impute).map((v) => v.likelihood),
    ['nb', 'poisson', 'gaussian'],
  );
  Object.values(c.impute).forEach((v, i) => t.is(v.values, c.rows * DIMS[i]));
  // View 1's draws come first from Rng(seed): impute's K latent draws from the same seed are the mixture's components.
  const inputs = [2, 3].map((g) => ({ data: rowsOf(test[g - 1].data, DIMS[g - 1], complete), width: DIMS[g - 1] }));
  const means = model.impute(inputs, { given: [2, 3], target: 1, samples: K, draws: 'latent', seed: 5 });
  const truth = rowsOf(test[0].data, DIMS[0], complete),
    theta = model.net.dispersion(0)!,
    dim = DIMS[0];
  let nll = 0;
  for (let r = 0; r < complete.length; r++) {
    const logs = Array.from({ length: K }, (_, k) => {
      let s = 0;
      for (let j = 0; j < dim; j++) s -= countNllAt(truth[r * dim + j], means[(r * K + k) * dim + j], theta[j]);
      return s;
    });
    const top = Math.max(...logs);
    nll -= top + Math.log(logs.reduce((s, l) => s + Math.exp(l - top), 0) / K);
  }
  const x1 = c.impute.x1_given_x2_x3;
  if (x1.likelihood !== 'nb') return t.fail();
  t.true(Math.abs(x1.predictive_nll - nll / complete.length) <= 1e-9 * Math.abs(nll), `${x1.predictive_nll} vs ${nll}`);
  t.deepEqual(model.calibration(test, { samples: K, seed: 5 }), c, 'the same seed, the same scores');
  t.throws(() => model.calibration(test, { samples: 1 }), { message: 'samples: expected an integer ≥ 2, got 1' });
  const onePerRow = test.map((v, i) => ({
    data: v.data.map((x, e) => (Math.floor(e / DIMS[i]) % 3 === i ? NaN : x)),
    width: DIMS[i],
  }));
  t.throws(() => model.calibration(onePerRow, { samples: 2 }), { message: /^samples: no row has all 3 views/ });
});
