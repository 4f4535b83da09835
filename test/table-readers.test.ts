// The readers of the practitioners' formats, on small files each written
// by that format's own library in the test (h5wasm, hyparquet-writer,
// apache-arrow) and, where Debian's python3-anndata is installed, by
// anndata itself; pairing by sample ID with samples unpaired on both
// sides; and every bad file as one line.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import h5wasm from 'h5wasm/node';
import { parquetWriteFile } from 'hyparquet-writer';
import { loadHdf5 } from '../src/data/anndata.ts';
import { openRows, readMatrix } from '../src/data/matrix.ts';
import { parseMatrix } from '../src/data/parse.ts';
import { loadViewFiles } from '../src/data/view-files.ts';
import { InputError } from '../src/errors.ts';
import { jpvae, tempDir } from './util.ts';
import { writeH5ad } from './h5ad-file.ts';
import { floatParquet, withFooter } from './parquet-file.ts';

const GAUSS = { kind: 'gaussian', variance: 'learnt' } as const;

test.before(async () => {
  await loadHdf5();
  await h5wasm.ready;
});

/** Real-valued rows far from 0 and 1: row r, column c is 100·(r+1) + c + 0.25. */
const value = (r: number, c: number) => 100 * (r + 1) + c + 0.25;
const matrix = (rows: number, cols: number) =>
  Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => value(r, c)));

/** Every row of a file, read `maxRows` at a time, and its IDs. */
function rowsOf(path: string, maxRows: number, idColumn?: string): { rows: number[][]; ids?: string[] } {
  const s = openRows(path, '--x', { idColumn }),
    rows: number[][] = [];
  for (let m; (m = s.next(maxRows));)
    for (let r = 0; r < m.rows; r++) rows.push(Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols)));
  s.close();
  return { rows, ids: s.ids };
}

/** A small valid Parquet file whose footer claims `rows` rows (a hostile row count). */
const claimingRows = (rows: bigint): Uint8Array =>
  withFooter(floatParquet({ a: [500, 600, 700] }), (meta) => {
    meta.num_rows = meta.row_groups[0].num_rows = rows;
  });

const ids = (n: number, prefix = 's') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

test('AnnData: dense and CSR X, read in blocks, with obs names', (t) => {
  const dir = tempDir(t),
    x = matrix(7, 3);
  x[2][1] = 0; // an explicit zero in the sparse file is a stored-nothing
  for (const sparse of [false, true]) {
    const path = join(dir, `${sparse}.h5ad`);
    writeH5ad(path, x, ids(7), { sparse });
    for (const block of [1, 3, 7]) t.deepEqual(rowsOf(path, block), { rows: x, ids: ids(7) }, `sparse ${sparse}`);
  }
});

test('MuData: one view per modality, file.h5mu:NAME', (t) => {
  const path = join(tempDir(t), 'two.h5mu'),
    x = matrix(5, 4);
  writeH5ad(path, x, ids(5), { mod: ['rna', 'prot'] });
  t.deepEqual(rowsOf(`${path}:rna`, 2), { rows: x, ids: ids(5) });
  t.deepEqual(
    rowsOf(`${path}:prot`, 2).rows,
    x.map((r) => r.slice(1)),
  );
  const e = t.throws(() => readMatrix(path, '--view1'), { instanceOf: InputError });
  t.regex(e.message, /name a modality as .*two\.h5mu:NAME; this file has (rna, prot|prot, rna)$/);
  t.throws(() => readMatrix(`${path}:atac`, '--view1'), { message: /no modality 'atac'; this file has/ });
});

const python = '/usr/bin/python3';
const hasAnndata = existsSync(python) && spawnSync(python, ['-c', 'import anndata, h5py, scipy']).status === 0;

(hasAnndata ? test : test.skip)(
  'AnnData and MuData files written by Python anndata (dense, CSR, two modalities)',
  (t) => {
    const dir = tempDir(t);
    const script = `
import anndata as ad, numpy as np, scipy.sparse as sp, h5py
x = np.array([[100*(r+1) + c + 0.25 for c in range(4)] for r in range(6)], dtype=np.float32)
x[1, 2] = 0
names = ['cell%d' % r for r in range(6)]
def save(X, path):
    a = ad.AnnData(X=X); a.obs_names = names; a.write_h5ad(path)
save(x, '${dir}/dense.h5ad')
save(sp.csr_matrix(x), '${dir}/csr.h5ad')
save(x[:, :2].astype(np.float64), '${dir}/b.h5ad')
with h5py.File('${dir}/two.h5mu', 'w') as mu:
    for name, src in (('rna', 'dense'), ('adt', 'b')):
        with h5py.File('${dir}/%s.h5ad' % src) as f:
            f.copy(f['/'], mu, 'mod/' + name)
`;
    const py = spawnSync(python, ['-c', script], { encoding: 'utf8' });
    t.is(py.status, 0, py.stderr);
    const x = matrix(6, 4);
    x[1][2] = 0;
    const names = ids(6, 'cell');
    t.deepEqual(rowsOf(join(dir, 'dense.h5ad'), 4), { rows: x, ids: names });
    t.deepEqual(rowsOf(join(dir, 'csr.h5ad'), 4), { rows: x, ids: names });
    t.deepEqual(rowsOf(join(dir, 'two.h5mu:rna'), 5), { rows: x, ids: names });
    t.deepEqual(rowsOf(join(dir, 'two.h5mu:adt'), 5), { rows: x.map((r) => r.slice(0, 2)), ids: names });
  },
);

