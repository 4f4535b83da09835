// The ONNX export of count views (poisson, nb) against the library, on a
// planted count problem (test/planted-counts.ts) with counts from 0 to
// tens of thousands (a fifth of them zero, a tenth 100 or more; imputed
// expected counts up to about 75) and
// training rows missing a view: a two-view model (nb, poisson) and an
// M-view one (nb, poisson, and a Gaussian view in units near 100). Every
// graph runs on onnxruntime-web (wasm EP, in Node), onnxruntime-node and
// jpvae's own engine, on raw counts, batches of 1, 7 and 300, within 1e-4
// relative of the library (and each expected count within 1e-4 of its
// own size); fp16 within 1e-2. The mean imputers equal `jpvae impute`, the
// samplers its latent draws (`--draws latent`, same seed); createImputer
// gives both, and its predictive draws of a count view are the library's
// count draws at those latent draws.

import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { plantedCounts } from './planted-counts.ts';
import { readMatrix } from '../src/data/matrix.ts';
import { drawCounts } from '../src/data/count-draws.ts';
import { applyStandardize, type Standardize } from '../src/data/views.ts';
import { conditionalOf } from '../src/impute/block-conditional.ts';
import { imputeInUnits, type Draws } from '../src/impute/impute.ts';
import type { Manifest } from '../src/onnx/manifest.ts';
import { loadModel } from '../src/store/load-model.ts';
import type { Jpvae } from '../src/model/jpvae.ts';
import { createImputer, type ExecutionProvider } from '../src/runtime/imputer.ts';
import { ENGINES } from './onnx-engines.ts';
import { decodeRows, encodeRows, samplerFeeds } from './onnx-reference.ts';
import { jpvae, maxRelErr, Rng } from './util.ts';

const dir = mkdtempSync(join(tmpdir(), 'jpvae-onnx-counts-'));
const BATCHES = [1, 7, 300];
const TEST_ROWS = 300;
const TOL = 1e-4,
  FP16_TOL = 1e-2;

// ---- the data: planted NB counts (baseline 2.5: rates from below 1 to thousands), 20% of the rows missing a view ----

const TRAIN_ROWS = 500;
const d = plantedCounts({ n: TRAIN_ROWS + TEST_ROWS, dims: [12, 9], baseline: 2.5, seed: 3 });
// A third, Gaussian view for the M-view model: 10·log1p of view 1's first 4 counts plus 100, present with view 1.
const G_DIM = 4;
const x3 = Float32Array.from({ length: d.n * G_DIM }, (_, t) => {
  const r = Math.floor(t / G_DIM);
  return 100 + 10 * Math.log1p(d.xs[0][r * d.dims[0] + (t % G_DIM)]) + Math.sin(t);
});
// Present bits: view v is bit v − 1; the third view is present with view 1.
const VIEWS = [
  { x: d.xs[0], dim: d.dims[0], bit: 1 },
  { x: d.xs[1], dim: d.dims[1], bit: 2 },
  { x: x3, dim: G_DIM, bit: 1 },
];
/** View v's rows from..to as CSV; in training rows a missing view is a row of empty cells. */
function writeView(v: number, name: string, from: number, to: number, missing: boolean): string {
  const { x, dim, bit } = VIEWS[v],
    lines = [];
  for (let r = from; r < to; r++)
    lines.push(
      missing && !(d.present![r] & bit)
        ? ','.repeat(dim - 1)
        : Array.from(x.subarray(r * dim, (r + 1) * dim)).join(','),
    );
  const f = join(dir, `${name}${v + 1}.csv`);
  writeFileSync(f, lines.join('\n') + '\n');
  return f;
}
const trainFiles = [0, 1, 2].map((v) => writeView(v, 'train', 0, TRAIN_ROWS, true));
// Held-out rows as planted: a view the planting left out is all zeros, a row of counts too.
const testFiles = [0, 1, 2].map((v) => writeView(v, 'test', TRAIN_ROWS, d.n, false));
const testRows = testFiles.map((f) => readMatrix(f, 'test').data);

const TWO = join(dir, 'two'),
  MULTI = join(dir, 'multi');
const exportOf = (model: string, fp16 = false) => `${model}-onnx${fp16 ? '16' : ''}`;

/** What the reference needs of either model: its views, standardisation and imputation. */
interface Lib {
  net: Jpvae;
  std: readonly (Standardize | null)[];
  impute(given: number[], t: number, xs: Float32Array[], n: number, draws?: Draws): Float32Array;
}
let two: Lib, multi: Lib;

