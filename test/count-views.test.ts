// Count views (Poisson and negative binomial likelihoods) end to end: on a
// planted over-dispersed problem the NB model learns the dispersion and
// beats Poisson on held-out likelihood; the model file keeps the
// likelihood, its median total and the dispersion; imputation writes
// expected counts; bad counts are one line; an M-view model trains on
// count views.

import test from 'ava';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fit, fromFiles, InputError } from '../src/index.ts';
import { compareOne } from '../scripts/count-likelihoods.ts';
import { plantedCounts } from './planted-counts.ts';
import { countNllAt } from '../src/eval/count-metrics.ts';
import { log1pGaussianNllAt } from '../scripts/log1p-gaussian.ts';
import { Rng } from '../src/data/rng.ts';
import { conditionalOf } from '../src/impute/block-conditional.ts';
import type { LatentFit } from '../src/impute/latent-fit.ts';
import { imputeInUnits } from '../src/impute/impute.ts';
import { jpvae, tempDir } from './util.ts';
import { writePlantedCountCsv } from './planted-files.ts';
import { nanViews } from './planted-count-model.ts';

const SMALL = { hidden: [32], latent: 2, batch: 32, threads: 1, backend: 'wasm' as const };

/** The planted counts as the API takes them: a missing view's row all NaN. */
function views(n: number, seed: number) {
  const d = plantedCounts({ n, seed });
  return { d, ...nanViews(d) };
}

test('NB on over-dispersed planted counts: its dispersion is trained, and it beats Poisson on held-out likelihood', async (t) => {
  const { view1, view2 } = views(800, 5);
  const model = await fit({ view1, view2 }, { ...SMALL, likelihood: ['nb', 'nb'], epochs: 5, holdout: 0.2 });
  for (const i of [0, 1] as const) {
    const theta = model.net.dispersion(i)!;
    t.is(theta.length, i === 0 ? 30 : 20);
    t.true(
      theta.every((x) => x > 0 && Number.isFinite(x) && x !== 1),
      `view ${i + 1}: θ moved from its start at 1: ${theta.slice(0, 4).join(' ')}`,
    );
  }
  const opts = { ...SMALL, epochs: 15, holdout: 0.2, seed: 2 };
  const [nb, poisson] = [
    await compareOne('nb', { n: 800, seed: 5 }, opts),
    await compareOne('poisson', { n: 800, seed: 5 }, opts),
  ];
  t.log({ nb: nb.x2_given_x1, poisson: poisson.x2_given_x1 });
  for (const key of ['x1_given_x2', 'x2_given_x1'] as const)
    t.true(nb[key].nll < 0.8 * poisson[key].nll, `${key}: NB ${nb[key].nll}, Poisson ${poisson[key].nll}`);
});

test('a count model keeps its likelihood, median total and dispersion through its files, and imputes counts', async (t) => {
  const { view1, view2 } = views(300, 6);
  const model = await fit({ view1, view2 }, { ...SMALL, likelihood: ['poisson', 'nb'], epochs: 2, holdout: 0.1 });
  const [l1, l2] = model.config.likelihood!;
  t.is(l1.kind, 'poisson');
  t.is(l2.kind, 'nb');
  t.true('medianTotal' in l2 && l2.medianTotal > 1, JSON.stringify(l2));
  const again = await fromFiles(model.toFiles());
  t.deepEqual(again.config.likelihood, model.config.likelihood);
  t.deepEqual(again.net.dispersion(1), model.net.dispersion(1));
  t.is(again.net.dispersion(0), null);
  const rows = { data: view1.data.slice(0, 5 * 30).map((x) => (Number.isNaN(x) ? 0 : x)), width: 30 };
  const imputed = again.impute(rows, { given: 1 });
  t.deepEqual(imputed, model.impute(rows, { given: 1 }));
  t.true(
    imputed.every((x) => x > 0 && Number.isFinite(x)),
    'expected counts: positive',
  );
  t.notThrows(() => again.impute(rows, { given: 1, samples: 3, draws: 'latent' }));
});