test('Parquet: row groups, nulls as missing views, an ID column, from bytes too', (t) => {
  const path = join(tempDir(t), 't.parquet'),
    x = matrix(9, 3);
  parquetWriteFile({
    filename: path,
    columnData: [
      { name: 'a', data: Float32Array.from(x, (r) => r[0]), type: 'FLOAT' },
      { name: 'sample', data: ids(9) },
      { name: 'b', data: x.map((r, i) => (i === 4 ? null : r[1])), type: 'DOUBLE' },
      { name: 'c', data: Int32Array.from(x, (r) => Math.floor(r[2])), type: 'INT32' },
    ],
    rowGroupSize: 4,
  });
  const want = x.map((r, i) => [r[0], i === 4 ? NaN : r[1], Math.floor(r[2])]);
  for (const block of [1, 3, 9]) t.deepEqual(rowsOf(path, block, 'sample'), { rows: want, ids: ids(9) });
  const e = t.throws(() => readMatrix(path, '--view1'), { instanceOf: InputError });
  t.regex(e.message, /column 'sample' is BYTE_ARRAY, not a number; if it holds sample IDs, name it as the ID column$/);
});

test('Arrow IPC: file and stream formats, several batches, an ID column', (t) => {
  const dir = tempDir(t),
    x = matrix(6, 2);
  const batch = (from: number, to: number) =>
    new arrow.Table({
      id: arrow.vectorFromArray(ids(6).slice(from, to), new arrow.Utf8()),
      u: arrow.makeVector(Float64Array.from(x.slice(from, to), (r) => r[0])),
      v: arrow.makeVector(Float32Array.from(x.slice(from, to), (r) => r[1])),
    });
  const table = batch(0, 2).concat(batch(2, 6));
  for (const format of ['file', 'stream'] as const) {
    const path = join(dir, `t-${format}.arrow`);
    writeFileSync(path, arrow.tableToIPC(table, format));
    for (const block of [1, 4]) t.deepEqual(rowsOf(path, block, 'id'), { rows: x, ids: ids(6) });
  }
  const bytes = arrow.tableToIPC(table.select(['u', 'v']), 'file');
  t.deepEqual(Array.from(parseMatrix(bytes, 'x.arrow').data), x.flat().map(Math.fround));
});

test('CSV with an ID column anywhere in the header', (t) => {
  const path = join(tempDir(t), 'ids.csv');
  writeFileSync(path, 'a,name,b\n100.5,s0,-7\n,s1,\n200.5,s2,3e3\n');
  t.deepEqual(rowsOf(path, 2, 'name'), {
    rows: [
      [100.5, -7],
      [NaN, NaN],
      [200.5, 3000],
    ],
    ids: ['s0', 's1', 's2'],
  });
});

test('pairing by sample ID: unpaired samples on both sides become rows with the other view missing', (t) => {
  const dir = tempDir(t);
  // View 1: an AnnData file of s0..s5; view 2: a CSV with s3..s8 in another order (s6..s8 have view 2 only).
  const x1 = matrix(6, 3);
  writeH5ad(join(dir, 'v1.h5ad'), x1, ids(6));
  const order = [8, 3, 5, 7, 4, 6];
  writeFileSync(join(dir, 'v2.csv'), 'id,p,q\n' + order.map((i) => `s${i},${-i - 0.5},${i * 1000}`).join('\n') + '\n');
  const d = loadViewFiles([join(dir, 'v1.h5ad'), join(dir, 'v2.csv')], [GAUSS, GAUSS], { idColumn: 'id' });
  t.deepEqual(d.ids, [...ids(6), 's8', 's7', 's6']);
  t.deepEqual(d.pairing, { by: 'id', complete: 3, perView: [6, 6] }); // s3..s5 have both views
  t.deepEqual(Array.from(d.present!), [1, 1, 1, 3, 3, 3, 2, 2, 2]); // bit v − 1: has view v
  const row2 = (r: number) => Array.from(d.xs[1].subarray(2 * r, 2 * r + 2));
  t.deepEqual(row2(3), [-3.5, 3000]);
  t.deepEqual(row2(5), [-5.5, 5000]);
  t.deepEqual(row2(6), [-8.5, 8000]);
  t.deepEqual(Array.from(d.xs[0].subarray(0, 3)), x1[0].map(Math.fround));
  // ID-less files still pair by position.
  writeFileSync(join(dir, 'a.csv'), '1,2\n3,4\n');
  writeFileSync(join(dir, 'b.csv'), '5\n6\n');
  const pos = loadViewFiles([join(dir, 'a.csv'), join(dir, 'b.csv')], [GAUSS, GAUSS]);
  t.deepEqual(pos.pairing, { by: 'position', complete: 2, perView: [2, 2] });
});