test.before(() => {
  const run = (...args: string[]) => {
    const r = jpvae(...args);
    if (r.code !== 0) throw new Error(`jpvae ${args[0]} failed: ${r.err}`);
  };
  const common = ['--hidden', '16,8', '--epochs', '20', '--holdout', '0'];
  run(
    'train',
    ...['--view1', trainFiles[0], '--view2', trainFiles[1], '--likelihood1', 'nb', '--likelihood2', 'poisson'],
    ...[...common, '--latent', '2,3', '--out', TWO],
  );
  run(
    'train',
    ...trainFiles.flatMap((f) => ['--view', f]),
    ...['nb', 'poisson', 'gaussian'].flatMap((l) => ['--likelihood', l]),
    ...[...common, '--latent', '3,2,2', '--out', MULTI],
  );
  for (const m of [TWO, MULTI])
    for (const fp16 of [false, true])
      run(
        'export',
        '--model',
        m,
        '--out',
        exportOf(m, fp16),
        ...(m === MULTI ? ['--subsets', 'all'] : []),
        ...(fp16 ? ['--fp16'] : []),
      );
  two = loadLib(TWO);
  multi = loadLib(MULTI);
});

/** A model as the reference uses it: imputeInUnits through Eq. 12 of its latent fit, views numbered from 0 here. */
function loadLib(at: string): Lib {
  const { model, json } = loadModel(at, { maxRows: TEST_ROWS }),
    std = json.data.standardize;
  return {
    net: model,
    std,
    impute: (given, t, xs, n, draws) =>
      imputeInUnits(
        model,
        conditionalOf(
          json.latentFit!,
          given.map((g) => g + 1),
          [t + 1],
        ),
        std,
        xs.map((x) => x.slice()),
        n,
        draws,
      )[0],
  };
}

// ---- the reference: the library's forward on the same raw rows ----

const rowsOf = (v: number, n: number) => testRows[v].slice(0, n * VIEWS[v].dim);
/** Posterior means and log-variances of view v for n raw rows. */
function encodeOurs(lib: Lib, v: number, x: Float32Array, n: number) {
  const s = lib.std[v];
  x = x.slice();
  if (s) applyStandardize(x, VIEWS[v].dim, s);
  return encodeRows(lib.net, v, x, n);
}

/** The likelihood's mean of view v at latents z, in raw units (e^η for counts). */
function decodeOurs(lib: Lib, v: number, z: Float32Array, n: number): Float32Array {
  const y = decodeRows(lib.net, v, z, n);
  if (lib.std[v]) applyStandardize(y, VIEWS[v].dim, lib.std[v]!, true);
  return y;
}

/** A graph's feeds and the library's outputs for n rows. */
function reference(lib: Lib, name: string, n: number) {
  const coder = /^(encoder|decoder)(\d)$/.exec(name);
  if (coder) {
    const v = Number(coder[2]) - 1,
      enc = encodeOurs(lib, v, rowsOf(v, n), n);
    if (coder[1] === 'encoder')
      return {
        feeds: { [`x${v + 1}`]: rowsOf(v, n) },
        expected: { [`mu${v + 1}`]: enc.mu, [`logvar${v + 1}`]: enc.logvar },
      };
    return { feeds: { [`z${v + 1}`]: enc.mu }, expected: { [`x${v + 1}`]: decodeOurs(lib, v, enc.mu, n) } };
  }
  const [, kind, ts, gs] = /^(impute|sample)_(\d)_from_([\d_]+)$/.exec(name)!;
  const t = Number(ts) - 1,
    given = gs.split('_').map((g) => Number(g) - 1),
    xs = given.map((g) => rowsOf(g, n));
  const feeds: Record<string, Float32Array> = Object.fromEntries(given.map((g, a) => [`x${g + 1}`, xs[a]]));
  if (kind === 'impute') return { feeds, expected: { [`x${t + 1}`]: lib.impute(given, t, xs, n) } };
  const gaussian = lib.net.views[t].likelihood.kind === 'gaussian';
  Object.assign(feeds, samplerFeeds(lib.net, t, n, 11));
  // A count view's sampler gives the decoded latent draw: the library's latent draws (observation: false).
  const again = new Rng(11);
  const draws: Draws = { noise: () => again.normal(), observation: gaussian };
  return { feeds, expected: { [`x${t + 1}`]: lib.impute(given, t, xs, n, draws) } };
}

/** The worst |Δ| / |expected| over the elements: each expected count against its own size. */
function elementRelErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++)
    worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(Math.abs(want[i]), 1e-6));
  return worst;
}

const manifestOf = (d: string) => JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')) as Manifest;

