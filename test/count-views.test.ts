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
import { plantedCounts } from '../src/data/planted-counts.ts';
import { log1pGaussianNllAt, countNllAt } from '../src/eval/count-metrics.ts';
import { jpvae, tempDir } from './util.ts';
import { writePlantedCountCsv } from './planted-files.ts';

const SMALL = { hidden: [32], latent: 2, batch: 32, threads: 1, backend: 'wasm' as const };

/** The planted counts as the API takes them: a missing view's row all NaN. */
function views(n: number, seed: number) {
  const d = plantedCounts({ n, seed });
  const nan = (x: Float32Array, dim: number, bit: number) => {
    const y = Float32Array.from(x);
    for (let r = 0; r < n; r++) if (!(d.present![r] & bit)) y.fill(NaN, r * dim, (r + 1) * dim);
    return { data: y, width: dim };
  };
  return { d, view1: nan(d.x1, d.dim1, 1), view2: nan(d.x2, d.dim2, 2) };
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
  t.throws(() => again.impute(rows, { given: 1, samples: 3 }), {
    instanceOf: InputError,
    message: /count view.*--draws latent/,
  });
  t.notThrows(() => again.impute(rows, { given: 1, samples: 3, draws: 'latent' }));
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
    message: /poisson or nb/,
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
  const given = [0, 1, 2].map((r) => Array.from(d.x2.subarray(r * d.dim2, (r + 1) * d.dim2)).join(','));
  writeFileSync(join(dir, 'given.csv'), given.join('\n') + '\n');
  const out = join(dir, 'out.csv');
  const im = jpvae('impute', '--model', model, '--given', '2', '--input', join(dir, 'given.csv'), '--out', out);
  t.is(im.code, 0, im.err);
  const rows = readFileSync(out, 'utf8').trim().split('\n');
  t.is(rows.length, 3);
  t.true(
    rows.every((r) => r.split(',').length === d.dim1 && r.split(',').every((v) => Number(v) > 0)),
    rows[0],
  );
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
    [d.x1, d.dim1, 0, 15],
    [d.x1, d.dim1, 15, 30],
    [d.x2, d.dim2, 0, 20],
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
