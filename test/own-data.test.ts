// Your own data through the CLI: two CSV views with missing rows, Gaussian
// likelihoods, imputation to a file, and one clear line (exit 2) for each
// kind of bad input.

import test from 'ava';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IMPUTE_CHUNK_ROWS, imputeFile } from '../src/api/impute-file.ts';
import { modelOf } from '../src/api/model.ts';
import { readModelFiles } from '../src/store/store.ts';
import { encodeNpy } from '../src/data/npy.ts';
import { plantedGaussianViews, writePlantedCsv } from './planted-files.ts';
import { camelCaseKeys } from '../src/io/json-keys.ts';
import { fit, parseMatrix } from '../src/index.ts';
import { jpvae, tempDir, weightsPath } from './util.ts';

const GAUSSIAN = ['--likelihood1', 'gaussian', '--likelihood2', 'gaussian'];
const SMALL = ['--hidden', '32', '--latent', '2'];

test('rows missing one view help: training with them beats complete rows only on imputation error', (t) => {
  const dir = tempDir(t),
    p = writePlantedCsv(dir, 300, 500, 0.3);
  const error = (a: string, b: string, seed: string) => {
    const model = join(dir, `m-${a}-${seed}`),
      out = join(dir, `out-${a}-${seed}.csv`);
    const tr = jpvae(
      'train',
      '--view1',
      join(dir, a),
      '--view2',
      join(dir, b),
      ...GAUSSIAN,
      ...SMALL,
      '--holdout',
      '0',
      '--epochs',
      '60',
      '--seed',
      seed,
      '--out',
      model,
    );
    t.is(tr.code, 0, tr.err);
    const im = jpvae('impute', '--model', model, '--given', '1', '--input', join(dir, 'test1.csv'), '--out', out);
    t.is(im.code, 0, im.err);
    const rows = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(',').map(Number));
    t.is(rows.length, 500);
    return (
      rows.reduce((s, row, r) => s + row.reduce((q, v, j) => q + (v - p.truth2[r][j]) ** 2, 0), 0) / (500 * p.dims[1])
    );
  };
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const withMissing = mean(['1', '2', '3'].map((s) => error('train1.csv', 'train2.csv', s)));
  const completeOnly = mean(['1', '2', '3'].map((s) => error('complete1.csv', 'complete2.csv', s)));
  t.log({ withMissing, completeOnly });
  t.true(
    withMissing < 0.9 * completeOnly,
    `MSE against the truth: with missing rows ${withMissing}, complete rows only ${completeOnly}`,
  );
});

test('impute --samples K writes K draws per row, --summary their mean and sd', (t) => {
  const dir = tempDir(t);
  writePlantedCsv(dir, 200, 20, 0.3);
  const model = join(dir, 'm');
  t.is(
    jpvae(
      'train',
      '--view1',
      join(dir, 'train1.csv'),
      '--view2',
      join(dir, 'train2.csv'),
      ...GAUSSIAN,
      ...SMALL,
      '--epochs',
      '3',
      '--out',
      model,
    ).code,
    0,
  );
  t.is(
    jpvae(
      'impute',
      '--model',
      model,
      '--given',
      '1',
      '--input',
      join(dir, 'test1.csv'),
      '--out',
      join(dir, 'k.npy'),
      '--samples',
      '4',
    ).code,
    0,
  );
  t.true(existsSync(join(dir, 'k.npy')));
  const s = jpvae(
    'impute',
    '--model',
    model,
    '--given',
    '1',
    '--input',
    join(dir, 'test1.csv'),
    '--out',
    join(dir, 's.csv'),
    '--samples',
    '50',
    '--summary',
  );
  t.is(s.code, 0, s.err);
  const [head, ...lines] = readFileSync(join(dir, 's.csv'), 'utf8').trim().split('\n');
  t.is(head.split(',').slice(5, 7).join(), 'x6_mean,x1_sd'); // the columns named
  const rows = lines.map((l) => l.split(',').map(Number));
  t.is(rows.length, 20);
  t.is(rows[0].length, 12);
  t.true(
    rows.every((r) => r.slice(6).every((sd) => sd > 0)),
    'draws differ',
  );
});