/** The worst error of every graph of an export on one engine: global relative (all outputs), per element (count outputs). */
async function worstErrors(lib: Lib, exportDir: string, engine: string) {
  const m = manifestOf(exportDir),
    worst: Record<string, { global: number; element: number }> = {};
  for (const name of Object.keys(m.graphs)) {
    const { run, inputs } = await ENGINES[engine](join(exportDir, `${name}.onnx`));
    let global = 0,
      element = 0;
    for (const n of BATCHES) {
      const { feeds, expected } = reference(lib, name, n);
      if (inputs.slice().sort().join() !== Object.keys(feeds).sort().join())
        throw new Error(`${name}: inputs ${inputs} but feeds ${Object.keys(feeds)}`);
      const out = await run(feeds, n);
      for (const [k, want] of Object.entries(expected)) {
        global = Math.max(global, maxRelErr(out[k], want));
        const v = Number(/^x(\d)$/.exec(k)?.[1] ?? 0);
        if (v && m.views[v - 1].likelihood.kind !== 'gaussian')
          element = Math.max(element, elementRelErr(out[k], want));
      }
    }
    worst[name] = { global, element };
  }
  return worst;
}

const libOf = (model: string) => (model === TWO ? two : multi);
for (const model of [TWO, MULTI])
  for (const engine of Object.keys(ENGINES))
    test.serial(
      `${model === TWO ? 'two views (nb, poisson)' : 'M views (nb, poisson, gaussian), --subsets all'}: every graph on ${engine} equals the library on raw counts within ${TOL}`,
      async (t) => {
        const worst = await worstErrors(libOf(model), exportOf(model), engine);
        t.is(Object.keys(worst).length, model === TWO ? 8 : 3 * 2 + 9 * 2);
        for (const [name, e] of Object.entries(worst)) {
          t.true(e.global <= TOL, `${name}: ${e.global.toExponential(2)}`);
          t.true(e.element <= TOL, `${name}: per count ${e.element.toExponential(2)}`);
        }
        const max = (k: 'global' | 'element') => Math.max(...Object.values(worst).map((e) => e[k]));
        t.log(
          `worst relative error ${max('global').toExponential(1)}, per expected count ${max('element').toExponential(1)}`,
        );
      },
    );

test.serial(`fp16: every graph of both count exports within ${FP16_TOL} relative of the library`, async (t) => {
  for (const model of [TWO, MULTI]) {
    let worst = 0;
    for (const engine of ['onnxruntime-web', 'jpvae-wasm'])
      for (const e of Object.values(await worstErrors(libOf(model), exportOf(model, true), engine)))
        worst = Math.max(worst, e.global);
    t.log(`${model === TWO ? 'two views' : 'M views'}: fp16 worst relative error ${worst.toExponential(1)}`);
    t.true(worst > 0 && worst < FP16_TOL);
  }
});

test('the data: counts far from 0 and 1 and zeros, in the test rows and in the imputations', (t) => {
  const x = [...testRows[0], ...testRows[1]];
  t.true(x.filter((v) => v === 0).length > 0.1 * x.length);
  t.true(x.filter((v) => v >= 100).length > 0.05 * x.length);
  const y = [
    ...two.impute([1], 0, [rowsOf(1, TEST_ROWS)], TEST_ROWS),
    ...two.impute([0], 1, [rowsOf(0, TEST_ROWS)], TEST_ROWS),
  ];
  t.true(Math.max(...y) > 50, `largest imputed count ${Math.max(...y)}`);
});

test("the manifest records each view's likelihood, its median total and an nb view's dispersion", (t) => {
  const m = manifestOf(exportOf(TWO)),
    written = JSON.parse(readFileSync(join(exportOf(TWO), 'manifest.json'), 'utf8'));
  t.is(written.format_version, 6);
  t.deepEqual(
    m.views.map((v) => [v.likelihood.kind, v.standardize, v.observation_sd]),
    [
      ['nb', null, null],
      ['poisson', null, null],
    ],
  );
  const json = JSON.parse(readFileSync(join(TWO, 'model.json'), 'utf8'));
  t.deepEqual(written.views[0].likelihood, json.config.likelihood[0]); // kind and median_total, as model.json has them
  t.true((written.views[0].likelihood.median_total as number) > 1);
  t.deepEqual(m.views[0].dispersion, Array.from(two.net.dispersion(0)!));
  t.is(m.views[1].dispersion, null);
  t.deepEqual(
    m.graphs.sample_1_from_2.inputs.map((s) => s.name),
    ['x2', 'eps1'],
  );
  t.regex(m.graphs.impute_1_from_2.outputs[0].doc, /expected counts of view 1 at size factor 1/);
  t.regex(m.graphs.encoder1.inputs[0].doc, /counts .*log1p/);
  t.regex(m.draws, /count view .*draws no counts/);
  t.deepEqual(
    manifestOf(exportOf(MULTI)).views.map((v) => [v.likelihood.kind, v.dispersion === null, v.standardize === null]),
    [
      ['nb', false, true],
      ['poisson', true, true],
      ['gaussian', true, false],
    ],
  );
});

