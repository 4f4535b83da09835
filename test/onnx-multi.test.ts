// The ONNX export of an M-view model (three views: a Gaussian view with
// means near 300 and sds of 0.05, a Bernoulli view, a Gaussian view with
// means of −50 and 1000 and sds of 300; training rows missing one or two
// views) against the library's M-view imputation. Every exported graph
// (with --subsets all: every view from every set of the others) runs on
// onnxruntime-web (wasm EP, in Node), onnxruntime-node and jpvae's own
// engine, on raw rows, batches of 1, 7 and 300, within 1e-4 relative of
// the library (max |Δ| / max |reference|); fp16 within 1e-2. Also: the
// manifest, `jpvae impute --given … --target …` itself, the runtime's
// createImputer on an M-view export, and the export's exit-2 paths.

import test from 'ava';
import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMatrix } from '../src/data/matrix.ts';
import { applyStandardize } from '../src/data/views.ts';
import { jsonText } from '../src/io/json-keys.ts';
import { conditionalOf } from '../src/impute/block-conditional.ts';
import { imputeViews } from '../src/impute/impute.ts';
import type { Manifest } from '../src/onnx/manifest.ts';
import { readModelFiles } from '../src/store/store.ts';
import type { ModelJson } from '../src/store/files.ts';
import { loadModel } from '../src/store/load-model.ts';
import { modelOf } from '../src/api/model.ts';
import type { Jpvae } from '../src/model/jpvae.ts';
import { ENGINES } from './onnx-engines.ts';
import { decodeRows, encodeRows, samplerFeeds } from './onnx-reference.ts';
import { createImputer, type ExecutionProvider } from '../src/runtime/imputer.ts';
import { jpvae, maxRelErr, Rng } from './util.ts';

const dir = mkdtempSync(join(tmpdir(), 'jpvae-onnx-multi-'));
const BATCHES = [1, 7, 300];
const TOL = 1e-4,
  FP16_TOL = 1e-2;
const TEST_ROWS = 300;

// ---- the data: x_v = units(A_v·s + noise), s ∈ R³ shared; view 2 thresholded to 0/1 ----

const DIMS = [5, 6, 4];
const MEAN = [[300, 300, 300, 300, 300], null, [-50, 1000, -50, 1000]];
const SD = [[0.05, 0.05, 0.05, 0.05, 0.05], null, [300, 300, 300, 300]];

function writeViews(name: string, n: number, missing: boolean, seed: number): string[] {
  const rng = new Rng(seed),
    A = DIMS.map((d) => Array.from({ length: d }, () => [rng.normal(), rng.normal(), rng.normal()]));
  const lines: string[][] = [[], [], []];
  for (let r = 0; r < n; r++) {
    const s = [rng.normal(), rng.normal(), rng.normal()];
    // Every 6th row lacks one view, every 10th (the rest) lacks two.
    const gone = !missing ? [] : r % 6 === 5 ? [r % 3] : r % 10 === 7 ? [(r + 1) % 3, (r + 2) % 3] : [];
    DIMS.forEach((d, v) => {
      const x = A[v].map((a) => a[0] * s[0] + a[1] * s[1] + a[2] * s[2] + 0.3 * rng.normal());
      const raw = x.map((c, j) => (v === 1 ? (c > 0 ? 1 : 0) : MEAN[v]![j] + SD[v]![j] * c));
      lines[v].push(gone.includes(v) ? '' : raw.join(','));
    });
  }
  return lines.map((l, v) => {
    const f = join(dir, `${name}${v + 1}.csv`);
    writeFileSync(f, l.join('\n') + '\n');
    return f;
  });
}

const A_SEED = 4;
const trainFiles = writeViews('train', 400, true, A_SEED);
const testFiles = writeViews('test', TEST_ROWS, false, A_SEED); // the same A (same seed), complete rows
const testRows = testFiles.map((f) => readMatrix(f, 'test').data);
const MODEL = join(dir, 'model'),
  ALL = join(dir, 'export-all'),
  DEFAULT = join(dir, 'export'),
  HALF = join(dir, 'export-fp16');

let model: Jpvae, json: ModelJson;

test.before(() => {
  const run = (...args: string[]) => {
    const r = jpvae(...args);
    if (r.code !== 0) throw new Error(`jpvae ${args[0]} failed: ${r.err}`);
  };
  run(
    'train',
    ...trainFiles.flatMap((f) => ['--view', f]),
    ...['gaussian', 'bernoulli', 'gaussian'].flatMap((l) => ['--likelihood', l]),
    ...['--hidden', '16,8', '--latent', '3,2,4', '--epochs', '3', '--holdout', '0', '--out', MODEL],
  );
  run('export', '--model', MODEL, '--out', ALL, '--subsets', 'all');
  run('export', '--model', MODEL, '--out', DEFAULT);
  run('export', '--model', MODEL, '--out', HALF, '--fp16');
  ({ model, json } = loadModel(MODEL));
});