test('a model trained on files resumes from its own record of them, exactly', (t) => {
  const dir = tempDir(t),
    f = (name: string) => join(dir, name);
  writePlantedCsv(dir, 120, 5, 0.3);
  const args = ['--view1', f('train1.csv'), '--view2', f('train2.csv'), ...GAUSSIAN, ...SMALL];
  t.is(jpvae('train', ...args, '--epochs', '2', '--out', f('a')).code, 0);
  t.is(jpvae('train', ...args, '--epochs', '1', '--out', f('b')).code, 0);
  const resumed = jpvae('train', '--resume', f('b'), '--epochs', '2');
  t.is(resumed.code, 0, resumed.err);
  t.deepEqual(readFileSync(weightsPath(f('b'))), readFileSync(weightsPath(f('a'))));
});

test("eval on new paired files: the same metrics as on the model's own held-out rows when the rows are the same", (t) => {
  const dir = tempDir(t),
    f = (name: string) => join(dir, name);
  writePlantedCsv(dir, 200, 30, 0.3);
  // Train on the training rows followed by the test rows, holding out the last 30: the held-out rows are test1/test2.
  for (const i of [1, 2])
    writeFileSync(f(`all${i}.csv`), readFileSync(f(`train${i}.csv`), 'utf8') + readFileSync(f(`test${i}.csv`), 'utf8'));
  t.is(
    jpvae(
      'train',
      '--view1',
      f('all1.csv'),
      '--view2',
      f('all2.csv'),
      ...GAUSSIAN,
      ...SMALL,
      '--holdout',
      String(30 / 230),
      '--epochs',
      '2',
      '--out',
      f('m'),
    ).code,
    0,
  );
  const own = jpvae('eval', '--model', f('m'), '--json'),
    files = jpvae('eval', '--model', f('m'), '--view1', f('test1.csv'), '--view2', f('test2.csv'), '--json');
  t.is(files.code, 0, files.err);
  const a = JSON.parse(own.out),
    b = JSON.parse(files.out);
  t.is(b.split, 'files');
  t.is(b.n, 30);
  const { pairing, ...rest } = b;
  t.deepEqual(pairing, { by: 'position', complete: 30, per_view: [30, 30] }, 'how the new files paired');
  t.deepEqual({ ...rest, split: a.split }, a);
  const wrong = jpvae('eval', '--model', f('m'), '--view1', f('test2.csv'), '--view2', f('test1.csv'));
  t.is(wrong.code, 2);
  t.regex(wrong.err, /^jpvae eval: --view1 .*test2\.csv: rows have 6 values, but view 1 of the model has 8\n$/);
});

