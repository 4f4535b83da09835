// The M-view commands end to end on data unlike MNIST: three views, one
// binary and two real-valued far from 0 and 1 (mean 300, sd 40; mean −50,
// sd 5), with rows missing one or two views; and their exit paths (one
// line, exit 2, nothing written).

import test from 'ava';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../src/data/rng.ts';
import { jpvae, tempDir, SMALL_VIEWS_TRAINING, THREE_VIEW_IMPUTATIONS } from './util.ts';

/** x_i = A_i·s + noise with a shared s ∈ R²; view 1 thresholded to 0/1, views 2 and 3 in their own units; every 5th row lacks a view. */
function writeThree(dir: string, n: number): { files: string[]; truth2: number[][] } {
  const rng = new Rng(3),
    dims = [6, 5, 4],
    units = [
      [0, 1],
      [300, 40],
      [-50, 5],
    ];
  const A = dims.map((d) => Array.from({ length: d }, () => [rng.normal(), rng.normal()]));
  const rows: string[][] = [[], [], []],
    truth2: number[][] = [];
  for (let r = 0; r < n; r++) {
    const s = [rng.normal(), rng.normal()];
    const missing = r % 5 === 4 ? r % 3 : r % 15 === 3 ? -2 : -1; // one view, or views 1 and 3
    dims.forEach((d, v) => {
      const clean = A[v].map((a) => a[0] * s[0] + a[1] * s[1]);
      if (v === 1) truth2.push(clean.map((x) => units[1][0] + units[1][1] * x));
      const x = clean.map((c) => c + 0.3 * rng.normal());
      const gone = missing === v || (missing === -2 && v !== 1);
      rows[v].push(gone ? '' : x.map((c) => (v === 0 ? (c > 0 ? 1 : 0) : units[v][0] + units[v][1] * c)).join(','));
    });
  }
  const files = rows.map((lines, v) => {
    const f = join(dir, `v${v + 1}.csv`);
    writeFileSync(f, lines.join('\n') + '\n');
    return f;
  });
  return { files, truth2 };
}

test('train --view ×3, eval --json and impute --given 1,3 --target 2 on real-valued views with missing rows', (t) => {
  const dir = tempDir(t),
    { files, truth2 } = writeThree(dir, 600),
    model = join(dir, 'model');
  const views = files.flatMap((f) => ['--view', f]);
  const liks = ['bernoulli', 'gaussian', 'gaussian'].flatMap((l) => ['--likelihood', l]);
  const tr = jpvae(
    'train',
    ...views,
    ...liks,
    '--hidden',
    '32',
    '--latent',
    '2',
    '--factors',
    '4',
    '--epochs',
    '40',
    '--out',
    model,
    '--json',
  );
  t.is(tr.code, 0, tr.err);
  const result = JSON.parse(tr.out);
  t.is(result.views, 3);
  t.true(result.metrics.impute.x2_given_x1_x3 < result.metrics.impute.x2_given_x1, 'two views impute better than one');

  const ev = jpvae('eval', '--model', model, '--json');
  t.is(ev.code, 0, ev.err);
  const m = JSON.parse(ev.out);
  t.deepEqual(Object.keys(m.impute).sort(), THREE_VIEW_IMPUTATIONS);
  t.deepEqual(m.impute, result.metrics.impute, 'eval reads back the trained model');

  // The held-out rows (the last 60) that have views 1 and 3: impute view 2 in its own units.
  const lines = files.map((f) => readFileSync(f, 'utf8').split('\n'));
  const held = [...Array(60).keys()].map((i) => 540 + i).filter((r) => lines[0][r] !== '' && lines[2][r] !== '');
  const inputs = [0, 2].map((v) => {
    const f = join(dir, `in${v + 1}.csv`);
    writeFileSync(f, held.map((r) => lines[v][r]).join('\n') + '\n');
    return f;
  });
  const out = join(dir, 'x2.csv');
  const im = jpvae(
    'impute',
    '--model',
    model,
    '--given',
    '1,3',
    '--target',
    '2',
    '--input',
    inputs[0],
    '--input',
    inputs[1],
    '--out',
    out,
  );
  t.is(im.code, 0, im.err);
  const y = readFileSync(out, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => l.split(',').map(Number));
  t.is(y.length, held.length);
  const err =
    y.reduce((s, row, i) => s + row.reduce((a, v, j) => a + Math.abs(v - truth2[held[i]][j]), 0), 0) / (y.length * 5);
  // Against guessing the view's mean (300) for every feature: well below it, and in the user's units (not standardised ones).
  const guess = held.reduce((s, r) => s + truth2[r].reduce((a, v) => a + Math.abs(v - 300), 0), 0) / (held.length * 5);
  t.log(`mean |x̂2 − x2| in the view's units: ${err.toFixed(1)}; guessing 300: ${guess.toFixed(1)}`);
  t.true(err < 0.7 * guess, `imputed in the user's units: mean abs error ${err.toFixed(1)} vs ${guess.toFixed(1)}`);

  // The first input's header is kept: the same rows under named columns.
  const named = join(dir, 'named1.csv'),
    namedOut = join(dir, 'x2-named.csv');
  const width1 = lines[0][held[0]].split(',').length;
  writeFileSync(named, `${Array.from({ length: width1 }, (_, j) => `a${j + 1}`)}\n${readFileSync(inputs[0], 'utf8')}`);
  const nm = jpvae(
    'impute',
    '--model',
    model,
    '--given',
    '1,3',
    '--target',
    '2',
    '--input',
    named,
    '--input',
    inputs[1],
    '--out',
    namedOut,
  );
  t.is(nm.code, 0, nm.err);
  t.is(readFileSync(namedOut, 'utf8'), `x1,x2,x3,x4,x5\n${readFileSync(out, 'utf8')}`);

  // K draws per row.
  const draws = join(dir, 'draws.npy');
  const dr = jpvae(
    'impute',
    '--model',
    model,
    '--given',
    '1,3',
    '--input',
    inputs[0],
    '--input',
    inputs[1],
    '--out',
    draws,
    '--samples',
    '3',
  );
  t.is(dr.code, 0, dr.err);
  t.true(existsSync(draws));
});