test('predictive draws of a count view are counts from its likelihood: seeded, integers ≥ 0, mean and variance of the NB at each draw', async (t) => {
  const { view1, view2 } = views(400, 9);
  const model = await fit({ view1, view2 }, { ...SMALL, likelihood: ['nb', 'gaussian'], epochs: 3, holdout: 0.1 });
  const row = { data: view2.data.subarray(0, 20).map((x) => (Number.isNaN(x) ? 1 : Math.log1p(x))), width: 20 };
  const K = 20_000,
    o = { given: 2 as const, samples: K, seed: 3 };
  const counts = model.impute(row, o),
    means = model.impute(row, { ...o, draws: 'latent' }); // the same latent draws: counts draw from a fork of the stream
  t.true(
    counts.every((x) => Number.isInteger(x) && x >= 0),
    'counts: non-negative integers',
  );
  t.deepEqual(model.impute(row, o), counts);
  t.notDeepEqual(model.impute(row, { ...o, seed: 4 }), counts);
  const theta = model.net.dispersion(0)!,
    dim = 30;
  // Per feature, over the K draws: Σ(x − μ) against its sd √Σvar, and Σ(x − μ)² against Σ(μ + μ²/θ).
  let worstZ = 0,
    worstRatio = 0;
  for (let j = 0; j < dim; j++) {
    let dev = 0,
      sq = 0,
      v = 0;
    for (let k = 0; k < K; k++) {
      const mu = means[k * dim + j],
        e = counts[k * dim + j] - mu;
      dev += e;
      sq += e * e;
      v += mu + (mu * mu) / theta[j];
    }
    worstZ = Math.max(worstZ, Math.abs(dev) / Math.sqrt(v));
    worstRatio = Math.max(worstRatio, Math.abs(sq / v - 1));
  }
  t.log({ worstZ, worstRatio });
  t.true(worstZ < 4.5, `mean: worst |z| over the features ${worstZ}`);
  t.true(worstRatio < 0.1, `variance: worst relative error ${worstRatio}`);
  // The Gaussian view's draws are what the normal stream alone gives, as before count draws existed.
  const given1 = { data: Float32Array.from(view1.data.subarray(0, 60), (x) => (Number.isNaN(x) ? 0 : x)), width: 30 };
  const g = model.impute(given1, { given: 1, samples: 5, seed: 8 });
  const rng = new Rng(8),
    [before] = imputeInUnits(
      model.net,
      conditionalOf(model.json.latentFit as LatentFit, [1], [2]),
      model.json.data.standardize,
      [given1.data.slice()],
      2,
      { noise: () => rng.normal(), observation: true },
      5,
    );
  t.deepEqual(g, before);
});

test('an M-view model draws counts for each count target, seeded, from one stream per target', async (t) => {
  const { d } = views(300, 10);
  const part = (x: Float32Array, dim: number, a: number, b: number) => ({
    data: Float32Array.from({ length: d.n * (b - a) }, (_, e) => x[Math.floor(e / (b - a)) * dim + a + (e % (b - a))]),
    width: b - a,
  });
  const model = await fit([part(d.xs[0], 30, 0, 15), part(d.xs[0], 30, 15, 30), part(d.xs[1], 20, 0, 20)], {
    ...SMALL,
    likelihood: ['nb', 'poisson', 'nb'],
    epochs: 2,
  });
  const given = part(d.xs[1], 20, 0, 20);
  given.data = given.data.subarray(0, 4 * 20);
  const o = { given: [3], samples: 5, seed: 2 };
  const imputeAll = (o2: typeof o & { draws?: 'latent' }) => model.impute([given], o2) as Float32Array[];
  const [a, b] = imputeAll(o);
  t.is(a.length, 4 * 5 * 15);
  t.true(
    [...a, ...b].every((x) => Number.isInteger(x) && x >= 0),
    'counts: non-negative integers',
  );
  t.deepEqual(imputeAll(o), [a, b]);
  t.notDeepEqual(a, b.subarray(0, a.length));
  // Latent draws of the same seed: the decoded means the counts were drawn at, positive reals.
  t.false(imputeAll({ ...o, draws: 'latent' })[0].every(Number.isInteger));
});

