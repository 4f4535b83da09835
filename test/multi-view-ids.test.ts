// Three or more views paired by sample ID: an AnnData file (obs names), a
// CSV and a Parquet table (an ID column), each holding some of the samples,
// with real values far from 0 and 1. The union's rows, their present views,
// the counts train reports, a model that reads its files again (eval), and
// the bad cases as one line each.

import test from 'ava';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import h5wasm from 'h5wasm/node';
import { parquetWriteFile } from 'hyparquet-writer';
import { loadHdf5 } from '../src/data/anndata.ts';
import { openRows, readMatrix } from '../src/data/matrix.ts';
import { loadViewFiles } from '../src/data/view-files.ts';
import { encodeNpy } from '../src/data/npy.ts';
import { writeH5ad } from './h5ad-file.ts';
import { jpvae, tempDir, trainViewsById } from './util.ts';

const GAUSS = { kind: 'gaussian', variance: 'learnt' } as const;

test.before(async () => {
  await loadHdf5();
  await h5wasm.ready;
});

/** Sample i's values in view v: far from 0 and 1, and different in every view and column. */
const value = (v: number, i: number, c: number) => (v === 1 ? 500 + 3 * i : v === 2 ? -40 - i / 4 : 2000 * (i + 1)) + c;

/** View 1 (h5ad): s0..s29; view 2 (CSV, shuffled): s10..s39; view 3 (Parquet): s0..s4 and s25..s44. */
function writeViews(dir: string): string[] {
  const range = (a: number, b: number) => Array.from({ length: b - a }, (_, k) => a + k);
  const v1 = range(0, 30),
    v2 = range(10, 40).sort((a, b) => ((a * 7) % 13) - ((b * 7) % 13) || a - b),
    v3 = [...range(0, 5), ...range(25, 45)];
  writeH5ad(
    join(dir, 'a.h5ad'),
    v1.map((i) => [value(1, i, 0), value(1, i, 1)]),
    v1.map((i) => `s${i}`),
  );
  writeFileSync(
    join(dir, 'b.csv'),
    'x,sample,y,z\n' + v2.map((i) => `${value(2, i, 0)},s${i},${value(2, i, 1)},${value(2, i, 2)}`).join('\n') + '\n',
  );
  parquetWriteFile({
    filename: join(dir, 'c.parquet'),
    columnData: [
      { name: 'sample', data: v3.map((i) => `s${i}`) },
      { name: 'p', data: v3.map((i) => value(3, i, 0)), type: 'DOUBLE' },
    ],
    rowGroupSize: 7,
  });
  return ['a.h5ad', 'b.csv', 'c.parquet'].map((f) => join(dir, f));
}

test('loadViewFiles pairs M views by sample ID: the union in first-seen order, each value in its sample row', (t) => {
  const dir = tempDir(t),
    paths = writeViews(dir);
  const d = loadViewFiles(paths, [GAUSS, GAUSS, GAUSS], { idColumn: 'sample' });
  t.is(d.n, 45);
  t.deepEqual(
    d.ids!.slice(0, 30),
    Array.from({ length: 30 }, (_, i) => `s${i}`),
  );
  t.deepEqual(d.ids!.slice(40), ['s40', 's41', 's42', 's43', 's44']);
  t.deepEqual(d.pairing, { by: 'id', complete: 5, perView: [30, 30, 25] });
  const row = (v: number, r: number) => Array.from(d.xs[v - 1].subarray(r * d.dims[v - 1], (r + 1) * d.dims[v - 1]));
  for (const id of ['s0', 's12', 's27', 's33', 's44']) {
    const r = d.ids!.indexOf(id),
      i = Number(id.slice(1));
    const has = [i < 30, i >= 10 && i < 40, i < 5 || i >= 25];
    t.is(
      d.present![r],
      has.reduce((m, h, v) => m | (h ? 1 << v : 0), 0),
      id,
    );
    has.forEach((h, v) => {
      if (h)
        t.deepEqual(
          row(v + 1, r),
          d.dims[v] === 1 ? [value(v + 1, i, 0)] : row(v + 1, r).map((_, c) => Math.fround(value(v + 1, i, c))),
          `${id} view ${v + 1}`,
        );
    });
  }
  // Files without IDs still pair by position.
  writeFileSync(join(dir, 'p.csv'), '1,2\n3,4\n');
  writeFileSync(join(dir, 'q.csv'), '5\n6\n');
  const pos = loadViewFiles([join(dir, 'p.csv'), join(dir, 'q.csv'), join(dir, 'p.csv')], [GAUSS, GAUSS, GAUSS]);
  t.deepEqual(pos.pairing, { by: 'position', complete: 2, perView: [2, 2, 2] });
  t.is(pos.ids, undefined);
});

