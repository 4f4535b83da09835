// The PyTorch twin's commands at their edges: a model started in PyTorch
// from a jpvae config (init, then train) deploys through `jpvae export`; a
// jpvae model read and written back by the twin loses nothing; bad input
// is one line naming the flag or file, exit code 2, no traceback, nothing
// written.

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writePlantedCsv } from './planted-files.ts';
import { jpvae, maxRelErr, tempDir } from './util.ts';
import { decodeSafetensors } from '../src/io/safetensors.ts';
import { twin, withTorch } from './torch-twin-util.ts';

const test = withTorch('torch-twin-cli tests');

const CONFIG = {
  dims: [8, 6],
  hidden: [16],
  latent: [2, 2],
  prior: { kind: 'svd', alpha: 0.95 },
  likelihood: ['gaussian', 'gaussian:0.5'],
};

test('a model started in PyTorch from a jpvae config trains there and deploys through jpvae export', (t) => {
  const dir = tempDir(t);
  writePlantedCsv(dir, 200, 20, 0.1, 8);
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify(CONFIG));
  const views = ['--view1', join(dir, 'train1.csv'), '--view2', join(dir, 'train2.csv')];
  const [start, trained, exported] = ['start', 'trained', 'export'].map((m) => join(dir, m));
  let r = twin('init', '--config', config, ...views, '--out', start);
  t.is(r.code, 0, r.err);
  r = twin('train', '--init', start, ...views, '--epochs', '2', '--out', trained);
  t.is(r.code, 0, r.err);
  const e = jpvae('export', '--model', trained, '--out', exported);
  t.is(e.code, 0, e.err);
  t.true(readdirSync(exported).includes('impute_2_from_1.onnx'));
  const i = jpvae(
    'impute',
    '--model',
    trained,
    '--given',
    '2',
    '--input',
    join(dir, 'test2.csv'),
    '--out',
    join(dir, 'y.csv'),
  );
  t.is(i.code, 0, i.err);
});

/** The tensors of a model directory's weights or train-state file, as jpvae decodes them. */
function tensorsOf(dir: string, kind: 'weights' | 'train_state') {
  const name = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).files[kind].name;
  return decodeSafetensors(readFileSync(join(dir, name)), name).tensors;
}

test('a jpvae model through the twin with no epochs comes back as it was: weights, moments, latent fit, its eval', (t) => {
  const dir = tempDir(t);
  writePlantedCsv(dir, 200, 20, 0.1, 10);
  const views = ['--view1', join(dir, 'train1.csv'), '--view2', join(dir, 'train2.csv')];
  const [model, back] = ['model', 'back'].map((m) => join(dir, m));
  t.is(jpvae('train', ...views, '--likelihood', 'gaussian', '--hidden', '16', '--epochs', '2', '--out', model).code, 0);
  const r = twin('train', '--init', model, ...views, '--epochs', '0', '--out', back);
  t.is(r.code, 0, r.err);
  for (const kind of ['weights', 'train_state'] as const) {
    const [a, b] = [model, back].map((m) => tensorsOf(m, kind));
    t.deepEqual([...b.keys()], [...a.keys()]);
    for (const [name, x] of a) t.deepEqual(b.get(name)!.data, x.data, `${kind} ${name}: the same bits`);
  }
  const json = (m: string) => JSON.parse(readFileSync(join(m, 'model.json'), 'utf8'));
  t.deepEqual(json(back).training.state, json(model).training.state);
  const [fitA, fitB] = [model, back].map((m) => json(m).latent_fit);
  for (const key of ['mean', 'cov'] as const) t.true(maxRelErr(fitB[key], fitA[key]) < 1e-5, `latent fit ${key}`);
  const [evalA, evalB] = [model, back].map((m) => JSON.parse(jpvae('eval', '--model', m, '--json').out));
  for (const key of ['x1_given_x2', 'x2_given_x1'])
    t.true(Math.abs(evalB.impute[key] / evalA.impute[key] - 1) < 1e-5, `eval's ${key}`);
});

test('bad input: one line naming the flag or file, exit 2, nothing written', (t) => {
  const dir = tempDir(t);
  writePlantedCsv(dir, 100, 10, 0.1, 9);
  const config = join(dir, 'config.json'),
    model = join(dir, 'model'),
    out = join(dir, 'out');
  writeFileSync(config, JSON.stringify(CONFIG));
  const views = ['--view1', join(dir, 'train1.csv'), '--view2', join(dir, 'train2.csv')];
  const trained = jpvae(
    'train',
    ...views,
    '--likelihood',
    'gaussian',
    '--hidden',
    '8',
    '--epochs',
    '1',
    '--out',
    model,
  );
  t.is(trained.code, 0, trained.err);
  const threeViews = JSON.stringify({
    ...CONFIG,
    dims: [8, 6, 6],
    latent: [2, 2, 2],
    likelihood: ['gaussian', 'gaussian', 'gaussian'],
  });
  writeFileSync(join(dir, 'three.json'), threeViews);
  writeFileSync(
    join(dir, 'covariates.json'),
    JSON.stringify({ ...CONFIG, covariates: [{ name: 'batch', categories: ['a', 'b'] }] }),
  );
  const cases: [string[], RegExp][] = [
    [
      ['impute', '--model', join(dir, 'none'), '--given', '1', '--input', 'x.csv', '--out', out + '.csv'],
      /--model .*none: no model\.json/,
    ],
    [
      ['impute', '--model', model, '--given', '3', '--input', join(dir, 'test1.csv'), '--out', out + '.csv'],
      /--given 3: expected distinct view numbers from 1 to 2/,
    ],
    [
      ['impute', '--model', model, '--given', '1', '--input', join(dir, 'test2.csv'), '--out', out + '.csv'],
      /--input .*test2\.csv: 6 columns, the model's view 1 has 8/,
    ],
    [
      [
        'train',
        '--init',
        model,
        '--view1',
        join(dir, 'test1.csv'),
        '--view2',
        join(dir, 'test2.csv'),
        '--epochs',
        '1',
        '--out',
        out,
      ],
      /--view1: the view files have 10 rows, the model was trained on 100/,
    ],
    [['train', '--init', model, ...views, '--epochs', '1', '--out', model], /--out .*model: exists; pass --force/],
    [
      ['init', '--config', join(dir, 'three.json'), ...views, '--view', join(dir, 'train2.csv'), '--out', out],
      /prior\.kind: the svd prior is for two views/,
    ],
    [
      ['init', '--config', join(dir, 'covariates.json'), ...views, '--out', out],
      /covariates: the PyTorch twin does not take a model with covariates yet/,
    ],
    [['fit'], /unknown command 'fit'/],
  ];
  for (const [args, line] of cases) {
    const r = twin(...args);
    t.is(r.code, 2, `${args.join(' ')}: ${r.err}`);
    t.regex(r.err, line);
    t.is(r.err.trim().split('\n').length, 1, `one line: ${r.err}`);
    t.false(existsSync(out) || existsSync(out + '.csv'), `${args[0]} wrote nothing`);
  }
});
