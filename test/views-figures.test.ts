// The figures of a model of three views: MNIST in three horizontal bands
// (written as NPY files by the test), trained by jpvae train --view, drawn
// by jpvae eval --figure (every band imputed from the other two) and by
// jpvae plot on its own held-out rows (Figure 1, Figure 4 with one panel
// per pair of views, the calibration of each view given the others).

import test from 'ava';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pngjs from 'pngjs';
import { loadMnistImages } from '../src/data/hvdmnist.ts';
import { bands } from '../src/data/mnist-bands.ts';
import { encodeNpy } from '../src/data/npy.ts';
import { imputationGrid } from '../src/eval/imputation-figure.ts';
import { fit, load } from '../src/api/model.ts';
import { jpvae, tempDir } from './util.ts';

/** 400 MNIST training images as three band files, and a trained model of them. */
function threeBandModel(t: { teardown(fn: () => void): void }): { dir: string; files: string[] } {
  const dir = tempDir(t),
    { images } = loadMnistImages('train'),
    d = bands(images, 400);
  const files = d.xs.map((x, i) => {
    const f = join(dir, `band${i + 1}.npy`);
    writeFileSync(f, encodeNpy({ rows: d.n, cols: d.dims[i], data: x }));
    return f;
  });
  const args = files.flatMap((f) => ['--view', f]);
  const r = jpvae(
    'train',
    ...args,
    '--hidden',
    '16',
    '--latent',
    '3',
    '--epochs',
    '1',
    '--holdout',
    '0.25',
    '--out',
    join(dir, 'm'),
  );
  if (r.code !== 0) throw new Error(r.err);
  return { dir, files };
}

test('eval --figure draws a three-view model: the true digit, then each band imputed from the other two', async (t) => {
  const { dir } = threeBandModel(t);
  const png = join(dir, 'grid.png');
  const r = jpvae('eval', '--model', join(dir, 'm'), '--figure', png, '--json');
  t.is(r.code, 0, r.err);
  t.true(existsSync(png) && existsSync(join(dir, 'grid.svg')));
  const svg = readFileSync(join(dir, 'grid.svg'), 'utf8');
  for (const band of [1, 2, 3]) t.true(svg.includes(`view ${band}`), `a column of view ${band} imputed`);
  t.true(pngjs.PNG.sync.read(readFileSync(png)).width > 0);
  // The grid's images: the true image, then per band the image with that band imputed and the others true.
  const model = await load(join(dir, 'm'));
  const { images } = loadMnistImages('train'),
    d = bands(images, 400);
  const grid = imputationGrid([{ name: 'm', model: model.net, fit: model.json.latentFit! }], d);
  t.deepEqual(
    grid.columns.map((c) => c.shows),
    ['true image', 'imputed view 3', 'imputed view 2', 'imputed view 1'],
  );
  const [truth, ...imputed] = grid.rows[0].images;
  t.is(truth.length, 784);
  imputed.forEach((img, a) => {
    const band = 3 - a, // view 3 first
      [from, to] = [
        [0, 252],
        [252, 532],
        [532, 784],
      ][band - 1];
    t.deepEqual(img.subarray(0, from), truth.subarray(0, from), 'the bands above it are the truth');
    t.deepEqual(img.subarray(to), truth.subarray(to), 'the bands below it are the truth');
    t.notDeepEqual(img.subarray(from, to), truth.subarray(from, to), 'its own band is imputed');
  });
});

test('plot draws a three-view model on its held-out rows: every pair of views, each view given the others', (t) => {
  const { dir } = threeBandModel(t);
  const out = join(dir, 'figures');
  const r = jpvae('plot', '--model', join(dir, 'm'), '--out', out, '--samples', '4', '--json');
  t.is(r.code, 0, r.err);
  for (const f of ['imputations', 'cross-correlation', 'training-curves', 'calibration'])
    t.true(existsSync(join(out, `${f}.png`)) && existsSync(join(out, `${f}.svg`)), f);
  const cal = JSON.parse(readFileSync(join(out, 'calibration.json'), 'utf8'));
  t.deepEqual(Object.keys(cal.models[0].calibration.impute), ['x1_given_x2_x3', 'x2_given_x1_x3', 'x3_given_x1_x2']);
  const svg = readFileSync(join(out, 'cross-correlation.svg'), 'utf8');
  for (const pair of ['views 1 and 2', 'views 1 and 3', 'views 2 and 3']) t.true(svg.includes(pair), pair);
});

test('plot takes rows from files for a model that cannot reopen its own (one trained from arrays)', async (t) => {
  const { dir, files } = threeBandModel(t);
  const d = bands(loadMnistImages('train').images, 400);
  const model = await fit(
    d.xs.map((x, i) => ({ data: x, width: d.dims[i] })),
    { hidden: [16], latent: 3, epochs: 1, threads: 1 },
  );
  const saved = join(dir, 'arrays');
  await model.save(saved);
  const none = jpvae('plot', '--model', saved, '--samples', '2');
  t.is(none.code, 2);
  t.regex(none.err, /give rows with --view F, one per view/);
  const r = jpvae(
    'plot',
    '--model',
    saved,
    ...files.flatMap((f) => ['--view', f]),
    '--samples',
    '2',
    '--out',
    join(dir, 'f'),
  );
  t.is(r.code, 0, r.err);
  t.true(existsSync(join(dir, 'f', 'calibration.png')));
});