test.serial(
  'jpvae impute equals the count exports: the mean imputers, and the samplers its --draws latent draws',
  async (t) => {
    const node = (d: string, name: string) => ENGINES['onnxruntime-node'](join(d, `${name}.onnx`));
    const mean = join(dir, 'cli-mean.npy'),
      draws = join(dir, 'cli-draws.npy');
    t.is(jpvae('impute', '--model', TWO, '--given', '2', '--input', testFiles[1], '--out', mean).code, 0);
    const got = (await (await node(exportOf(TWO), 'impute_1_from_2')).run({ x2: testRows[1] }, TEST_ROWS)).x1;
    t.true(elementRelErr(got, readMatrix(mean, 'm').data) <= TOL);
    const args = ['--given', '1,3', '--target', '2', '--input', testFiles[0], '--input', testFiles[2]];
    const multiMean = join(dir, 'cli-multi-mean.npy');
    t.is(jpvae('impute', '--model', MULTI, ...args, '--out', multiMean).code, 0);
    const feeds = { x1: testRows[0], x3: testRows[2] };
    const m2 = (await (await node(exportOf(MULTI), 'impute_2_from_1_3')).run(feeds, TEST_ROWS)).x2;
    t.true(elementRelErr(m2, readMatrix(multiMean, 'm').data) <= TOL);
    // Three latent draws per row from Rng(9), through the runtime (its noise order is the CLI's).
    const r = jpvae(
      'impute',
      '--model',
      TWO,
      '--given',
      '2',
      '--input',
      testFiles[1],
      '--out',
      draws,
      ...['--samples', '3', '--seed', '9', '--draws', 'latent'],
    );
    t.is(r.code, 0, r.err);
    const imputer = await createImputer(exportOf(TWO), { executionProviders: ['jpvae-wasm'] });
    try {
      const y = await imputer.impute(testRows[1].slice(), { given: 2, samples: 3, seed: 9, draws: 'latent' });
      t.true(elementRelErr(y, readMatrix(draws, 'd').data) <= TOL);
    } finally {
      await imputer.close();
    }
  },
);

for (const provider of ['wasm', 'jpvae-wasm'] as ExecutionProvider[])
  test(`createImputer on ${provider}: count exports impute as the library, batches 1, 7 and 300`, async (t) => {
    for (const [model, lib] of [
      [TWO, two],
      [MULTI, multi],
    ] as const) {
      const imputer = await createImputer(exportOf(model), { executionProviders: [provider] });
      try {
        t.is(imputer.executionProvider, provider);
        for (const { given, target } of imputer.manifest.imputers)
          for (const n of BATCHES) {
            const xs = given.map((g) => rowsOf(g - 1, n));
            const want = lib.impute(
              given.map((g) => g - 1),
              target - 1,
              xs,
              n,
            );
            const got = await imputer.impute(
              xs.map((x) => x.slice()),
              { given, target },
            );
            t.true(maxRelErr(got, want) <= TOL, `${target} from ${given}, ${n} rows`);
          }
        const counts = imputer.manifest.views.find((v) => v.likelihood.kind !== 'gaussian')!.view;
        const imputerOf = imputer.manifest.imputers.find((i) => i.target === counts)!;
        // Predictive draws: counts from the view's Poisson or NB at the sampler's latent draws, by the library's draw code on a fork of the seed's stream.
        const xs = () => imputerOf.given.map((g) => rowsOf(g - 1, 40));
        const latent = await imputer.impute(xs(), {
          given: imputerOf.given,
          target: counts,
          samples: 3,
          seed: 5,
          draws: 'latent',
        });
        const drawn = await imputer.impute(xs(), { given: imputerOf.given, target: counts, samples: 3, seed: 5 });
        const want = latent.slice();
        drawCounts(
          new Rng(5).fork(),
          want,
          lib.net.views[counts - 1].dim,
          lib.net.views[counts - 1].dispersion(lib.net.P),
        );
        t.deepEqual(drawn, want);
        t.true(drawn.every((x) => Number.isInteger(x) && x >= 0));
        t.true(
          drawn.some((x, i) => x !== Math.round(latent[i])),
          'counts, not the rounded means',
        );
        t.deepEqual(await imputer.impute(xs(), { given: imputerOf.given, target: counts, samples: 3, seed: 5 }), drawn);
      } finally {
        await imputer.close();
      }
    }
  });
