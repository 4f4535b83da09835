// The M-view library API and what the CLI does over it, on data unlike
// MNIST: three real-valued views in their own units (means 300, −50 and
// 1000; sds 40, 0.5 and 250), rows missing one or two views. fit on a list of views,
// impute by given/target lists, evaluate, files and directories; the CLI
// writing the same weights as fit; eval on new files; checkpoints,
// --resume and a stopped epoch giving the weights of an uninterrupted run.

import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fit, load, fromFiles, type FitOptions, type ViewInput } from '../src/index.ts';
import { Training } from '../src/api/training.ts';
import { reopenViewFiles } from '../src/data/view-files.ts';
import { readModelFiles, readModelJson } from '../src/store/store.ts';
import { filesOf, parseModelJson } from '../src/store/files.ts';
import { Rng } from '../src/data/rng.ts';
import { jpvae, tempDir, weightsPath, THREE_VIEW_IMPUTATIONS } from './util.ts';

const DIMS = [5, 4, 3],
  UNITS = [
    [300, 40],
    [-50, 0.5],
    [1000, 250],
  ];

/** x_i = mean_i + sd_i·(A_i·s + noise), s ∈ R² shared; rows r % 11 = 5 lack views 1 and 3, other rows r % 7 = 3 lack view 2. */
function planted(n: number, seed = 4): { rows: (number[] | null)[][]; clean: number[][][] } {
  const rng = new Rng(seed);
  const A = DIMS.map((d) => Array.from({ length: d }, () => [rng.normal(), rng.normal()]));
  const rows: (number[] | null)[][] = [[], [], []],
    clean: number[][][] = [[], [], []];
  for (let r = 0; r < n; r++) {
    const s = [rng.normal(), rng.normal()];
    DIMS.forEach((_, v) => {
      const c = A[v].map((a) => a[0] * s[0] + a[1] * s[1]);
      clean[v].push(c.map((x) => UNITS[v][0] + UNITS[v][1] * x));
      const x = c.map((y) => UNITS[v][0] + UNITS[v][1] * (y + 0.2 * rng.normal()));
      const gone = (r % 7 === 3 && r % 11 !== 5 && v === 1) || (r % 11 === 5 && v !== 1);
      rows[v].push(gone ? null : x);
    });
  }
  return { rows, clean };
}

const SMALL: FitOptions = { likelihood: 'gaussian', latent: 2, factors: 3, hidden: [24], batch: 32, seed: 2 };
const csv = (rows: (number[] | null)[]) => rows.map((r) => (r ? r.join(',') : '')).join('\n') + '\n';

test('fit on three views: impute view 2 from views 1 and 3 in its own units, draws, evaluate per view and pair, files and directories', async (t) => {
  const { rows, clean } = planted(700);
  const model = await fit(rows as ViewInput[], { ...SMALL, epochs: 40 });
  t.is(model.views, 3);
  t.deepEqual(model.widths, DIMS);
  // The held-out rows (the last 70) that have views 1 and 3.
  const held = [...Array(70).keys()].map((i) => 630 + i).filter((r) => rows[0][r] && rows[2][r]);
  const given = [0, 2].map((v) => held.map((r) => rows[v][r]!));
  const y = model.impute(given, { given: [1, 3], target: 2 });
  t.is(y.length, held.length * 4);
  const err = held.reduce((s, r, i) => s + clean[1][r].reduce((a, c, j) => a + Math.abs(y[i * 4 + j] - c), 0), 0);
  const guess = held.reduce((s, r) => s + clean[1][r].reduce((a, c) => a + Math.abs(c + 50), 0), 0);
  t.log(`mean |x̂2 − x2|: ${(err / held.length / 4).toFixed(3)}; guessing −50: ${(guess / held.length / 4).toFixed(3)}`);
  t.true(err < 0.5 * guess, 'imputed in the view’s own units, far better than its mean');
  // Two targets at once, in target order; from one view only it is worse than from two.
  const [y2, y3] = model.impute(given[0], { given: 1, target: [2, 3] });
  t.is(y2.length, held.length * 4);
  t.is(y3.length, held.length * 3);
  const err1 = held.reduce((s, r, i) => s + clean[1][r].reduce((a, c, j) => a + Math.abs(y2[i * 4 + j] - c), 0), 0);
  t.true(err < err1, 'two given views impute better than one');
  // K draws per row: seeded, spread around the mean imputation.
  const d1 = model.impute(given, { given: [1, 3], target: 2, samples: 5, seed: 9 });
  t.is(d1.length, held.length * 5 * 4);
  t.deepEqual(d1, model.impute(given, { given: [1, 3], target: 2, samples: 5, seed: 9 }));
  t.notDeepEqual(d1, model.impute(given, { given: [1, 3], target: 2, samples: 5, seed: 10 }));
  const latent = model.impute(given, { given: [1, 3], target: 2, samples: 5, seed: 9, draws: 'latent' });
  const spread = (d: Float32Array) =>
    d.reduce((s, v, e) => s + (v - y[Math.floor(e / 20) * 4 + (e % 4)]) ** 2, 0) / d.length;
  t.true(spread(latent) < spread(d1), 'latent draws leave the observation noise out');

  // Metrics per view and per (given → target) pair, over the rows that have them.
  const heldRows = rows.map((v) => v.slice(630));
  const m = model.evaluate(heldRows as ViewInput[]);
  t.deepEqual(Object.keys(m.recon), ['x1', 'x2', 'x3']);
  t.is(Object.keys(m.impute).length, 9);
  t.is(m.impute_rows.x2_given_x1_x3, heldRows[1].filter((r, i) => r && heldRows[0][i] && heldRows[2][i]).length);
  t.true(m.impute.x2_given_x1_x3 < m.impute.x2_given_x1);

  // Files and directories: the same model back, the same imputations and metrics.
  const again = await fromFiles(model.toFiles());
  t.deepEqual(again.impute(given, { given: [1, 3], target: 2 }), y);
  const dir = join(tempDir(t), 'm');
  await model.save(dir);
  const loaded = await load(dir);
  t.deepEqual(loaded.evaluate(heldRows as ViewInput[]), m);
  const ev = jpvae('eval', '--model', dir, '--json');
  t.is(ev.code, 2, 'a model fitted on arrays has no files to read its split from');
  t.regex(
    ev.err,
    /^jpvae eval: the model records no training data to reopen \(it was trained from memory, through the API\); give rows with --view F, one per view\n$/,
  );

  // Bad calls: one line about the values.
  t.throws(() => model.impute(given, { given: [1, 4], target: 2 }), {
    message: /^given: expected distinct view numbers from 1 to 3/,
  });
  t.throws(() => model.impute(given, { given: [1, 3], target: 3 }), { message: /^target: view 3 is also given/ });
  t.throws(() => model.impute([given[0]], { given: [1, 3] }), { message: /^rows: one input per given view \(2\)/ });
  t.throws(() => model.impute([given[1], given[0]], { given: [1, 3] }), {
    message: /^rows\[0\]: rows have 3 values, but view 1 of the model has 5/,
  });
  t.throws(() => model.evaluate(heldRows.slice(0, 2) as ViewInput[]), {
    message: /^views: the model has 3 views, got 2/,
  });
});