// ---- the reference: the library on the same raw rows ----

const rowsOf = (v: number, n: number) => testRows[v].slice(0, n * DIMS[v]);
const standardized = (v: number, x: Float32Array) => {
  const s = json.data.standardize[v];
  if (s) applyStandardize(x, DIMS[v], s);
  return x;
};
const raw = (v: number, y: Float32Array) => {
  const s = json.data.standardize[v];
  if (s) applyStandardize(y, DIMS[v], s, true);
  return y;
};

/** The library's imputation of view t (0-based) from views `given` for n raw rows: the mean, or one draw per row with the noise of Rng(seed). */
function libraryImpute(given: number[], t: number, xs: Float32Array[], n: number, seed?: number): Float32Array {
  const rng = new Rng(seed ?? 0),
    draws = seed === undefined ? undefined : { noise: () => rng.normal() };
  const c = conditionalOf(
    json.latentFit!,
    given.map((g) => g + 1),
    [t + 1],
  ); // views from 1
  const [y] = imputeViews(
    model,
    c,
    xs.map((x, a) => standardized(given[a], x.slice())),
    n,
    draws,
  );
  return raw(t, y);
}

const encodeOurs = (v: number, x: Float32Array, n: number) => encodeRows(model, v, standardized(v, x.slice()), n);
const decodeOurs = (v: number, z: Float32Array, n: number) => raw(v, decodeRows(model, v, z, n));

/** A graph's feeds and the library's outputs, for n rows, from the graph's name. */
function reference(
  name: string,
  n: number,
): { feeds: Record<string, Float32Array>; expected: Record<string, Float32Array> } {
  const coder = /^(encoder|decoder)(\d)$/.exec(name);
  if (coder) {
    const v = Number(coder[2]) - 1,
      enc = encodeOurs(v, rowsOf(v, n), n);
    if (coder[1] === 'encoder')
      return {
        feeds: { [`x${v + 1}`]: rowsOf(v, n) },
        expected: { [`mu${v + 1}`]: enc.mu, [`logvar${v + 1}`]: enc.logvar },
      };
    return { feeds: { [`z${v + 1}`]: enc.mu }, expected: { [`x${v + 1}`]: decodeOurs(v, enc.mu, n) } };
  }
  const [, kind, ts, gs] = /^(impute|sample)_(\d)_from_([\d_]+)$/.exec(name)!;
  const t = Number(ts) - 1,
    given = gs.split('_').map((g) => Number(g) - 1),
    xs = given.map((g) => rowsOf(g, n));
  const feeds: Record<string, Float32Array> = Object.fromEntries(given.map((g, a) => [`x${g + 1}`, xs[a]]));
  if (kind === 'impute') return { feeds, expected: { [`x${t + 1}`]: libraryImpute(given, t, xs, n) } };
  Object.assign(feeds, samplerFeeds(model, t, n, 11));
  return { feeds, expected: { [`x${t + 1}`]: libraryImpute(given, t, xs, n, 11) } };
}

// ---- the engines: test/onnx-engines.ts ----

async function worstError(exportDir: string, name: string, engine: string): Promise<number> {
  const { run, inputs } = await ENGINES[engine](join(exportDir, `${name}.onnx`));
  let worst = 0;
  for (const n of BATCHES) {
    const { feeds, expected } = reference(name, n);
    if (inputs.slice().sort().join() !== Object.keys(feeds).sort().join())
      throw new Error(`${name}: inputs ${inputs} but feeds ${Object.keys(feeds)}`);
    const out = await run(feeds, n);
    for (const [k, want] of Object.entries(expected)) worst = Math.max(worst, maxRelErr(out[k], want));
  }
  return worst;
}

// manifest.json spells its fields in snake_case; the code's Manifest type in camelCase.
const manifestOf = (d: string) => JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')) as Manifest;

for (const engine of Object.keys(ENGINES)) {
  test.serial(
    `every graph of --subsets all on ${engine} equals the library on raw rows within ${TOL} relative`,
    async (t) => {
      const names = Object.keys(manifestOf(ALL).graphs);
      t.is(names.length, 3 * 2 + 9 * 2); // encoders, decoders; 3 targets × 3 given sets × (mean, sampler)
      let worst = 0;
      for (const name of names) {
        const err = await worstError(ALL, name, engine);
        t.true(err <= TOL, `${name}: ${err.toExponential(2)}`);
        worst = Math.max(worst, err);
      }
      t.log(`worst relative error ${worst.toExponential(1)}`);
    },
  );
}

