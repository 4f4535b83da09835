// jpvae impute names the imputed view's CSV columns as that view's training
// file did (model.json's data.columns, from a CSV header): with one given
// view, with --summary (<name>_mean, <name>_sd) and with several given
// views; a model without the record keeps x1, x2, …; a data.columns that
// does not fit the views is refused in one line.

import test from 'ava';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../src/data/rng.ts';
import { plantedGaussianViews } from './planted-files.ts';
import { jpvae, tempDir, weightsPath } from './util.ts';

const SMALL = ['--hidden', '16', '--latent', '2', '--epochs', '3', '--seed', '7'];
const names = (prefix: string, n: number) => Array.from({ length: n }, (_, j) => `${prefix}${j + 1}`);
const withHeader = (file: string, header: string[], out: string) => {
  writeFileSync(out, `${header.join(',')}\n${readFileSync(file, 'utf8')}`);
  return out;
};
const lines = (file: string) => readFileSync(file, 'utf8').trimEnd().split('\n');

test('impute writes the target view’s training column names; values as without them; old models keep x1, …', (t) => {
  const dir = tempDir(t),
    flags = plantedGaussianViews(dir, { nTest: 20, seed: 5 });
  const [v1, v2] = [flags[1], flags[3]],
    n1 = names('height_', 8),
    n2 = names('dose.', 6);
  const plain = join(dir, 'plain'),
    named = join(dir, 'named');
  const rest = flags.slice(4);
  t.is(jpvae('train', ...flags, ...SMALL, '--out', plain).code, 0);
  const h1 = withHeader(v1, n1, join(dir, 'h1.csv')),
    h2 = withHeader(v2, n2, join(dir, 'h2.csv'));
  const tr = jpvae('train', '--view1', h1, '--view2', h2, ...rest, ...SMALL, '--out', named);
  t.is(tr.code, 0, tr.err);
  t.deepEqual(readFileSync(weightsPath(named)), readFileSync(weightsPath(plain)), 'a header does not change training');
  const json = JSON.parse(readFileSync(join(named, 'model.json'), 'utf8'));
  t.deepEqual(json.data.columns, [n1, n2]);
  t.is(JSON.parse(readFileSync(join(plain, 'model.json'), 'utf8')).data.columns, undefined);

  const test1 = join(dir, 'test1.csv'),
    test1h = withHeader(test1, n1, join(dir, 'test1h.csv'));
  const impute = (model: string, input: string, out: string, ...more: string[]) => {
    const r = jpvae('impute', '--model', model, '--given', '1', '--input', input, '--out', join(dir, out), ...more);
    t.is(r.code, 0, r.err);
    return lines(join(dir, out));
  };
  const ref = impute(plain, test1, 'ref.csv');
  const got = impute(named, test1h, 'got.csv');
  t.is(got[0], n2.join(','), "the header is view 2's training names");
  t.deepEqual(got.slice(1), ref, 'the values are those of the headerless run');
  t.deepEqual(impute(named, test1, 'bare.csv'), ref, 'a headerless input still writes no header');

  const summary = ['--samples', '4', '--summary'];
  const refSum = impute(plain, test1, 'ref-sum.csv', ...summary);
  const gotSum = impute(named, test1h, 'got-sum.csv', ...summary);
  t.is(gotSum[0], [...n2.map((s) => `${s}_mean`), ...n2.map((s) => `${s}_sd`)].join(','));
  t.is(refSum[0], [...names('x', 6).map((s) => `${s}_mean`), ...names('x', 6).map((s) => `${s}_sd`)].join(','));
  t.deepEqual(gotSum.slice(1), refSum.slice(1));

  // A model written before the record (no data.columns) imputes as it always did: x1, x2, ….
  const old = join(dir, 'old');
  cpSync(named, old, { recursive: true });
  delete json.data.columns;
  writeFileSync(join(old, 'model.json'), JSON.stringify(json));
  const fromOld = impute(old, test1h, 'old.csv');
  t.is(fromOld[0], names('x', 6).join(','));
  t.deepEqual(fromOld.slice(1), ref);
});