test('jpvae train --view writes the weights fit gives; eval --view on new files, per view and pair; its bad input is one line, exit 2', async (t) => {
  const dir = tempDir(t),
    { rows } = planted(400, 6);
  const files = rows.map((v, i) => {
    const f = join(dir, `v${i + 1}.csv`);
    writeFileSync(f, csv(v));
    return f;
  });
  const out = join(dir, 'cli');
  const tr = jpvae(
    'train',
    ...files.flatMap((f) => ['--view', f]),
    ...[
      '--likelihood',
      'gaussian',
      '--latent',
      '2',
      '--factors',
      '3',
      '--hidden',
      '24',
      '--seed',
      '2',
      '--epochs',
      '3',
    ],
    ...['--out', out, '--json'],
  );
  t.is(tr.code, 0, tr.err);
  const model = await fit(rows as ViewInput[], { ...SMALL, epochs: 3 });
  const api = model.toFiles(),
    name = filesOf(parseModelJson(api['model.json'] as string, 'api')).weights.name;
  t.deepEqual(new Uint8Array(readFileSync(weightsPath(out))), api[name], 'the same weights, byte for byte');
  const { conditional, ...evaluated } = JSON.parse(jpvae('eval', '--model', out, '--json').out);
  t.is(conditional, 'fit'); // eval also says which latent Gaussian imputed
  t.deepEqual(JSON.parse(tr.out).metrics, evaluated, 'eval reads back the trained model');

  // New rows in files: every view's reconstruction and every (given → target) pair.
  const fresh = planted(120, 8).rows,
    newFiles = fresh.map((v, i) => {
      const f = join(dir, `new${i + 1}.csv`);
      writeFileSync(f, csv(v));
      return f;
    });
  const ev = jpvae('eval', '--model', out, ...newFiles.flatMap((f) => ['--view', f]), '--json');
  t.is(ev.code, 0, ev.err);
  const { pairing, conditional: _, ...m } = JSON.parse(ev.out);
  const has = (v: number) => fresh[v].map((r) => r !== null);
  t.deepEqual(pairing, {
    by: 'position',
    complete: fresh[0].filter((_, r) => has(0)[r] && has(1)[r] && has(2)[r]).length,
    per_view: [0, 1, 2].map((v) => has(v).filter(Boolean).length),
  });
  t.is(m.split, 'files');
  t.is(m.n, 120);
  t.deepEqual(Object.keys(m.impute).sort(), THREE_VIEW_IMPUTATIONS);
  t.deepEqual(m, { ...model.evaluate(fresh as ViewInput[]), split: 'files' }, 'the library’s metrics of the same rows');
  const narrow = join(dir, 'narrow.csv');
  writeFileSync(narrow, csv(fresh[1].map((r) => r && r.slice(0, 3))));
  const cases: [string[], RegExp][] = [
    [
      ['--view', newFiles[0], '--view', newFiles[1]],
      /^jpvae eval: --view: the model has 3 views; give one file per view, got 2$/,
    ],
    [
      ['--view', newFiles[0], '--view', narrow, '--view', newFiles[2]],
      /^jpvae eval: --view .*narrow\.csv: rows have 3 values, but view 2 of the model has 4$/,
    ],
    [
      ['--view', newFiles[0], '--view', files[1], '--view', newFiles[2]],
      /^jpvae eval: --view .*v2\.csv has 400 rows but --view .*new1\.csv has 120; views pair by row/,
    ],
    [
      ['--view', newFiles[0], '--view', newFiles[1], '--view', newFiles[2], '--split', 'train'],
      /^jpvae eval: --split and --view/,
    ],
  ];
  const lik = jpvae('train', ...files.flatMap((f) => ['--view', f]), '--likelihood', 'gauss', '--out', join(dir, 'x'));
  t.is(lik.code, 2);
  t.regex(lik.err.trim(), /^jpvae train: --likelihood: expected bernoulli, gaussian .* got 'gauss'$/);
  for (const [args, re] of cases) {
    const r = jpvae('eval', '--model', out, ...args);
    t.is(r.code, 2, args.join(' '));
    t.regex(r.err.trim(), re);
    t.is(r.err.trim().split('\n').length, 1);
  }
});