test('bad input: one line naming the flag or file, exit code 2, nothing written', (t) => {
  const dir = tempDir(t);
  writePlantedCsv(dir, 60, 5, 0.3);
  const f = (name: string) => join(dir, name);
  writeFileSync(f('ragged.csv'), '1,2,3\n4,5\n');
  writeFileSync(f('text.csv'), '1,2\n3,abc\n');
  writeFileSync(f('partial.csv'), '1,2\n3,\n');
  writeFileSync(f('inf.csv'), '1,2\n3,Infinity\n');
  writeFileSync(f('binary.csv'), '0,1\n1,2\n');
  writeFileSync(f('short.csv'), '1,2\n');
  writeFileSync(f('two.csv'), '1,2\n3,4\n');
  writeFileSync(f('data.txt'), '1,2\n');
  const npy = encodeNpy({ rows: 2, cols: 2, data: Float32Array.from([1, 2, 3, 4]) });
  writeFileSync(f('cut.npy'), npy.subarray(0, npy.length - 4));
  writeFileSync(f('cut-images.idx'), Uint8Array.from([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2]));
  const model = f('m');
  t.is(
    jpvae(
      'train',
      '--view1',
      f('train1.csv'),
      '--view2',
      f('train2.csv'),
      ...GAUSSIAN,
      ...SMALL,
      '--epochs',
      '1',
      '--out',
      model,
    ).code,
    0,
  );

  const cases: [string[], RegExp][] = [
    [
      ['train', '--view1', f('nope.csv'), '--view2', f('two.csv'), '--out', f('o1')],
      /--view1 .*nope\.csv: cannot read \(ENOENT\)/,
    ],
    [
      ['train', '--view1', f('data.txt'), '--view2', f('two.csv'), '--out', f('o2')],
      /--view1 .*data\.txt: unknown file type '\.txt'/,
    ],
    [
      ['train', '--view1', f('ragged.csv'), '--view2', f('two.csv'), '--out', f('o3')],
      /ragged\.csv:2: 2 cells, expected 3/,
    ],
    [
      ['train', '--view1', f('text.csv'), '--view2', f('two.csv'), '--out', f('o4')],
      /text\.csv:2: column 2 holds 'abc'/,
    ],
    [
      ['train', '--view1', f('two.csv'), '--view2', f('short.csv'), '--out', f('o5')],
      /^jpvae train: --view2 .*short\.csv has 1 rows but --view1 .*two\.csv has 2; views pair by row/,
    ],
    [
      ['train', '--view1', f('partial.csv'), '--view2', f('two.csv'), ...GAUSSIAN, '--out', f('o6')],
      /row 2 has 1 empty\/NaN cells of 2/,
    ],
    [
      ['train', '--view1', f('inf.csv'), '--view2', f('two.csv'), ...GAUSSIAN, '--out', f('o7')],
      /row 2, column 2 is Infinity/,
    ],
    [
      ['train', '--view1', f('binary.csv'), '--view2', f('two.csv'), '--out', f('o8')],
      /row 2, column 2 is 2, outside \[0, 1\]/,
    ],
    [
      ['train', '--view1', f('cut.npy'), '--view2', f('two.csv'), '--out', f('o9')],
      /cut\.npy: not a readable \.npy file: .*truncated/,
    ],
    [
      ['train', '--view1', f('cut-images.idx'), '--view2', f('two.csv'), '--out', f('o10')],
      /cut-images\.idx: not a valid IDX file/,
    ],
    [
      ['train', '--view1', f('two.csv'), '--view2', f('two.csv'), '--likelihood1', 'negbin', '--out', f('o11')],
      /--likelihood1: expected bernoulli, gaussian/,
    ],
    [
      ['impute', '--model', model, '--given', '1', '--input', f('two.csv'), '--out', f('x.csv')],
      /--input .*two\.csv: rows have 2 values, but view 1 of the model has 8/,
    ],
    [
      ['impute', '--model', model, '--given', '1', '--input', f('test1.csv'), '--out', f('x.json')],
      /--out .*x\.json: expected a \.csv or \.npy/,
    ],
    [
      ['impute', '--model', model, '--given', '3', '--input', f('test1.csv'), '--out', f('x.csv')],
      /--given: expected distinct view numbers from 1 to 2, got 3/,
    ],
  ];
  for (const [args, message] of cases) {
    const r = jpvae(...args);
    t.is(r.code, 2, `${args.join(' ')}\n${r.err}`);
    t.regex(r.err, message);
    t.is(r.err.trim().split('\n').length, 1, r.err);
  }
  for (let i = 1; i <= 11; i++) t.false(existsSync(f(`o${i}`)), `o${i} written`);
  t.false(existsSync(f('x.csv')));
});