test('unscaled count views: no size factor in training (the decoder learns the mean count, totals and all); kept by the model file', async (t) => {
  const { view1, view2 } = views(300, 6);
  const opts = { ...SMALL, epochs: 2, holdout: 0.1, seed: 3 };
  const scaled = await fit({ view1, view2 }, { ...opts, likelihood: ['nb', 'poisson'] });
  const unscaled = await fit({ view1, view2 }, { ...opts, likelihood: ['nb:unscaled', 'poisson:unscaled'] });
  t.deepEqual(
    unscaled.config.likelihood!.map((l) => 'sizeFactor' in l && l.sizeFactor),
    ['none', 'none'],
  );
  t.deepEqual(
    scaled.config.likelihood!.map((l) => 'sizeFactor' in l && l.sizeFactor),
    ['total', 'total'],
  );
  const again = await fromFiles(unscaled.toFiles());
  t.deepEqual(again.config.likelihood, unscaled.config.likelihood);
  const text = unscaled.toFiles()['model.json'];
  t.regex(typeof text === 'string' ? text : new TextDecoder().decode(text), /"size_factor": ?"none"/);
  // The same seed and data: only the size factor differs, so the trained weights do.
  t.notDeepEqual(Array.from(unscaled.net.params()), Array.from(scaled.net.params()));
});

test('counts that are not non-negative integers are one line naming the row and column', async (t) => {
  const bad = (v: number) =>
    fit(
      {
        view1: [
          [1, 2],
          [3, v],
        ],
        view2: [
          [0, 1],
          [2, 2],
        ],
      },
      { ...SMALL, likelihood: ['nb', 'poisson'], epochs: 1, holdout: 0 },
    );
  for (const v of [1.5, -1]) {
    const e = await t.throwsAsync(bad(v), { instanceOf: InputError });
    t.regex(
      e!.message,
      /^view1: row 2, column 2 is -?1\.?5?, not a count \(a non-negative integer\) as a negative binomial view needs/,
    );
  }
  await t.throwsAsync(fit({ view1: [[1]], view2: [[1]] }, { likelihood: ['nb', 'negbin'] }), {
    message: /poisson, nb, poisson:unscaled or nb:unscaled/,
  });
});

test('the discretised Gaussian-on-log1p is a probability mass function; NB with a huge θ is Poisson', (t) => {
  for (const [m, sd] of [
    [0.2, 0.3],
    [3, 0.8],
    [6, 0.1],
  ]) {
    let total = 0;
    for (let k = 0; k < 50_000; k++) total += Math.exp(-log1pGaussianNllAt(k, m, sd));
    t.true(Math.abs(total - 1) < 1e-6, `m ${m}, sd ${sd}: total mass ${total}`);
  }
  // Far tails stay finite (log space), and NB with θ → ∞ is Poisson.
  t.true(Number.isFinite(log1pGaussianNllAt(1e5, 0, 0.1)));
  t.true(Math.abs(countNllAt(4, 3, 1e8) - countNllAt(4, 3, null)) < 1e-5);
});