test('M-view checkpoints: --resume and an epoch stopped part way give the weights of one uninterrupted run; a second trainer is refused', async (t) => {
  const dir = tempDir(t),
    { rows } = planted(300, 7);
  const files = rows.map((v, i) => {
    const f = join(dir, `v${i + 1}.csv`);
    writeFileSync(f, csv(v));
    return f;
  });
  const common = [
    ...files.flatMap((f) => ['--view', f]),
    ...['--likelihood', 'gaussian', '--latent', '2', '--hidden', '16', '--batch', '16'],
  ];
  const [a, b] = [join(dir, 'a'), join(dir, 'b')];
  t.is(jpvae('train', ...common, '--epochs', '3', '--out', a).code, 0);
  t.is(jpvae('train', ...common, '--epochs', '1', '--out', b).code, 0);
  const json1 = JSON.parse(readFileSync(join(b, 'model.json'), 'utf8'));
  t.truthy(json1.files.train_state, 'a checkpoint names its optimiser state');
  const refused = jpvae('train', '--resume', b, '--epochs', '3', '--hidden', '8');
  t.is(refused.code, 2);
  t.regex(refused.err, /^jpvae train: --hidden: not with --resume/);
  const r = jpvae('train', '--resume', b, '--epochs', '3', '--json');
  t.is(r.code, 0, r.err);
  t.is(JSON.parse(r.out).history.length, 3);
  t.deepEqual(readFileSync(weightsPath(b)), readFileSync(weightsPath(a)), 'resumed = uninterrupted, byte for byte');
  t.deepEqual(
    JSON.parse(readFileSync(join(b, 'model.json'), 'utf8')).latent_fit,
    JSON.parse(readFileSync(join(a, 'model.json'), 'utf8')).latent_fit,
  );
  const done = jpvae('train', '--resume', b, '--epochs', '3');
  t.is(done.code, 2);
  t.regex(done.err, /--epochs 3: the model in .* has already trained 3 epochs/);

  // Stopped part way through epoch 2 (as Ctrl-C stops it: after a step, at a turn of the event loop), then resumed.
  const record = readModelJson(a).data;
  const splits = reopenViewFiles(record, 'a');
  const c = join(dir, 'c');
  t.is(jpvae('train', ...common, '--epochs', '1', '--out', c).code, 0);
  let run = Training.resume(readModelFiles(c), { train: splits.train, test: splits.heldOut }, { epochs: 3 }, c);
  let calls = 0;
  t.is(await run.runEpoch(undefined, () => ++calls === 1), null, 'stopped after the first step');
  t.is(run.trainer.state.partial?.steps, 1);
  run = Training.resume(run.files(), { train: splits.train, test: splits.heldOut }, { epochs: 3 }, 'the checkpoint');
  while (!run.done) await run.runEpoch();
  const mine = run.files(),
    name = filesOf(parseModelJson(mine['model.json'] as string, 'run')).weights.name;
  t.deepEqual(mine[name], new Uint8Array(readFileSync(weightsPath(a))), 'stopped and resumed = uninterrupted');

  // One trainer at a time: a live lock (this process's pid) refuses a second in one line.
  writeFileSync(join(a, 'train.lock'), `${process.pid} ${hostname()}\n`);
  const second = jpvae('train', '--resume', a, '--epochs', '4');
  t.is(second.code, 2);
  t.is(second.err.trim().split('\n').length, 1);
  t.regex(second.err, /train\.lock/);
});