test('impute streams its input: any chunk size writes the same rows, draws included', (t) => {
  const dir = tempDir(t);
  writePlantedCsv(dir, 200, 37, 0.3);
  const modelDir = join(dir, 'm');
  t.is(
    jpvae(
      'train',
      '--view1',
      join(dir, 'train1.csv'),
      '--view2',
      join(dir, 'train2.csv'),
      ...GAUSSIAN,
      ...SMALL,
      '--epochs',
      '2',
      '--out',
      modelDir,
    ).code,
    0,
  );
  const model = modelOf(readModelFiles(modelDir), 'wasm', modelDir);
  for (const [samples, summary] of [
    [1, false],
    [3, false],
    [3, true],
  ] as const) {
    const run = (chunkRows?: number) => {
      const out = join(dir, `o-${samples}-${summary}-${chunkRows}.npy`);
      t.is(imputeFile(model, join(dir, 'test1.csv'), out, { given: 1, samples, summary, seed: 7, chunkRows }), 37);
      return readFileSync(out);
    };
    const whole = run();
    const [rows, cols] = summary ? [37, 12] : [37 * samples, 6];
    t.is(whole.length, 128 + rows * cols * 4);
    for (const chunkRows of [1, 5, 12])
      t.deepEqual(
        run(chunkRows),
        whole,
        `${samples} samples${summary ? ', summary' : ''}, chunks of ${chunkRows} rows`,
      );
  }
  // Views are numbered as the CLI numbers them: 0 is no view.
  t.throws(
    () =>
      imputeFile(model, join(dir, 'test1.csv'), join(dir, 'o.csv'), {
        given: 0 as 1,
        samples: 1,
        summary: false,
        seed: 7,
      }),
    {
      message: 'given: expected distinct view numbers from 1 to 2, got 0',
    },
  );
  // The library names its arguments, not the CLI's flags (jpvae impute passes those).
  const wrong = join(dir, 'test2.csv'),
    ask = (names?: { input: string; out: string; summary: string }) =>
      t.throws(() =>
        imputeFile(model, wrong, join(dir, 'o.csv'), { given: 1, samples: 1, summary: false, seed: 7, names }),
      ).message;
  t.regex(ask()!, /^input .*test2\.csv: rows have 6 values, but view 1 of the model has 8$/);
  t.regex(ask({ input: '--input', out: '--out', summary: '--summary' })!, /^--input .*test2\.csv: rows have/);
});

test('impute: a bad row after the first chunk exits 2 and leaves --out as it was', (t) => {
  const dir = tempDir(t);
  writePlantedCsv(dir, 60, 5, 0.3);
  const model = join(dir, 'm');
  t.is(
    jpvae(
      'train',
      '--view1',
      join(dir, 'train1.csv'),
      '--view2',
      join(dir, 'train2.csv'),
      ...GAUSSIAN,
      ...SMALL,
      '--epochs',
      '1',
      '--out',
      model,
    ).code,
    0,
  );
  const line = readFileSync(join(dir, 'test1.csv'), 'utf8').split('\n')[0],
    bad = IMPUTE_CHUNK_ROWS + 50; // 0-based
  const big = (name: string, cell: string) => {
    const rows = Array.from({ length: IMPUTE_CHUNK_ROWS + 100 }, () => line);
    rows[bad] = line.replace(/[^,]+$/, cell);
    writeFileSync(join(dir, name), rows.join('\n') + '\n');
    return join(dir, name);
  };
  const old = join(dir, 'old.csv');
  writeFileSync(old, 'previous\n');
  const cases: [string, string, RegExp][] = [
    [big('inf.csv', 'Infinity'), old, new RegExp(`--input .*inf\\.csv: row ${bad + 1}, column 8 is Infinity`)],
    [big('text.csv', 'abc'), join(dir, 'new.npy'), new RegExp(`text\\.csv:${bad + 1}: column 8 holds 'abc'`)],
  ];
  for (const [input, out, message] of cases) {
    const r = jpvae('impute', '--model', model, '--given', '1', '--input', input, '--out', out, '--force');
    t.is(r.code, 2, r.err);
    t.regex(r.err, message);
    t.is(r.err.trim().split('\n').length, 1, r.err);
  }
  t.is(readFileSync(old, 'utf8'), 'previous\n');
  t.false(existsSync(join(dir, 'new.npy')));
  t.deepEqual(
    readdirSync(dir).filter((n) => n.includes('.tmp-')),
    [],
  );
});