test('jpvae train pairs by ID and reports the counts; every bad file is one line, exit 2, nothing written', (t) => {
  const dir = tempDir(t),
    n = 40;
  const x1 = Array.from({ length: n }, (_, r) => [Math.sin(r) * 30 + 500, Math.cos(r) * 20 - 300, r * 0.5 + 40]);
  writeH5ad(join(dir, 'v1.h5ad'), x1, ids(n), { sparse: true });
  const rows2 = Array.from({ length: n }, (_, r) => r + 5).map((i) => `s${i},${Math.sin(i) * 10 - 50},${i * 2 + 7}`);
  writeFileSync(join(dir, 'v2.csv'), 'sample,p,q\n' + rows2.join('\n') + '\n');
  const base = ['train', '--likelihood1', 'gaussian', '--likelihood2', 'gaussian', '--hidden', '8', '--latent', '2'];
  const ok = jpvae(
    ...base,
    '--view1',
    join(dir, 'v1.h5ad'),
    '--view2',
    join(dir, 'v2.csv'),
    '--id-column',
    'sample',
    '--epochs',
    '1',
    '--threads',
    '1',
    '--out',
    join(dir, 'm'),
    '--json',
  );
  t.is(ok.code, 0, ok.err);
  t.regex(ok.err, /views paired by sample ID: 35 samples with both views, 5 with view 1 only, 5 with view 2 only/);
  t.deepEqual(JSON.parse(ok.out).pairing, { by: 'id', complete: 35, per_view: [40, 40] });

  const bad = (name: string, bytes: string | Uint8Array) => (writeFileSync(join(dir, name), bytes), join(dir, name));
  const noX = join(dir, 'nox.h5ad');
  {
    const f = new h5wasm.File(noX, 'w');
    f.create_group('obs');
    f.close();
  }
  const short = join(dir, 'short.h5ad');
  {
    const f = new h5wasm.File(short, 'w');
    f.create_dataset({ name: 'X', data: Float32Array.from([1, 2, 3, 4]), shape: [2, 2] });
    const obs = f.create_group('obs');
    obs.create_attribute('_index', '_index');
    obs.create_dataset({ name: '_index', data: ['a', 'b', 'c'] });
    f.close();
  }
  const wide = join(dir, 'wide.h5ad'); // a sparse X whose shape claims 2^31 columns
  writeH5ad(
    wide,
    [
      [500, 0],
      [0, 600],
      [0, 0],
    ],
    ids(3),
    { sparse: true, cols: 2 ** 31 },
  );
  const dup = bad('dup.csv', 'sample,p\ns1,1\ns2,2\ns1,3\n');
  const other = bad('other.csv', 'sample,p,q\nz1,1,2\nz2,3,4\n');
  const cases: [string[], RegExp][] = [
    [['--view1', bad('magic.h5ad', 'not hdf5 at all')], /magic\.h5ad: not an HDF5 file \(no HDF5 signature\)/],
    [
      ['--view1', bad('magic.parquet', 'PAR0 nothing')],
      /magic\.parquet: not a readable Parquet file: missing the PAR1 magic/,
    ],
    [
      ['--view1', bad('magic.arrow', 'ARROW2')],
      /magic\.arrow: not a readable Arrow IPC file: missing the ARROW1 magic/,
    ],
    [['--view1', noX], /nox\.h5ad: no X matrix/],
    [
      ['--view1', bad('rows.parquet', claimingRows(2n ** 40n)), '--view2', join(dir, 'v2.csv')],
      /rows\.parquet: not a readable Parquet file: row group 1's column 'a' holds 3 values for 1099511627776 rows/,
    ],
    [
      ['--view1', wide, '--view2', join(dir, 'v2.csv')],
      /wide\.h5ad: 3 rows × 2147483648 columns is more values than one float32 matrix holds/,
    ],
    [['--view1', short], /short\.h5ad: obs has 3 names but X has 2 rows/],
    [
      ['--view1', join(dir, 'v1.h5ad'), '--view2', dup, '--id-column', 'sample'],
      /dup\.csv: sample ID 's1' appears twice \(rows 1 and 3\)/,
    ],
    [['--view1', join(dir, 'v1.h5ad'), '--view2', other, '--id-column', 'sample'], /no sample ID is in both/],
    [
      ['--view1', join(dir, 'v1.h5ad'), '--view2', join(dir, 'v2.csv'), '--id-column', 'nope'],
      /v2\.csv: no column 'nope' \(--id-column\)/,
    ],
  ];
  for (const [files, message] of cases) {
    const args = files.length === 2 ? [...files, '--view2', join(dir, 'v2.csv'), '--id-column', 'sample'] : files;
    const out = join(dir, 'never');
    const r = jpvae(...base, ...args, '--epochs', '1', '--out', out);
    t.is(r.code, 2, r.err);
    t.regex(r.err, message);
    t.is(r.err.trim().split('\n').length, 1, r.err);
    t.false(existsSync(out));
  }
});

