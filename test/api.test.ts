// The high-level API (src/api): fit() trains exactly as `jpvae train`, a
// model moves between the API and the CLI as the same files, imputations
// come back in the data's own units, and the library's entry point bundles
// for a browser without any Node module.

import test from 'ava';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { fit, fromFiles, load, parseMatrix, FitRun, InputError, type Matrix } from '../src/index.ts';
import { checkConfig } from '../src/model/config.ts';
import { parseBeta } from '../src/train/beta.ts';
import { Rng } from '../src/data/rng.ts';
import { jpvae, tempDir } from './util.ts';
import { camelCaseKeys } from '../src/io/json-keys.ts';

/** Real-valued views far from 0 and 1 (x = 100 + 20·(A·s + noise)), every 7th row lacking one view; and complete test rows. */
function writeViews(dir: string, n = 280, nTest = 40) {
  const rng = new Rng(11),
    dims = [5, 4];
  const A = dims.map((d) => Array.from({ length: d }, () => [rng.normal(), rng.normal()]));
  const row = () => {
    const s = [rng.normal(), rng.normal()];
    return A.map((a) => a.map(([p, q]) => 100 + 20 * (p * s[0] + q * s[1] + 0.3 * rng.normal())));
  };
  const csv = (rows: (number[] | null)[]) =>
    rows.map((r) => (r ? r.map((v) => v.toFixed(4)).join(',') : '')).join('\n') + '\n';
  const train = Array.from({ length: n }, row),
    test = Array.from({ length: nTest }, row);
  for (const i of [0, 1]) {
    writeFileSync(
      join(dir, `train${i + 1}.csv`),
      csv(train.map((r, k) => (k % 7 === 3 && (k / 7) % 2 < 1 === (i === 0) ? null : r[i]))),
    );
    writeFileSync(join(dir, `test${i + 1}.csv`), csv(test.map((r) => r[i])));
  }
  const read = (name: string): Matrix => parseMatrix(readFileSync(join(dir, name)), name);
  return { read, files: (name: string) => join(dir, name) };
}

const view = (m: Matrix) => ({ data: m.data, width: m.cols });
const FLAGS = [
  '--likelihood1',
  'gaussian',
  '--likelihood2',
  'gaussian:0.5',
  '--latent',
  '2',
  '--hidden',
  '16',
  '--epochs',
  '2',
  '--seed',
  '3',
  '--batch',
  '16',
];
const OPTIONS = {
  likelihood: ['gaussian', 'gaussian:0.5'] as [string, string],
  latent: 2,
  hidden: [16],
  epochs: 2,
  seed: 3,
  batch: 16,
};

test('fit() trains exactly as jpvae train: the same weights bytes and latent fit for the same rows and seed', async (t) => {
  const dir = tempDir(t),
    { read, files } = writeViews(dir);
  const r = jpvae(
    'train',
    '--view1',
    files('train1.csv'),
    '--view2',
    files('train2.csv'),
    ...FLAGS,
    '--out',
    join(dir, 'cli'),
  );
  t.is(r.code, 0, r.err);
  const epochs: number[] = [];
  // parseMatrix's matrices as they are: fit takes the shape the readers return.
  const model = await fit(
    { view1: read('train1.csv'), view2: read('train2.csv') },
    { ...OPTIONS, onEpoch: (e) => epochs.push(e.epoch) },
  );
  t.deepEqual(epochs, [1, 2]);
  const mine = model.toFiles();
  const cli = camelCaseKeys(JSON.parse(readFileSync(join(dir, 'cli', 'model.json'), 'utf8'))) as any;
  t.deepEqual((camelCaseKeys(JSON.parse(mine['model.json'] as string)) as any).files, cli.files); // the same names: the same steps and checksums
  t.deepEqual(mine[cli.files.weights.name], new Uint8Array(readFileSync(join(dir, 'cli', cli.files.weights.name))));
  t.deepEqual(
    mine[cli.files.trainState.name],
    new Uint8Array(readFileSync(join(dir, 'cli', cli.files.trainState.name))),
  );
  t.deepEqual(model.json.latentFit, cli.latentFit);
  t.deepEqual(model.json.config, cli.config);
});