test('jpvae train --view … --id-column trains on the union, reports it, and eval reads the files again', (t) => {
  const dir = tempDir(t),
    paths = writeViews(dir),
    out = join(dir, 'm');
  const r = trainViewsById(paths, '0.2', out, '--json');
  t.is(r.code, 0, r.err);
  t.regex(r.err, /views paired by sample ID: 5 samples with every view; view 1 in 30, view 2 in 30, view 3 in 25/);
  t.deepEqual(JSON.parse(r.out).pairing, { by: 'id', complete: 5, per_view: [30, 30, 25] });
  const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
  t.is(json.data.id_column, 'sample');
  t.is(json.data.train_rows + json.data.held_out_rows, 45);
  const e = jpvae('eval', '--model', out, '--json');
  t.is(e.code, 0, e.err);
  t.is(JSON.parse(e.out).n, json.data.held_out_rows);
});

test('jpvae eval --view pairs new files by the model’s ID column, reports the pairing, and scores what the same rows by position score', (t) => {
  const dir = tempDir(t),
    paths = writeViews(dir),
    out = join(dir, 'm');
  const tr = trainViewsById(paths, '0.2', out);
  t.is(tr.code, 0, tr.err);
  const evalFiles = (files: string[], ...more: string[]) =>
    jpvae('eval', '--model', out, ...files.flatMap((p) => ['--view', p]), ...more);
  const byId = evalFiles(paths, '--json');
  t.is(byId.code, 0, byId.err);
  const { pairing, ...metrics } = JSON.parse(byId.out);
  t.deepEqual(pairing, { by: 'id', complete: 5, per_view: [30, 30, 25] });
  t.is(metrics.split, 'files');
  t.is(metrics.n, 45);
  t.is(metrics.impute_rows.x2_given_x1_x3, 5);
  t.regex(
    evalFiles(paths).out,
    /^split files \(45 rows\), imputation through the latent fit on \d+ training rows\nviews paired by sample ID: 5 samples with every view; view 1 in 30, view 2 in 30, view 3 in 25\n/,
  );
  // The union's rows as NPY files without IDs (a missing view: a row of NaN), in the union's order: paired by row, the same metrics.
  const union = loadViewFiles(paths, [GAUSS, GAUSS, GAUSS], { idColumn: 'sample' });
  const npys = union.xs.map((x, v) => {
    const cols = union.dims[v],
      data = Float32Array.from(x);
    for (let r = 0; r < union.n; r++) if (!(union.present![r] & (1 << v))) data.fill(NaN, r * cols, (r + 1) * cols);
    const f = join(dir, `u${v + 1}.npy`);
    writeFileSync(f, encodeNpy({ rows: union.n, cols, data }));
    return f;
  });
  const byRow = evalFiles(npys, '--json');
  t.is(byRow.code, 0, byRow.err);
  const { pairing: rowPairing, ...rowMetrics } = JSON.parse(byRow.out);
  t.deepEqual(rowPairing, { by: 'position', complete: 5, per_view: [30, 30, 25] });
  t.deepEqual(rowMetrics, metrics);
  // Files that do not pair: one line, exit 2.
  writeFileSync(join(dir, 'other.csv'), 'sample,p\nz1,1.5\nz2,2.5\n');
  writeFileSync(join(dir, 'noid.csv'), 'p\n1.5\n2.5\n');
  for (const [files, message] of [
    [
      [paths[0], paths[1], join(dir, 'other.csv')],
      /^jpvae eval: --view .*other\.csv: none of its sample IDs is in another view/,
    ],
    [
      [paths[0], paths[1], join(dir, 'noid.csv')],
      /^jpvae eval: .*noid\.csv: no column 'sample' \(the model's ID column\)/,
    ],
  ] as const) {
    const r = evalFiles([...files]);
    t.is(r.code, 2, r.err);
    t.regex(r.err, message);
    t.is(r.err.trim().split('\n').length, 1, r.err);
  }
});

test('M-view ID pairing: a view sharing no ID, or a file without IDs, is one line, exit 2, nothing written', (t) => {
  const dir = tempDir(t),
    paths = writeViews(dir);
  writeFileSync(join(dir, 'other.csv'), 'sample,p\nz1,1.5\nz2,2.5\n');
  writeFileSync(join(dir, 'plain.npy'), encodeNpy({ rows: 2, cols: 1, data: Float32Array.from([1.5, 2.5]) }));
  const cases: [string[], RegExp][] = [
    [
      [paths[0], paths[1], join(dir, 'other.csv')],
      /^jpvae train: --view .*other\.csv: none of its sample IDs is in another view/,
    ],
    [
      [paths[1], join(dir, 'plain.npy'), paths[2]],
      /^jpvae train: --id-column sample: --view .*plain\.npy has no sample IDs; pairing by ID needs them in every view/,
    ],
  ];
  for (const [files, message] of cases) {
    const out = join(dir, 'never');
    const r = jpvae('train', ...files.flatMap((p) => ['--view', p]), '--id-column', 'sample', '--out', out);
    t.is(r.code, 2, r.err);
    t.regex(r.err, message);
    t.is(r.err.trim().split('\n').length, 1, r.err);
    t.false(existsSync(out));
  }
});

test('M-view impute pairs its inputs by ID and writes in kind: CSV and Parquet with the IDs, a copy of the .h5ad', (t) => {
  const dir = tempDir(t),
    paths = writeViews(dir),
    model = join(dir, 'm');
  const tr = trainViewsById(paths, '0', model);
  t.is(tr.code, 0, tr.err);
  const impute = (given: string, inputs: string[], outs: string[], ...more: string[]) =>
    jpvae(
      'impute',
      '--model',
      model,
      '--given',
      given,
      ...inputs.flatMap((p) => ['--input', p]),
      ...outs.flatMap((o) => ['--out', join(dir, o)]),
      ...more,
    );
  // Views 1 and 2 share s10..s29: those are imputed, in view 1's order; the 20 others are left out.
  const both = impute('1,2', [paths[0], paths[1]], ['o.csv']);
  t.is(both.code, 0, both.err);
  t.regex(both.err, /for 20 rows \(20 samples not in every --input left out\)/);
  t.is(impute('1,2', [paths[0], paths[1]], ['o.parquet']).code, 0);
  const shared = Array.from({ length: 20 }, (_, k) => k + 10);
  const csv = readMatrix(join(dir, 'o.csv'), 'o', { idColumn: 'sample' }),
    csvIds = openRows(join(dir, 'o.csv'), 'o', { idColumn: 'sample' });
  csvIds.close();
  t.deepEqual(
    csvIds.ids,
    shared.map((i) => `s${i}`),
  );
  const pq = openRows(join(dir, 'o.parquet'), 'o', { idColumn: 'sample' });
  pq.close();
  t.deepEqual(pq.ids, csvIds.ids);
  t.deepEqual(Array.from(readMatrix(join(dir, 'o.parquet'), 'o', { idColumn: 'sample' }).data), Array.from(csv.data));
  // The same samples given by position (files without IDs, in that order) impute the same values.
  const plain = (name: string, v: number, cols: number) =>
    writeFileSync(
      join(dir, name),
      encodeNpy({
        rows: 20,
        cols,
        data: Float32Array.from(shared.flatMap((i) => [...Array(cols).keys()].map((c) => value(v, i, c)))),
      }),
    );
  plain('p1.npy', 1, 2);
  plain('p2.npy', 2, 3);
  t.is(impute('1,2', [join(dir, 'p1.npy'), join(dir, 'p2.npy')], ['p.csv']).code, 0);
  const byRow = readMatrix(join(dir, 'p.csv'), 'p');
  t.deepEqual(Array.from(byRow.data), Array.from(csv.data));
  t.true(csv.data.every((x) => Math.abs(x - 2000 * 20) < 2000 * 60)); // view 3's units: far from 0 and 1
  // From the AnnData view alone: a copy of it with view 3 in obsm, row for row the CSV's values.
  t.is(impute('1', [paths[0]], ['a3.h5ad', 'a2.csv'], '--target', '3,2').code, 0);
  const a2 = impute('1', [paths[0]], ['a3.csv'], '--target', '3');
  t.is(a2.code, 0, a2.err);
  const f = new h5wasm.File(join(dir, 'a3.h5ad'), 'r');
  const obsm = f.get('obsm/X_jpvae_view3') as InstanceType<typeof h5wasm.Dataset>;
  t.deepEqual(obsm.shape, [30, 1]);
  t.deepEqual(
    Array.from(obsm.value as Float32Array),
    Array.from(readMatrix(join(dir, 'a3.csv'), 'a', { idColumn: 'obs_names' }).data),
  );
  f.close();
  // An AnnData copy needs every sample of the first input, and one row a sample: one line, exit 2, nothing written.
  for (const [r, message] of [
    [
      impute('1,2', [paths[0], paths[1]], ['no.h5ad']),
      /no\.h5ad: an AnnData output copies --input .*a\.h5ad, but the other inputs lack some of its samples$/,
    ],
    [
      impute('1', [paths[0]], ['no.h5ad'], '--target', '3', '--samples', '3'),
      /no\.h5ad: K draws per row do not fit an AnnData file's rows; add --summary$/,
    ],
    [
      impute('2', [paths[1]], ['no.h5ad'], '--target', '3'),
      /no\.h5ad: an AnnData\/MuData output is a copy of the input; --input must be one too$/,
    ],
  ] as const) {
    t.is(r.code, 2, r.err);
    t.regex(r.err.trim(), message);
    t.is(r.err.trim().split('\n').length, 1, r.err);
  }
  t.false(existsSync(join(dir, 'no.h5ad')));
});