test('a data.columns that does not fit the views is refused in one line', (t) => {
  const dir = tempDir(t),
    flags = plantedGaussianViews(dir, { nTest: 5, seed: 6 });
  const h1 = withHeader(flags[1], names('a', 8), join(dir, 'h1.csv')),
    h2 = withHeader(flags[3], names('b', 6), join(dir, 'h2.csv'));
  const model = join(dir, 'm');
  t.is(jpvae('train', '--view1', h1, '--view2', h2, ...flags.slice(4), ...SMALL, '--out', model).code, 0);
  const json = JSON.parse(readFileSync(join(model, 'model.json'), 'utf8'));
  const cases: [unknown, RegExp][] = [
    [[null, names('b', 5)], /data\.columns\[1\]: expected an array of 6, got an array of 5/],
    [[null, [1, 2, 3, 4, 5, 6]], /data\.columns\[1\]\[0\]: expected a string, got 1/],
    [[names('a', 8)], /data\.columns: expected an array of 2, got an array of 1/],
    [[null, ['x'.repeat(1 << 20), ...names('b', 5)]], /data\.columns\[1\]: name 1 is not 1 to 256 characters/],
    [[null, ['b,1', ...names('b', 5)]], /data\.columns\[1\]: name 1 is not 1 to 256 characters without commas/],
    [[null, ['b1', ...names('b', 5)]], /data\.columns\[1\]: name 2 repeats an earlier one/],
    [[null, Array(1 << 20).fill('b')], /data\.columns\[1\]: expected an array of 6, got an array of 1048576/],
    ['names', /data\.columns: expected an array of 2/],
  ];
  for (const [i, [columns, message]] of cases.entries()) {
    const bad = join(dir, `bad${i}`);
    cpSync(model, bad, { recursive: true });
    writeFileSync(join(bad, 'model.json'), JSON.stringify({ ...json, data: { ...json.data, columns } }));
    const r = jpvae('impute', '--model', bad, '--given', '1', '--input', h1, '--out', join(dir, `o${i}.csv`));
    t.is(r.code, 2, r.err);
    t.regex(r.err, message);
    t.is(r.err.trimEnd().split('\n').length, 1, r.err);
  }
});

test('impute --given 1,3 --target 2 names view 2’s columns as its training file did', (t) => {
  const dir = tempDir(t),
    rng = new Rng(9),
    dims = [5, 4, 3],
    units = [
      [1000, 2],
      [-50, 30],
      [200, 10],
    ];
  const rows: string[][] = [[], [], []];
  for (let r = 0; r < 150; r++) {
    const s = [rng.normal(), rng.normal()];
    dims.forEach((d, v) => {
      const x = Array.from({ length: d }, (_, j) => units[v][0] + units[v][1] * (s[j % 2] + 0.3 * rng.normal()));
      rows[v].push(r % 7 === v + 1 ? '' : x.join(','));
    });
  }
  const header = dims.map((d, v) => names(['u', 'w', 'z'][v], d));
  const files = rows.map((l, v) => {
    writeFileSync(join(dir, `v${v + 1}.csv`), `${header[v].join(',')}\n${l.join('\n')}\n`);
    return join(dir, `v${v + 1}.csv`);
  });
  const model = join(dir, 'm');
  const liks = dims.flatMap(() => ['--likelihood', 'gaussian']);
  const tr = jpvae('train', ...files.flatMap((f) => ['--view', f]), ...liks, ...SMALL, '--out', model);
  t.is(tr.code, 0, tr.err);
  // Rows with views 1 and 3, headers kept (so the output has one).
  const keep = [...rows[0].keys()].filter((r) => rows[0][r] !== '' && rows[2][r] !== '').slice(0, 10);
  const inputs = [0, 2].map((v) => {
    const f = join(dir, `in${v + 1}.csv`);
    writeFileSync(f, `${header[v].join(',')}\n${keep.map((r) => rows[v][r]).join('\n')}\n`);
    return f;
  });
  const out = join(dir, 'x2.csv');
  const args = ['--model', model, '--given', '1,3', '--target', '2', '--input', inputs[0], '--input', inputs[1]];
  const im = jpvae('impute', ...args, '--out', out);
  t.is(im.code, 0, im.err);
  const y = lines(out);
  t.is(y[0], header[1].join(','));
  t.is(y.length, keep.length + 1);
  t.true(
    y.slice(1).every((l) => l.split(',').every((c) => Math.abs(Number(c) + 50) < 500)),
    'in view 2’s units',
  );
});