test('FitRun: stopped part way through an epoch and run again, then continued past its end, it gives the weights of one uninterrupted run', async (t) => {
  const { read } = writeViews(tempDir(t));
  const views = () => ({ view1: view(read('train1.csv')), view2: view(read('train2.csv')) });
  const weightsOf = (files: Record<string, string | Uint8Array>) =>
    files[JSON.parse(files['model.json'] as string).files.weights.name];
  const straight = await fit(views(), { ...OPTIONS, epochs: 3 });

  const run = await FitRun.start(views(), OPTIONS);
  t.is(run.heldOutFrom, 252); // the last ⌈0.1·280⌉ rows
  t.is(run.rows, 280);
  const stop = new AbortController(),
    steps: number[] = [];
  const stopped = await run.run({
    signal: stop.signal,
    onStep: (s) => {
      steps.push(s.step);
      if (s.epoch === 2 && s.step === 3) stop.abort();
    },
  });
  t.false(stopped);
  t.is(run.epoch, 1);
  t.is(steps.at(-1), 3); // the turn of the event loop after the step that aborted
  t.throws(() => run.model(), { instanceOf: InputError, message: /trained 1 of 2 epochs/ });
  t.true(await run.run());
  t.deepEqual(
    run.history.map((h) => h.epoch),
    [1, 2],
  );
  const two = run.model();
  t.true(await run.run({ epochs: 3 }));
  t.deepEqual(weightsOf(run.model().toFiles()), weightsOf(straight.toFiles()));
  t.deepEqual(run.model().json.latentFit, straight.json.latentFit);
  t.is(two.json.training?.state.epoch, 2); // the model taken before is left as it was
  await t.throwsAsync(run.run({ epochs: 2 }), { instanceOf: InputError, message: /above the 3 already trained/ });
});