test.serial(`fp16: every graph within ${FP16_TOL} relative of the library, on every engine`, async (t) => {
  let worst = 0;
  for (const name of Object.keys(manifestOf(HALF).graphs))
    for (const engine of Object.keys(ENGINES)) worst = Math.max(worst, await worstError(HALF, name, engine));
  t.log(`fp16 worst relative error ${worst.toExponential(1)}`);
  t.true(worst > 0 && worst < FP16_TOL);
});

test('the default export: each view from all the others; the manifest describes every graph and view', (t) => {
  const m = manifestOf(DEFAULT);
  t.deepEqual(
    m.imputers.map((i) => [i.target, i.given, i.mean, i.sample]),
    [
      [1, [2, 3], 'impute_1_from_2_3', 'sample_1_from_2_3'],
      [2, [1, 3], 'impute_2_from_1_3', 'sample_2_from_1_3'],
      [3, [1, 2], 'impute_3_from_1_2', 'sample_3_from_1_2'],
    ],
  );
  t.deepEqual(readdirSync(DEFAULT).sort(), [...Object.keys(m.graphs).map((g) => `${g}.onnx`), 'manifest.json'].sort());
  t.is(Object.keys(m.graphs).length, 12);
  t.deepEqual(
    m.views.map((v) => [v.view, v.dim, v.latent, v.likelihood.kind, v.standardize === null]),
    [
      [1, 5, 3, 'gaussian', false],
      [2, 6, 2, 'bernoulli', true],
      [3, 4, 4, 'gaussian', false],
    ],
  );
  t.true(m.views[0].standardize!.mean.every((x) => Math.abs(x - 300) < 1));
  t.true(m.views[2].observation_sd!.every((s) => s > 1)); // raw units of a view with sd ≈ 300
  t.is(m.views[1].observation_sd, null);
  t.deepEqual(
    m.graphs.sample_2_from_1_3.inputs.map((s) => [s.name, s.shape, s.units]),
    [
      ['x1', ['batch', 5], 'raw'],
      ['x3', ['batch', 4], 'raw'],
      ['eps2', ['batch', 2], 'standard-normal'],
    ],
  );
  t.deepEqual(
    m.graphs.sample_3_from_1_2.inputs.map((s) => s.name),
    ['x1', 'x2', 'eps3', 'noise3'],
  );
  t.deepEqual(
    m.graphs.impute_1_from_2_3.outputs.map((s) => [s.name, s.shape, s.units]),
    [['x1', ['batch', 5], 'raw']],
  );
  const written = JSON.parse(readFileSync(join(DEFAULT, 'manifest.json'), 'utf8'));
  t.is(written.format_version, 6); // the file's spelling: snake_case
  t.is(written.views[2].observation_sd.length, 4);
  t.is(written.model.latent_fit.complete, m.model.latent_fit.complete);
  // The fit is the Gaussian of the training rows with every view (enough of them here), so it saw those rows only.
  t.is(m.model.latent_fit.rows, m.model.latent_fit.complete!);
  t.true(m.model.latent_fit.complete! > 0 && m.model.latent_fit.complete! < 400); // rows with a view missing trained too
  for (const spec of Object.values(m.graphs))
    for (const s of [...spec.inputs, ...spec.outputs]) t.true(s.dtype === 'float32' && s.doc.length > 0);
});

test('jpvae impute --given … --target … equals the exported mean imputers and samplers (same seed, same draws)', async (t) => {
  const runner = (name: string) => ENGINES['onnxruntime-node'](join(ALL, `${name}.onnx`));
  for (const [given, target] of [
    [[1, 3], 2],
    [[2], 3],
  ] as [number[], number][]) {
    const out = join(dir, `cli-${target}.npy`),
      inputs = given.flatMap((g) => ['--input', testFiles[g - 1]]);
    const args = ['impute', '--model', MODEL, '--given', given.join(','), '--target', String(target), ...inputs];
    t.is(jpvae(...args, '--out', out).code, 0);
    const feeds = Object.fromEntries(given.map((g) => [`x${g}`, testRows[g - 1]]));
    const mean = await (await runner(`impute_${target}_from_${given.join('_')}`)).run(feeds, TEST_ROWS);
    t.true(maxRelErr(mean[`x${target}`], readMatrix(out, 'o').data) <= TOL, `${target} from ${given}: mean`);
  }
  // Three draws per row from Rng(9): through the runtime's imputer (its noise order is the CLI's).
  const draws = join(dir, 'cli-draws.npy');
  t.is(
    jpvae(
      'impute',
      ...['--model', MODEL, '--given', '1,3', '--target', '2', '--input', testFiles[0], '--input', testFiles[2]],
      ...['--out', draws, '--samples', '3', '--seed', '9'],
    ).code,
    0,
  );
  const imputer = await createImputer(ALL, { executionProviders: ['jpvae-wasm'] });
  try {
    const got = await imputer.impute([testRows[0].slice(), testRows[2].slice()], {
      given: [1, 3],
      target: 2,
      samples: 3,
      seed: 9,
    });
    t.true(maxRelErr(got, readMatrix(draws, 'd').data) <= TOL);
  } finally {
    await imputer.close();
  }
});