test('sizes not given follow the views (8 and 6 columns: latent 4+3, hidden 32,32); the first line says them and the hold-out', async (t) => {
  const dir = tempDir(t),
    out = join(dir, 'm');
  const args = plantedGaussianViews(dir, { nTest: 10, seed: 5 });
  const r = jpvae('train', ...args, '--epochs', '1', '--threads', '1', '--out', out);
  t.is(r.code, 0, r.err);
  t.regex(
    r.err.split('\n')[0],
    /^jpvae train: orthogonal prior, latent 4\+3, hidden 32,32 \(sized to the views\), 270 training rows, 30 rows held out \(the last 10%, --holdout; never trained on, scored each epoch\), backend /,
  );
  const { config } = camelCaseKeys(JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'))) as any;
  t.deepEqual(
    [config.latent, config.hidden],
    [
      [4, 3],
      [32, 32],
    ],
  );
  // The library sizes them alike.
  const read = (f: string) => parseMatrix(readFileSync(join(dir, f)), f);
  const model = await fit([read('train1.csv'), read('train2.csv')], { likelihood: 'gaussian', epochs: 1, threads: 1 });
  t.deepEqual(model.config, config);
  // Sizes given are kept, and no hold-out is said so.
  const given = jpvae('train', ...args, '--latent', '2', '--holdout', '0', '--epochs', '1', '--out', out, '--force');
  t.regex(
    given.err.split('\n')[0],
    /latent 2\+2, hidden 32,32 \(hidden sized to the views\), 300 training rows, no rows held out, backend /,
  );
});

test('impute keeps a CSV input header and its ID column; --summary names its columns', (t) => {
  const dir = tempDir(t),
    model = join(dir, 'm');
  const args = plantedGaussianViews(dir, { nTest: 12, seed: 6 });
  t.is(jpvae('train', ...args, ...SMALL, '--epochs', '1', '--threads', '1', '--out', model).code, 0);
  const lines = readFileSync(join(dir, 'test1.csv'), 'utf8').trimEnd().split('\n');
  const names = Array.from({ length: 8 }, (_, j) => `gene${j + 1}`);
  writeFileSync(join(dir, 'named.csv'), [names.join(','), ...lines].join('\n') + '\n');
  writeFileSync(join(dir, 'ided.csv'), [`sample,${names}`, ...lines.map((l, i) => `s${i + 1},${l}`)].join('\n') + '\n');
  const impute = (input: string, out: string, ...more: string[]) => {
    const r = jpvae(
      'impute',
      '--model',
      model,
      '--given',
      '1',
      '--input',
      join(dir, input),
      '--out',
      join(dir, out),
      ...more,
    );
    t.is(r.code, 0, r.err);
    return readFileSync(join(dir, out), 'utf8').trimEnd().split('\n');
  };
  const plain = impute('test1.csv', 'plain.csv'),
    x = 'x1,x2,x3,x4,x5,x6';
  t.is(plain.length, 12); // no header in, none out
  t.true(Number.isFinite(Number(plain[0].split(',')[0])) && Math.abs(Number(plain[0].split(',')[0])) > 5); // view 2's units: −50 ± 300
  t.deepEqual(impute('named.csv', 'named-out.csv'), [x, ...plain]);
  t.deepEqual(impute('ided.csv', 'ided-out.csv', '--id-column', 'sample'), [
    `sample,${x}`,
    ...plain.map((l, i) => `s${i + 1},${l}`),
  ]);
  const summary = impute('test1.csv', 'summary.csv', '--samples', '5', '--summary');
  t.is(summary[0], `${x.split(',').map((c) => `${c}_mean`)},${x.split(',').map((c) => `${c}_sd`)}`);
  t.is(summary.length, 13);
});