test('a model moves between the API and the CLI: save/load, toFiles/fromFiles, jpvae impute and eval give the same imputations', async (t) => {
  const dir = tempDir(t),
    { read, files } = writeViews(dir);
  const model = await fit({ view1: view(read('train1.csv')), view2: view(read('train2.csv')) }, OPTIONS);
  const tops = read('test1.csv');
  const imputed = model.impute(view(tops), { given: 1 });
  t.is(imputed.length, 40 * 4);
  // In the data's units: near the training rows' level (≈100), not standardised (≈0).
  const mean = imputed.reduce((a, b) => a + b, 0) / imputed.length;
  t.true(mean > 60 && mean < 140, `mean imputed value ${mean}`);
  // The matrix parseMatrix returns is taken as it is, by every call that reads rows.
  t.deepEqual(model.impute(tops, { given: 1 }), imputed);
  t.deepEqual(model.encode(tops, { view: 1 }), model.encode(view(tops), { view: 1 }));
  t.throws(() => model.impute({ ...tops, rows: 41 }, { given: 1 }), {
    instanceOf: InputError,
    message: 'rows: rows 41, but 200 values of cols 5 are 40 rows',
  });

  t.deepEqual((await fromFiles(model.toFiles())).impute(view(tops), { given: 1 }), imputed);
  const saved = join(dir, 'api');
  await model.save(saved);
  t.deepEqual(
    (await load(saved)).impute(view(tops), { given: 1, samples: 3, seed: 5 }),
    model.impute(view(tops), { given: 1, samples: 3, seed: 5 }),
  );

  // The CLI reads the API's model: its imputations are the API's, to CSV's 7 digits.
  const out = join(dir, 'imputed.csv');
  const r = jpvae('impute', '--model', saved, '--given', '1', '--input', files('test1.csv'), '--out', out);
  t.is(r.code, 0, r.err);
  const cli = parseMatrix(readFileSync(out), 'imputed.csv');
  t.true(cli.data.every((v, i) => Math.abs(v - imputed[i]) <= 1e-6 * Math.abs(imputed[i])));
  const ev = jpvae('eval', '--model', saved, '--view1', files('test1.csv'), '--view2', files('test2.csv'), '--json');
  t.is(ev.code, 0, ev.err);
  const metrics = model.evaluate({ view1: view(tops), view2: view(read('test2.csv')) });
  t.deepEqual(model.evaluate([tops, read('test2.csv')]), metrics);
  const { split: _s, conditional: _c, pairing, ...cliMetrics } = JSON.parse(ev.out);
  const { split: _m, ...apiMetrics } = metrics;
  t.deepEqual(pairing, { by: 'position', complete: 40, per_view: [40, 40] }, 'how the new files paired');
  t.deepEqual(cliMetrics, apiMetrics); // the sampled terms too: z is drawn in the same batches
  const own = jpvae('eval', '--model', saved);
  t.is(own.code, 2);
  t.regex(
    own.err,
    /^jpvae eval: the model records no training data to reopen \(it was trained from memory, through the API\); give rows with --view F, one per view\n$/,
  );

  // The API's ONNX export is the CLI's, file for file.
  const onnxDir = join(dir, 'onnx');
  t.is(jpvae('export', '--model', saved, '--out', onnxDir).code, 0);
  const { files: exported } = model.exportOnnx();
  t.deepEqual(Object.keys(exported).sort(), readdirSync(onnxDir).sort());
  for (const [name, bytes] of Object.entries(exported))
    t.deepEqual(new Uint8Array(bytes), new Uint8Array(readFileSync(join(onnxDir, name))), name);

  // And the API reads the CLI's model.
  const cliDir = join(dir, 'cli');
  t.is(
    jpvae('train', '--view1', files('train1.csv'), '--view2', files('train2.csv'), ...FLAGS, '--out', cliDir).code,
    0,
  );
  t.is(
    jpvae('impute', '--model', cliDir, '--given', '2', '--input', files('test2.csv'), '--out', out, '--force').code,
    0,
  );
  const fromCli = (await load(cliDir)).impute(view(read('test2.csv')), { given: 2 });
  t.true(
    parseMatrix(readFileSync(out), 'imputed.csv').data.every(
      (v, i) => Math.abs(v - fromCli[i]) <= 1e-6 * Math.abs(fromCli[i]),
    ),
  );
});

test('the API: arrays of rows with null for a missing view, one clear error for bad input, an abort signal', async (t) => {
  const dir = tempDir(t),
    { read } = writeViews(dir, 120, 5);
  const rows = (m: Matrix) =>
    Array.from({ length: m.rows }, (_, r) =>
      Number.isNaN(m.data[r * m.cols]) ? null : Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols)),
    );
  const a = await fit({ view1: rows(read('train1.csv')), view2: rows(read('train2.csv')) }, { ...OPTIONS, epochs: 1 });
  const b = await fit({ view1: view(read('train1.csv')), view2: view(read('train2.csv')) }, { ...OPTIONS, epochs: 1 });
  const weightsOf = (files: Record<string, Uint8Array | string>) =>
    files[JSON.parse(files['model.json'] as string).files.weights.name];
  t.deepEqual(weightsOf(a.toFiles()), weightsOf(b.toFiles()));
  await t.throwsAsync(fit({ view1: [[1, 2], [3]], view2: [[1], [2]] }), {
    instanceOf: InputError,
    message: 'view1: row 2 has 1 values, expected 2 like the first row',
  });
  await t.throwsAsync(fit({ view1: [[1, 2]], view2: [[0.5], [0.5]] }), {
    instanceOf: InputError,
    message: /^view2 has 2 rows but view1 has 1; views pair by row/,
  });
  t.throws(() => a.impute([[1, 2]], { given: 1 }), {
    instanceOf: InputError,
    message: 'rows: rows have 2 values, but view 1 of the model has 5',
  });
  t.throws(() => a.impute([[1, 2, 3, NaN, 5]], { given: 1 }), {
    instanceOf: InputError,
    message: /rows: row 1, column 4 is NaN/,
  });
  const stop = new AbortController();
  stop.abort();
  const aborted = await fit(
    { view1: view(read('train1.csv')), view2: view(read('train2.csv')) },
    { ...OPTIONS, signal: stop.signal },
  ).catch((e: Error) => e);
  t.is((aborted as Error).name, 'AbortError');
});