for (const provider of ['wasm', 'jpvae-wasm'] as ExecutionProvider[]) {
  test(`createImputer on ${provider}: every imputer of an M-view export equals the library's imputation`, async (t) => {
    const imputer = await createImputer(ALL, { executionProviders: [provider] });
    try {
      t.is(imputer.executionProvider, provider);
      for (const { given, target } of imputer.manifest.imputers) {
        const xs = given.map((g) => testRows[g - 1].slice());
        const ours = libraryImpute(
          given.map((g) => g - 1),
          target - 1,
          xs,
          TEST_ROWS,
        );
        const got = await imputer.impute(xs, { given, target });
        t.true(maxRelErr(got, ours) <= TOL, `${target} from ${given}`);
      }
      // The given views in any order; the target defaults to the one view not given.
      const reversed = await imputer.impute([testRows[2].slice(), testRows[0].slice()], { given: [3, 1] });
      t.true(maxRelErr(reversed, libraryImpute([0, 2], 1, [testRows[0], testRows[2]], TEST_ROWS)) <= TOL);
    } finally {
      await imputer.close();
    }
  });
}

test("createImputer names a caller's mistakes on an M-view export", async (t) => {
  const imputer = await createImputer(DEFAULT, { executionProviders: ['jpvae-wasm'] });
  try {
    const x1 = () => testRows[0].slice(0, 2 * 5);
    await t.throwsAsync(imputer.impute(x1(), { given: 1 }), { message: /leave views 2,3: say which is the target/ });
    const missing = await t.throwsAsync(imputer.impute(x1(), { given: 1, target: 2 }), {
      message: /no imputer of view 2 from views 1 .*the subset \{ given: \[1\], target: 2 \} has it\)$/,
    });
    t.false(missing!.message.includes('--'), `the runtime names values, not jpvae's flags: ${missing!.message}`);
    await t.throwsAsync(imputer.impute([x1()], { given: [1, 3] }), { message: /1 arrays of rows for 2 given views/ });
    await t.throwsAsync(imputer.impute([x1(), new Float32Array(12)], { given: [1, 3] }), {
      message: /3 rows of view 3, but 2 of view 1/,
    });
    await t.throwsAsync(imputer.impute(x1(), { given: 4 }), { message: /distinct views from 1 to 3/ });
    await t.throwsAsync(imputer.impute([x1(), x1()], { given: [1, 1] }), { message: /distinct views from 1 to 3/ });
  } finally {
    await imputer.close();
  }
});

// A two-view model of views 1 and 3's files, trained once for the tests that need it.
const TWO_VIEW = join(dir, 'two');
let twoViewTrained: boolean | undefined;
function twoViewModel(): string {
  twoViewTrained ??=
    jpvae(
      'train',
      ...['--view1', testFiles[0], '--view2', testFiles[2], '--likelihood1', 'gaussian', '--likelihood2', 'gaussian'],
      ...['--hidden', '8', '--latent', '2', '--epochs', '1', '--out', TWO_VIEW],
    ).code === 0;
  if (!twoViewTrained) throw new Error('two-view train failed');
  return TWO_VIEW;
}

