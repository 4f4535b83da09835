// Covariate columns read from the view files: a CSV header's column and a
// Parquet string column (left out of the features), an AnnData file's obs
// (a categorical and a column of strings); each sample's value from the
// files that have it, paired by sample ID; and jpvae train --covariate,
// eval and impute on real-valued views far from 0 and 1 with rows missing
// a view, an unknown category at impute one line and exit 2.

import test from 'ava';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import h5wasm from 'h5wasm/node';
import { parquetWriteFile } from 'hyparquet-writer';
import { loadHdf5 } from '../src/data/anndata.ts';
import { loadViewFiles } from '../src/data/view-files.ts';
import { InputError } from '../src/errors.ts';
import { Rng } from '../src/data/rng.ts';
import { jpvae, tempDir } from './util.ts';
import { writeH5ad } from './h5ad-file.ts';

const GAUSS = { kind: 'gaussian', variance: 'learnt' } as const;

test.before(async () => {
  await loadHdf5();
  await h5wasm.ready;
});

test('covariates from a CSV column and an AnnData obs categorical, paired by sample ID; the column is no feature', (t) => {
  const dir = tempDir(t);
  // View 1: AnnData s0..s3 with obs batch (categorical) and site (strings); view 2: CSV s2..s5 with batch and site columns.
  writeH5ad(
    join(dir, 'v1.h5ad'),
    [
      [1000, 1],
      [1001, 2],
      [1002, 3],
      [1003, 4],
    ],
    ['s0', 's1', 's2', 's3'],
    { obs: { batch: { categorical: ['b', 'a', 'b', 'c'] }, site: ['x', 'y', 'x', 'y'] } },
  );
  writeFileSync(join(dir, 'v2.csv'), 'id,batch,p,site\ns2,b,-5.5,x\ns3,c,-6.5,y\ns4,a,-7.5,x\ns5,a,-8.5,y\n');
  const d = loadViewFiles([join(dir, 'v1.h5ad'), join(dir, 'v2.csv')], [GAUSS, GAUSS], {
    idColumn: 'id',
    covariates: ['batch', 'site'],
  });
  t.deepEqual(d.dims, [2, 1]); // batch and site are not features of view 2
  t.deepEqual(d.columns[1], ['p']);
  t.deepEqual(d.covariates, [
    { name: 'batch', categories: ['a', 'b', 'c'] },
    { name: 'site', categories: ['x', 'y'] },
  ]);
  // One-hots of batch (a, b, c) then site (x, y), per union row s0..s5.
  const rows = Array.from({ length: 6 }, (_, r) => Array.from(d.design!.subarray(5 * r, 5 * r + 5)).join(''));
  t.deepEqual(rows, ['01010', '10001', '01010', '00101', '10010', '10001']);
  // A sample whose files disagree, a column no file has, a category the model does not know: one line each.
  writeFileSync(join(dir, 'bad.csv'), 'id,batch,p,site\ns2,c,-5.5,x\n');
  const disagree = t.throws(
    () =>
      loadViewFiles([join(dir, 'v1.h5ad'), join(dir, 'bad.csv')], [GAUSS, GAUSS], {
        idColumn: 'id',
        covariates: ['batch'],
      }),
    { instanceOf: InputError },
  );
  t.regex(
    disagree!.message,
    /^covariate 'batch': sample 's2' is 'b' in view 1's file .*v1\.h5ad but 'c' in view 2's file .*bad\.csv$/,
  );
  const none = t.throws(
    () =>
      loadViewFiles([join(dir, 'v1.h5ad'), join(dir, 'v2.csv')], [GAUSS, GAUSS], {
        idColumn: 'id',
        covariates: ['donor'],
      }),
    { instanceOf: InputError },
  );
  t.regex(none!.message, /^covariate 'donor': no file has that column/);
  const unknown = t.throws(
    () =>
      loadViewFiles([join(dir, 'v1.h5ad'), join(dir, 'v2.csv')], [GAUSS, GAUSS], {
        idColumn: 'id',
        known: [
          { name: 'batch', categories: ['a', 'b'] },
          { name: 'site', categories: ['x', 'y'] },
        ],
      }),
    { instanceOf: InputError },
  );
  t.is(
    unknown!.message,
    "covariate 'batch': row 4 has the category 'c', which the model does not know (it knows 'a', 'b')",
  );
});