test('the library entry point bundles for a browser with no Node module in it', async (t) => {
  const r = await build({
    entryPoints: [new URL('../src/index.ts', import.meta.url).pathname],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'silent',
    metafile: true,
  });
  const imports = Object.values(r.metafile.inputs).flatMap((i) => i.imports.map((x) => x.path));
  t.deepEqual(
    imports.filter((p) => p.startsWith('node:')),
    [],
  );
  t.false(/\bfrom\s*"node:|import\("node:|require\("node:/.test(r.outputFiles[0].text));
});

test("no Node module in the compute core, model, training, imputation, the model files' contract or the parsers", (t) => {
  const src = new URL('../src/', import.meta.url).pathname;
  const files = ['core', 'model', 'train', 'impute', 'store']
    .flatMap((d) => readdirSync(join(src, d), { recursive: true }).map((f) => `${d}/${f}`))
    .concat(
      ['csv', 'npy', 'idx', 'parse', 'row-source', 'views', 'record', 'dataset', 'rng'].map((f) => `data/${f}.ts`),
    )
    .filter((f) => f.endsWith('.ts') && f !== 'store/store.ts'); // the model directory on disk
  t.true(files.length > 25);
  const nodeOnly = files.filter((f) =>
    /from '(node:|fs|path|os|v8)'|(?<!typeof )import\('node:|\bsetImmediate\(|\bBuffer\./.test(
      readFileSync(join(src, f), 'utf8').replace(/typeof setImmediate === 'function'.*\n/, ''),
    ),
  );
  t.deepEqual(nodeOnly, []);
});

test('the library names its options and config fields in errors; jpvae train words them as flags', (t) => {
  const two = { dims: [2, 2], hidden: [4], prior: { kind: 'orthogonal' as const, alpha: 0.5, flips: 0 } };
  // The two-view priors order the views by latent size themselves: n1 > n2 needs no swap.
  t.notThrows(() => checkConfig({ ...two, latent: [3, 2] }));
  t.throws(() => checkConfig({ ...two, latent: [2, 2], prior: { ...two.prior, alpha: 1 } }), { message: /^alpha: / });
  t.throws(() => checkConfig({ ...two, latent: [2, 2, 2] }), { message: /^latent: expected 2 positive integers/ });
  t.throws(() => parseBeta('linear'), { message: /^beta: expected constant/ });
  t.throws(
    () =>
      checkConfig({
        dims: [2, 2, 2],
        hidden: [4],
        latent: [2, 2, 2],
        prior: { kind: 'factor', alpha: 0.5, factors: 1 },
      }),
    { message: /^factors: expected an integer ≥ the largest latent size 2, got 1$/ },
  );
  const cli = jpvae('train', '--prior', 'factor', '--factors', '1', '--latent', '2,2', '--epochs', '1');
  t.is(cli.code, 2);
  t.regex(cli.err, /--factors: expected an integer ≥ the largest latent size 2, got 1/);
});

test.serial(
  "fit's threads warning reaches console.warn when no onWarning is given, and only onWarning when one is",
  async (t) => {
    const { read } = writeViews(tempDir(t), 60, 1);
    const views = [read('train1.csv'), read('train2.csv')];
    const warned: unknown[] = [],
      heard: string[] = [];
    const warn = console.warn;
    console.warn = (...a: unknown[]) => warned.push(a.join(' '));
    try {
      await fit(views, { ...OPTIONS, epochs: 1, backend: 'js', threads: 2 });
      await fit(views, { ...OPTIONS, epochs: 1, backend: 'js', threads: 2, onWarning: (m) => heard.push(m) });
    } finally {
      console.warn = warn;
    }
    t.deepEqual(warned, ['jpvae: 2 threads asked for, training on one: the js backend has no threads']);
    t.deepEqual(heard, ['2 threads asked for, training on one: the js backend has no threads']);
  },
);