test('jpvae impute writes back in kind: CSV and Parquet with the IDs, a copy of the .h5ad with the view in obsm', (t) => {
  const dir = tempDir(t),
    n = 30;
  const x1 = Array.from({ length: n }, (_, r) => [Math.sin(r) * 30 + 500, Math.cos(r) * 20 - 300]);
  writeH5ad(join(dir, 'v1.h5ad'), x1, ids(n));
  const rows2 = Array.from({ length: n }, (_, r) => `s${r},${Math.sin(r) * 10 - 50},${r * 2 + 7},${r % 3}`);
  writeFileSync(join(dir, 'v2.csv'), 'sample,p,q,w\n' + rows2.join('\n') + '\n');
  const model = join(dir, 'm');
  const tr = jpvae(
    'train',
    '--likelihood1',
    'gaussian',
    '--likelihood2',
    'gaussian',
    '--hidden',
    '8',
    '--latent',
    '2',
    '--view1',
    join(dir, 'v1.h5ad'),
    '--view2',
    join(dir, 'v2.csv'),
    '--id-column',
    'sample',
    '--epochs',
    '1',
    '--threads',
    '1',
    '--out',
    model,
  );
  t.is(tr.code, 0, tr.err);
  const impute = (input: string, out: string, ...more: string[]) =>
    jpvae('impute', '--model', model, '--given', '1', '--input', input, '--out', join(dir, out), ...more);
  for (const out of ['o.csv', 'o.parquet', 'o.h5ad']) t.is(impute(join(dir, 'v1.h5ad'), out).code, 0, out);
  const csv = rowsOf(join(dir, 'o.csv'), 7, 'obs_names');
  t.deepEqual(csv.ids, ids(n));
  t.is(csv.rows[0].length, 3);
  const parquet = rowsOf(join(dir, 'o.parquet'), 7, 'obs_names');
  t.deepEqual(parquet.ids, ids(n));
  parquet.rows.flat().forEach((v, i) => t.true(Math.abs(v - csv.rows.flat()[i]) <= 1e-5 * Math.abs(v)));
  // The copy keeps X and the obs names, and carries the imputed view.
  t.deepEqual(rowsOf(join(dir, 'o.h5ad'), 30), rowsOf(join(dir, 'v1.h5ad'), 30));
  const f = new h5wasm.File(join(dir, 'o.h5ad'), 'r');
  const obsm = f.get('obsm/X_jpvae_view2') as InstanceType<typeof h5wasm.Dataset>;
  t.deepEqual(obsm.shape, [n, 3]);
  t.deepEqual(Array.from(obsm.value as Float32Array), parquet.rows.flat());
  f.close();
  // An AnnData output needs an AnnData input; an existing entry is not overwritten: one line, exit 2, nothing written.
  writeFileSync(join(dir, 'plain.csv'), x1.map((r) => r.join(',')).join('\n') + '\n');
  const wrong = impute(join(dir, 'plain.csv'), 'no.h5ad');
  t.is(wrong.code, 2);
  t.regex(
    wrong.err,
    /^jpvae impute: --out .*no\.h5ad: an AnnData\/MuData output is a copy of the input; --input must be one too\n$/,
  );
  t.false(existsSync(join(dir, 'no.h5ad')));
  const again = impute(join(dir, 'o.h5ad'), 'o2.h5ad');
  t.is(again.code, 2);
  t.regex(again.err, /already has obsm\/X_jpvae_view2/);
  t.is(again.err.trim().split('\n').length, 1);
  t.false(existsSync(join(dir, 'o2.h5ad')));
});