test('M-view commands: bad input is one line, exit 2, nothing written', (t) => {
  const dir = tempDir(t),
    { files } = writeThree(dir, 100),
    model = join(dir, 'model');
  const once = jpvae('train', '--view', files[0], '--out', model);
  t.is(once.code, 2);
  t.regex(once.err.trim(), /^jpvae train: --view: give one file per view, at least two/m);
  const liks = jpvae(
    'train',
    ...files.flatMap((f) => ['--view', f]),
    '--likelihood',
    'bernoulli',
    '--likelihood',
    'gaussian',
    '--out',
    model,
  );
  t.is(liks.code, 2);
  t.regex(liks.err, /^jpvae train: --likelihood: give one per view \(3\) or one for all, got 2$/m);
  const bern = jpvae('train', ...files.flatMap((f) => ['--view', f]), '--out', model);
  t.is(bern.code, 2);
  t.regex(bern.err, /outside \[0, 1\] as a Bernoulli view needs; use --likelihood gaussian/);
  t.false(existsSync(model));
  t.is(jpvae('train', ...files.flatMap((f) => ['--view', f]), ...SMALL_VIEWS_TRAINING, '--out', model).code, 0);
  const cases: [string[], RegExp][] = [
    [
      ['--given', '1,3', '--target', '2', '--input', files[0], '--out', join(dir, 'o.csv')],
      /--input: give one file per --given view \(2\), got 1/,
    ],
    [
      ['--given', '1,4', '--input', files[0], '--input', files[2], '--out', join(dir, 'o.csv')],
      /--given: expected distinct view numbers from 1 to 3/,
    ],
    [
      ['--given', '1,2', '--target', '2', '--input', files[0], '--input', files[1], '--out', join(dir, 'o.csv')],
      /--target: view 2 is also in --given/,
    ],
    [
      ['--given', '1,3', '--target', '2', '--input', files[0], '--input', files[2], '--out', join(dir, 'o.csv')],
      /--input .*v1\.csv: row 4, column 1 is NaN; a given view must be complete/,
    ],
  ];
  for (const [args, re] of cases) {
    const r = jpvae('impute', '--model', model, ...args);
    t.is(r.code, 2, args.join(' '));
    t.regex(r.err, re);
    t.is(r.err.trim().split('\n').length, 1, 'one line');
    t.false(existsSync(join(dir, 'o.csv')));
  }
});