test('jpvae train --likelihood1 nb: CSV counts train, impute writes counts, bad counts are one line (exit 2)', (t) => {
  const dir = tempDir(t),
    { d } = views(200, 7);
  writePlantedCountCsv(dir, d);
  const model = join(dir, 'm');
  const common = ['--hidden', '16', '--latent', '2', '--epochs', '2', '--holdout', '0.1'];
  const tr = jpvae(
    'train',
    '--view1',
    join(dir, 'a.csv'),
    '--view2',
    join(dir, 'b.csv'),
    '--likelihood1',
    'nb',
    '--likelihood2',
    'poisson',
    ...common,
    '--out',
    model,
  );
  t.is(tr.code, 0, tr.err);
  const json = readFileSync(join(model, 'model.json'), 'utf8');
  t.regex(json, /"nb"/);
  const given = [0, 1, 2].map((r) => Array.from(d.xs[1].subarray(r * d.dims[1], (r + 1) * d.dims[1])).join(','));
  writeFileSync(join(dir, 'given.csv'), given.join('\n') + '\n');
  const out = join(dir, 'out.csv');
  const im = jpvae('impute', '--model', model, '--given', '2', '--input', join(dir, 'given.csv'), '--out', out);
  t.is(im.code, 0, im.err);
  const rows = readFileSync(out, 'utf8').trim().split('\n');
  t.is(rows.length, 3);
  t.true(
    rows.every((r) => r.split(',').length === d.dims[0] && r.split(',').every((v) => Number(v) > 0)),
    rows[0],
  );
  // --samples K: predictive draws, counts from the likelihood (seeded).
  const draws = join(dir, 'draws.csv'),
    args = ['--model', model, '--given', '2', '--input', join(dir, 'given.csv'), '--samples', '4', '--seed', '5'];
  t.is(jpvae('impute', ...args, '--out', draws).code, 0);
  const drawn = readFileSync(draws, 'utf8').trim().split('\n');
  t.is(drawn.length, 12);
  t.true(
    drawn.every((r) => r.split(',').every((v) => Number.isInteger(Number(v)) && Number(v) >= 0)),
    drawn[0],
  );
  t.is(jpvae('impute', ...args, '--out', join(dir, 'again.csv')).code, 0);
  t.is(readFileSync(join(dir, 'again.csv'), 'utf8'), readFileSync(draws, 'utf8'));
  writeFileSync(join(dir, 'bad.csv'), '1,2,3\n4,0.5,6\n');
  writeFileSync(join(dir, 'ok.csv'), '1,2\n3,4\n');
  const bad = jpvae(
    'train',
    '--view1',
    join(dir, 'bad.csv'),
    '--view2',
    join(dir, 'ok.csv'),
    '--likelihood1',
    'poisson',
    '--likelihood2',
    'nb',
    ...common,
    '--out',
    join(dir, 'm2'),
  );
  t.is(bad.code, 2);
  t.regex(
    bad.err.trim(),
    /bad\.csv: row 2, column 2 is 0\.5, not a count \(a non-negative integer\) as a Poisson view needs; use --likelihood1 gaussian/,
  );
  t.is(bad.err.trim().split('\n').length, 1);
  t.false(existsSync(join(dir, 'm2')));
});

test('jpvae train --view ×3 --likelihood nb: an M-view model on count views', (t) => {
  const dir = tempDir(t),
    { d } = views(150, 8);
  const lines = (x: Float32Array, dim: number, from: number, to: number) =>
    Array.from({ length: d.n }, (_, r) => Array.from(x.subarray(r * dim + from, r * dim + to)).join(',')).join('\n') +
    '\n';
  const files = [
    [d.xs[0], d.dims[0], 0, 15],
    [d.xs[0], d.dims[0], 15, 30],
    [d.xs[1], d.dims[1], 0, 20],
  ].map(([x, dim, a, b], i) => {
    const f = join(dir, `v${i}.csv`);
    writeFileSync(f, lines(x as Float32Array, dim as number, a as number, b as number));
    return f;
  });
  const model = join(dir, 'mv');
  const tr = jpvae(
    'train',
    ...files.flatMap((f) => ['--view', f]),
    '--likelihood',
    'nb',
    '--hidden',
    '16',
    '--latent',
    '2',
    '--epochs',
    '2',
    '--out',
    model,
  );
  t.is(tr.code, 0, tr.err);
  const json = JSON.parse(readFileSync(join(model, 'model.json'), 'utf8'));
  t.regex(JSON.stringify(json), /"kind":"nb"/);
});