test('covariates from a Parquet string column, by position; a sample no file gives a value is one line', async (t) => {
  const dir = tempDir(t);
  await parquetWriteFile({
    filename: join(dir, 'v1.parquet'),
    columnData: [
      { name: 'a', data: Float32Array.from([10.5, 11.5, 12.5]), type: 'FLOAT' },
      { name: 'site', data: ['north', 'south', 'north'], type: 'STRING' },
      { name: 'b', data: Float32Array.from([-1, -2, -3]), type: 'FLOAT' },
    ],
  });
  writeFileSync(join(dir, 'v2.csv'), '7\n8\n9\n');
  const d = loadViewFiles([join(dir, 'v1.parquet'), join(dir, 'v2.csv')], [GAUSS, GAUSS], { covariates: ['site'] });
  t.deepEqual(d.dims, [2, 1]);
  t.deepEqual(Array.from(d.xs[0]), [10.5, -1, 11.5, -2, 12.5, -3]);
  t.deepEqual(Array.from(d.design!), [1, 0, 0, 1, 1, 0]);
  await parquetWriteFile({
    filename: join(dir, 'gap.parquet'),
    columnData: [
      { name: 'a', data: Float32Array.from([1, 2]), type: 'FLOAT' },
      { name: 'site', data: ['north', null], type: 'STRING' },
    ],
  });
  writeFileSync(join(dir, 'w2.csv'), '7\n8\n');
  const e = t.throws(
    () => loadViewFiles([join(dir, 'gap.parquet'), join(dir, 'w2.csv')], [GAUSS, GAUSS], { covariates: ['site'] }),
    { instanceOf: InputError },
  );
  t.is(e!.message, "covariate 'site': row 2 has no value in any file");
});

test('covariates from a separate file paired by sample ID (its other samples ignored) or by row', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'v1.csv'), 'id,a\ns1,10.5\ns2,11.5\ns3,12.5\n');
  writeFileSync(join(dir, 'v2.csv'), 'id,b\ns3,-1\ns4,-2\n');
  writeFileSync(join(dir, 'cov.csv'), 'id,site,batch\ns9,z,q\ns4,south,p\ns1,north,p\ns3,south,q\ns2,north,q\n');
  const views = [join(dir, 'v1.csv'), join(dir, 'v2.csv')];
  const d = loadViewFiles(views, [GAUSS, GAUSS], {
    idColumn: 'id',
    covariates: ['site'],
    covariatesFile: join(dir, 'cov.csv'),
  });
  t.deepEqual(d.ids, ['s1', 's2', 's3', 's4']);
  t.deepEqual(d.covariates, [{ name: 'site', categories: ['north', 'south'] }]);
  t.deepEqual(Array.from(d.design!), [1, 0, 1, 0, 0, 1, 0, 1]);
  writeFileSync(join(dir, 'short.csv'), 'id,site\ns1,north\ns2,north\ns3,south\n');
  const missing = t.throws(
    () =>
      loadViewFiles(views, [GAUSS, GAUSS], {
        idColumn: 'id',
        covariates: ['site'],
        covariatesFile: join(dir, 'short.csv'),
      }),
    { instanceOf: InputError },
  );
  t.is(missing!.message, "covariate 'site': sample 's4' has no value in any file");
  // By row: as many rows as the views.
  writeFileSync(join(dir, 'p1.csv'), '1\n2\n');
  writeFileSync(join(dir, 'p2.csv'), '3\n4\n');
  writeFileSync(join(dir, 'pc.csv'), 'site\nx\ny\nx\n');
  const rows = t.throws(
    () =>
      loadViewFiles([join(dir, 'p1.csv'), join(dir, 'p2.csv')], [GAUSS, GAUSS], {
        covariates: ['site'],
        covariatesFile: join(dir, 'pc.csv'),
      }),
    { instanceOf: InputError },
  );
  t.regex(
    rows!.message,
    /^the covariates file .*pc\.csv: 3 rows, but the views have 2; without sample IDs they pair by row$/,
  );
});