test.serial(
  'the runtime reads two-view exports of manifest versions 2 and 3 (no imputers list) and 4 (no dispersion) as before',
  async (t) => {
    const v5 = join(dir, 'two-export');
    t.is(jpvae('export', '--model', twoViewModel(), '--out', v5).code, 0);
    const written = JSON.parse(readFileSync(join(v5, 'manifest.json'), 'utf8'));
    t.is(written.format_version, 6);
    t.deepEqual(
      written.imputers.map((i: { target: number; given: number[] }) => [i.target, i.given]),
      [
        [1, [2]],
        [2, [1]],
      ],
      'listed by target, as for M views',
    );
    const older = (version: number) => {
      const d = join(dir, `two-export-v${version}`);
      cpSync(v5, d, { recursive: true });
      const { imputers, ...m } = manifestOf(v5),
        views = m.views.map(({ dispersion: _, ...v }) => v), // no dispersion before version 5
        graphs = Object.fromEntries(Object.entries(m.graphs).map(([g, { bytes: _, crc32: __, ...spec }]) => [g, spec])); // no sizes or checksums before 6
      const text =
        version === 2
          ? JSON.stringify({ ...m, views, graphs, formatVersion: 2 })
          : jsonText({ ...m, views, graphs, formatVersion: version, ...(version === 4 && { imputers }) });
      writeFileSync(join(d, 'manifest.json'), text);
      return d;
    };
    const x = testRows[0].slice(0, 20 * 5);
    const results = [];
    const byTarget = [
      [1, [2], 'impute_1_from_2', 'sample_1_from_2'],
      [2, [1], 'impute_2_from_1', 'sample_2_from_1'],
    ];
    for (const [version, d] of [5, 4, 3, 2].map((v) => [v, v === 5 ? v5 : older(v)] as const)) {
      const imputer = await createImputer(d, { executionProviders: ['jpvae-wasm'] });
      try {
        // Versions 4 and 5 list their imputers; for 2 and 3 the runtime lists them in those exports' graph order.
        t.deepEqual(
          imputer.manifest.imputers.map((i) => [i.target, i.given, i.mean, i.sample]),
          version >= 4 ? byTarget : [byTarget[1], byTarget[0]],
          `manifest version ${version}`,
        );
        results.push(await imputer.impute(x.slice(), { given: 1 }));
      } finally {
        await imputer.close();
      }
    }
    for (const r of results.slice(1)) t.deepEqual(r, results[0]);
  },
);

test.serial('export --subsets: bad values get one line and exit code 2; a two-view model takes --subsets too', (t) => {
  const twoView = twoViewModel();
  const twoPairs = join(dir, 'two-pairs');
  const ok = jpvae('export', '--model', twoView, '--subsets', 'pairs', '--out', twoPairs);
  t.is(ok.code, 0, ok.err);
  t.deepEqual(
    manifestOf(twoPairs).imputers.map((i) => `${i.target}<${i.given}`),
    ['1<2', '2<1'],
  );
  const cases: [string[], RegExp][] = [
    [['--model', MODEL, '--subsets', '1,3'], /--subsets: expected pairs, all, or GIVEN:TARGET .* got '1,3'/],
    [['--model', MODEL, '--subsets', '1:1'], /--subsets: expected/],
    [['--model', MODEL, '--subsets', '1,4:2'], /views from 1 to 3/],
    [['--model', twoView, '--subsets', '1:3'], /views from 1 to 2/],
  ];
  for (const [args, message] of cases) {
    const out = join(dir, 'bad-export');
    const r = jpvae('export', ...args, '--out', out);
    t.is(r.code, 2, args.join(' '));
    t.regex(r.err, message);
    t.is(r.err.trim().split('\n').length, 1, r.err);
  }
  const pairs = join(dir, 'export-pairs');
  t.is(jpvae('export', '--model', MODEL, '--out', pairs, '--subsets', 'pairs', '--subsets', '3:1').code, 0);
  t.deepEqual(
    manifestOf(pairs).imputers.map((i) => `${i.target}<${i.given}`),
    ['1<2,3', '1<2', '1<3', '2<1,3', '2<1', '2<3', '3<1,2', '3<1', '3<2'],
  );
});

test("the library's exportOnnx writes jpvae export's files, byte for byte, and its manifest spelt as the file", async (t) => {
  const { files, manifest } = modelOf(readModelFiles(MODEL), 'wasm', MODEL).exportOnnx({ subsets: ['all'] });
  t.deepEqual(Object.keys(files).sort(), readdirSync(ALL).sort());
  for (const [name, bytes] of Object.entries(files))
    t.deepEqual(Buffer.from(bytes), readFileSync(join(ALL, name)), name);
  const written = JSON.parse(readFileSync(join(ALL, 'manifest.json'), 'utf8'));
  t.deepEqual(JSON.parse(JSON.stringify(manifest)), written); // one spelling: format_version, observation_sd
  t.is(manifest.format_version, 6);
  const imputer = await createImputer(ALL, { executionProviders: ['jpvae-wasm'] });
  try {
    t.deepEqual(JSON.parse(JSON.stringify(imputer.manifest)), written); // the runtime's too
  } finally {
    await imputer.close();
  }
});