test('jpvae train --covariate, eval and impute: the model records the categories; an unknown category at impute is one line, exit 2, no output', (t) => {
  const dir = tempDir(t),
    rng = new Rng(7);
  const lines1 = ['id,batch,a,b,c'],
    lines2 = ['id,batch,p,q'];
  for (let r = 0; r < 120; r++) {
    const batch = 'ABC'[r % 3],
      z = rng.normal(),
      shift = { A: -40, B: 0, C: 60 }[batch]!;
    const x1 = [0, 1, 2].map((j) => (500 + shift + (j + 1) * 5 * z + rng.normal()).toFixed(3));
    const x2 = [0, 1].map((j) => (-200 + (j ? -3 : 3) * z + 0.5 * rng.normal()).toFixed(3));
    if (r % 7 !== 3) lines1.push(`s${r},${batch},${x1.join(',')}`);
    if (r % 7 !== 5) lines2.push(`s${r},${batch},${x2.join(',')}`);
  }
  writeFileSync(join(dir, 'v1.csv'), lines1.join('\n') + '\n');
  writeFileSync(join(dir, 'v2.csv'), lines2.join('\n') + '\n');
  const model = join(dir, 'm');
  const train = jpvae(
    'train',
    '--view1',
    join(dir, 'v1.csv'),
    '--view2',
    join(dir, 'v2.csv'),
    '--id-column',
    'id',
    '--covariate',
    'batch',
    '--likelihood',
    'gaussian',
    '--epochs',
    '3',
    '--hidden',
    '16',
    '--latent',
    '1',
    '--threads',
    '1',
    '--out',
    model,
  );
  t.is(train.code, 0, train.err);
  const json = JSON.parse(readFileSync(join(model, 'model.json'), 'utf8'));
  t.deepEqual(json.config.covariates, [{ name: 'batch', categories: ['A', 'B', 'C'] }]);
  t.deepEqual(json.data.covariates, json.config.covariates);
  t.true(json.layout.some((e: { name: string }) => e.name === 'view2.decoder.covariates.weight'));
  const ev = jpvae('eval', '--model', model, '--json');
  t.is(ev.code, 0, ev.err);
  t.true(Number.isFinite(JSON.parse(ev.out).impute.x2_given_x1));
  writeFileSync(join(dir, 'new.csv'), 'id,batch,a,b,c\nn1,B,500,501,502\nn2,D,510,511,512\n');
  const out = join(dir, 'out.csv');
  const bad = jpvae('impute', '--model', model, '--given', '1', '--input', join(dir, 'new.csv'), '--out', out);
  t.is(bad.code, 2);
  t.is(
    bad.err.trim(),
    `jpvae impute: --input ${join(dir, 'new.csv')}: covariate 'batch': row 2 has the category 'D', which the model does not know (it knows 'A', 'B', 'C')`,
  );
  t.false(existsSync(out));
  writeFileSync(join(dir, 'ok.csv'), 'id,batch,a,b,c\nn1,B,500,501,502\nn2,C,560,561,562\n');
  const ok = jpvae('impute', '--model', model, '--given', '1', '--input', join(dir, 'ok.csv'), '--out', out);
  t.is(ok.code, 0, ok.err);
  t.is(readFileSync(out, 'utf8').split('\n')[0], 'id,p,q');
  // At the average batch, or adapted to batch D: then D imputes, and the adapted model records it.
  const average = jpvae(
    'impute',
    '--model',
    model,
    '--given',
    '1',
    '--input',
    join(dir, 'new.csv'),
    '--out',
    out,
    '--force',
    '--unknown-category',
    'average',
  );
  t.is(average.code, 0, average.err);
  writeFileSync(
    join(dir, 'd.csv'),
    [
      'id,batch,a,b,c',
      ...Array.from({ length: 40 }, (_, r) => `d${r},D,${[0, 1, 2].map((j) => 600 + j + (r % 7)).join(',')}`),
    ].join('\n') + '\n',
  );
  const adapted = join(dir, 'm-d');
  const adapt = jpvae(
    'adapt',
    '--model',
    model,
    '--view1',
    join(dir, 'd.csv'),
    '--out',
    adapted,
    '--epochs',
    '2',
    '--json',
  );
  t.is(adapt.code, 0, adapt.err);
  t.deepEqual(JSON.parse(adapt.out).covariates, [{ name: 'batch', new: ['D'] }]);
  t.deepEqual(JSON.parse(readFileSync(join(adapted, 'model.json'), 'utf8')).config.covariates, [
    { name: 'batch', categories: ['A', 'B', 'C', 'D'] },
  ]);
  const imputed = jpvae(
    'impute',
    '--model',
    adapted,
    '--given',
    '1',
    '--input',
    join(dir, 'new.csv'),
    '--out',
    out,
    '--force',
  );
  t.is(imputed.code, 0, imputed.err);
  const again = jpvae('adapt', '--model', adapted, '--view1', join(dir, 'd.csv'), '--out', join(dir, 'm-dd'));
  t.is(again.code, 2);
  t.regex(again.err, /^jpvae adapt: covariates: every category of the cohort is known to the model/);
  t.false(existsSync(join(dir, 'm-dd')));
});
