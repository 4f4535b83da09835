// The worker imputer (createImputer) on exports of a Bernoulli and a
// Gaussian model: raw units in and out on every provider (onnxruntime-web's
// wasm EP and jpvae's own engine), equal to the library's imputation; draws
// with a seed equal `jpvae impute --samples K --seed S`; the provider
// fallback; the errors a caller can make.

import test from 'ava';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { loadModel } from '../src/store/load-model.ts';
import { readMatrix } from '../src/data/matrix.ts';
import { loadHvdMnist } from '../src/data/hvdmnist.ts';
import { conditionalOf } from '../src/impute/block-conditional.ts';
import type { LatentFit } from '../src/impute/latent-fit.ts';
import { imputeInUnits } from '../src/impute/impute.ts';
import { createImputer, MANIFEST_LIMIT, type DrawKind, type ExecutionProvider } from '../src/runtime/imputer.ts';
import { pathToFileURL } from 'node:url';
import { plantedGaussianModel } from './planted-files.ts';
import { jpvae, maxRelErr } from './util.ts';
import { InputError } from '../src/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'jpvae-imputer-'));
const TOL = 1e-4;
const data = join(dir, 'data');
mkdirSync(data);
const MODELS = {
  gaussian: plantedGaussianModel(data),
  bernoulli: ['--hidden', '32', '--latent', '4,6', '--train-limit', '300', '--epochs', '1'],
};
const rows = {
  gaussian: [1, 2].map((v) => readMatrix(join(data, `test${v}.csv`), 'test').data),
  bernoulli: (() => {
    const h = loadHvdMnist('test');
    return [h.xs[0].slice(0, 40 * 392), h.xs[1].slice(0, 40 * 392)];
  })(),
};

test.before(() => {
  for (const [name, flags] of Object.entries(MODELS)) {
    for (const [cmd, args] of [
      ['train', [...flags, '--out', join(dir, name)]],
      ['export', ['--model', join(dir, name), '--out', join(dir, `${name}-onnx`)]],
    ] as const) {
      const r = jpvae(cmd, ...args);
      if (r.code !== 0) throw new Error(`${name}: ${cmd} failed: ${r.err}`);
    }
  }
});

for (const name of ['gaussian', 'bernoulli'] as const) {
  for (const provider of ['wasm', 'jpvae-wasm'] as ExecutionProvider[]) {
    test(`${name}: the imputer on ${provider} takes and gives raw units, equal to the library's imputation`, async (t) => {
      const { model, json } = loadModel(join(dir, name)),
        std = json.data.standardize,
        fit = json.latentFit as LatentFit;
      const imputer = await createImputer(join(dir, `${name}-onnx`), { executionProviders: [provider] });
      try {
        t.is(imputer.executionProvider, provider);
        for (const given of [1, 2] as const) {
          const x = rows[name][given - 1],
            n = x.length / model.views[given - 1].dim;
          const [ours] = imputeInUnits(model, conditionalOf(fit, [given], [3 - given]), std, [x.slice()], n);
          t.true(maxRelErr(await imputer.impute(x.slice(), { given }), ours) <= TOL, `given view ${given}`);
          const draws = await imputer.impute(x.slice(0, 2 * model.views[given - 1].dim), {
            given,
            samples: 3,
            seed: 5,
          });
          const dim = model.views[2 - given].dim;
          t.is(draws.length, 2 * 3 * dim);
          t.notDeepEqual(draws.subarray(0, dim), draws.subarray(dim, 2 * dim)); // two draws for one row differ
          if (name === 'bernoulli') t.true(draws.every((p) => p > 0 && p < 1));
        }
      } finally {
        await imputer.close();
      }
    });
  }
}

test('draws with a seed equal jpvae impute --samples K --seed S (--draws predictive and latent), on both providers', async (t) => {
  const cliDraws = (kind: DrawKind) => {
    const out = join(dir, `draws-${kind}.npy`);
    const r = jpvae(
      'impute',
      '--model',
      join(dir, 'gaussian'),
      '--given',
      '2',
      '--input',
      join(data, 'test2.csv'),
      '--out',
      out,
      '--samples',
      '4',
      '--seed',
      '7',
      ...(kind === 'latent' ? ['--draws', 'latent'] : []),
    );
    t.is(r.code, 0, r.err);
    return readMatrix(out, 'draws').data;
  };
  const cli = { predictive: cliDraws('predictive'), latent: cliDraws('latent') };
  t.notDeepEqual(cli.latent, cli.predictive, 'latent-only draws leave the observation noise out');
  for (const provider of ['wasm', 'jpvae-wasm'] as ExecutionProvider[]) {
    const imputer = await createImputer(join(dir, 'gaussian-onnx'), { executionProviders: [provider] });
    try {
      t.true(
        maxRelErr(await imputer.impute(rows.gaussian[1].slice(), { given: 2, samples: 4, seed: 7 }), cli.predictive) <=
          TOL,
        provider,
      );
      t.true(
        maxRelErr(
          await imputer.impute(rows.gaussian[1].slice(), { given: 2, samples: 4, seed: 7, draws: 'latent' }),
          cli.latent,
        ) <= TOL,
        `${provider}, latent draws`,
      );
    } finally {
      await imputer.close();
    }
  }
});

test("the imputer falls back from WebGPU in Node, queues overlapping calls, and names a caller's mistakes", async (t) => {
  const imputer = await createImputer(join(dir, 'bernoulli-onnx'), { executionProviders: ['webgpu', 'jpvae-wasm'] });
  try {
    t.is(imputer.executionProvider, 'jpvae-wasm');
    t.regex(imputer.fallbacks[0], /^webgpu: /);
    const both = await Promise.all(
      [1, 2].map((given) => imputer.impute(rows.bernoulli[given - 1].slice(0, 5 * 392), { given: given as 1 | 2 })),
    );
    t.deepEqual(
      both.map((p) => p.length),
      [5 * 392, 5 * 392],
    );
    await t.throwsAsync(imputer.impute(new Float32Array(100), { given: 1 }), { message: /not whole rows of view 1/ });
    await t.throwsAsync(imputer.impute(new Float32Array(392), { given: 3 as 1 }), {
      message: /given must be distinct views from 1 to 2/,
    });
  } finally {
    await imputer.close();
  }
  await t.throwsAsync(
    createImputer(join(dir, 'bernoulli-onnx'), { executionProviders: ['cuda' as ExecutionProvider] }),
    { message: /cuda: unknown execution provider/ },
  );
});

test("the caller's arrays are copied, never detached or changed; transfer gives one away on request", async (t) => {
  const imputer = await createImputer(join(dir, 'gaussian-onnx'), { executionProviders: ['jpvae-wasm'] });
  try {
    const x = rows.gaussian[0].slice(0, 5 * 8),
      before = x.slice();
    const first = await imputer.impute(x, { given: 1 });
    t.deepEqual(x, before, 'the same length and values after the call');
    t.deepEqual(await imputer.impute(x, { given: 1 }), first, 'the same array twice');
    t.deepEqual(
      await imputer.impute(x, { given: 1, samples: 2 }),
      await imputer.impute(x, { given: 1, samples: 2, seed: 1 }),
      "draws are seeded by 1 unless a seed is given, as the library's and jpvae impute's",
    );
    const sub = x.subarray(8, 24); // part of a buffer: copied even with transfer
    await imputer.impute(sub, { given: 1, transfer: true });
    t.is(x.length, 40);
    t.deepEqual(await imputer.impute(x, { given: 1, transfer: true }), first);
    t.is(x.length, 0, 'transfer: true detaches the whole buffer');
    const detached = await t.throwsAsync(imputer.impute(x, { given: 1 }), {
      message: /^imputer: the rows of view 1 are in a detached buffer .*: pass a copy$/,
    });
    t.is(detached!.constructor, InputError);
  } finally {
    await imputer.close();
  }
});

test('the imputer takes the library shapes and refuses a wrong width, rows of the wrong view and values that are not finite', async (t) => {
  const imputer = await createImputer(join(dir, 'gaussian-onnx'), { executionProviders: ['jpvae-wasm'] });
  try {
    const x = rows.gaussian[0].slice(0, 3 * 8),
      want = await imputer.impute(x, { given: 1 });
    const asRows = [0, 1, 2].map((r) => Array.from(x.subarray(r * 8, (r + 1) * 8)));
    t.deepEqual(await imputer.impute({ data: x, width: 8 }, { given: 1 }), want, '{ data, width }');
    t.deepEqual(await imputer.impute({ rows: 3, cols: 8, data: x }, { given: 1 }), want, "parseMatrix's shape");
    await t.throwsAsync(imputer.impute({ rows: 2, cols: 8, data: x }, { given: 1 }), {
      message: 'imputer: the rows of view 1: rows 2, but 24 values of cols 8 are 3 rows',
    });
    t.deepEqual(
      await imputer.impute({ data: Array.from(x), width: 8 }, { given: 1 }),
      want,
      '{ data: number[], width }',
    );
    t.deepEqual(await imputer.impute(asRows, { given: 1 }), want, 'rows of numbers');
    t.deepEqual(
      await imputer.impute(
        asRows.map((r) => Float32Array.from(r)),
        { given: 1 },
      ),
      want,
      'Float32Array rows',
    );
    t.deepEqual(await imputer.impute([asRows[0]], { given: 1 }), want.subarray(0, 6), 'one row');
    const v2 = rows.gaussian[1].slice(0, 3 * 6);
    await t.throwsAsync(imputer.impute({ data: v2, width: 6 }, { given: 1 }), {
      message: "imputer: rows of view 1 have 8 values each, got 6 (view 2's width: rows of the wrong view?)",
    });
    await t.throwsAsync(imputer.impute(v2, { given: 1 }), {
      message:
        'imputer: 18 values are not whole rows of view 1 (8 features each); they are whole rows of view 2 (6 features): rows of the wrong view?',
    });
    await t.throwsAsync(imputer.impute([asRows[0], asRows[1].slice(1)], { given: 1 }), {
      message: 'imputer: the rows of view 1: row 2 has 7 values, expected 8 like the first row',
    });
    await t.throwsAsync(imputer.impute([asRows[0].slice(1), asRows[1].slice(1)], { given: 1 }), {
      message: 'imputer: rows of view 1 have 8 values each, got 7',
    });
    await t.throwsAsync(imputer.impute([asRows[0], null], { given: 1 }), {
      message: 'imputer: view 1, row 2, feature 1 is NaN; the imputer needs finite values',
    });
    for (const bad of [NaN, Infinity]) {
      const y = x.slice();
      y[8 + 4] = bad;
      await t.throwsAsync(imputer.impute(y, { given: 1 }), {
        message: `imputer: view 1, row 2, feature 5 is ${bad}; the imputer needs finite values`,
      });
    }
    await t.throwsAsync(imputer.impute('rows' as never, { given: 1 }), {
      message:
        'imputer: the rows of view 1: expected a Float32Array, { rows, cols, data }, { data, width } or an array of rows, got string',
      instanceOf: InputError,
    });
  } finally {
    await imputer.close();
  }
});

test('every call settles: after close(), during close(), and when the worker dies mid-call', async (t) => {
  const onnx = join(dir, 'gaussian-onnx'),
    x = rows.gaussian[0].slice(0, 8);
  const closing = await createImputer(onnx, { executionProviders: ['jpvae-wasm'] });
  const running = closing.impute(rows.gaussian[0], { given: 1, samples: 50 });
  await closing.close();
  await t.throwsAsync(running, { message: 'imputer: closed; create another imputer to impute again' });
  await t.throwsAsync(closing.impute(x, { given: 1 }), { message: /^imputer: closed/ });
  await closing.close(); // twice is harmless

  const dying = await createImputer(onnx, {
    executionProviders: ['jpvae-wasm'],
    workerUrl: new URL('./dying-worker.ts', import.meta.url),
  });
  const died = 'imputer worker: exited (code 3); create the imputer again';
  await t.throwsAsync(dying.impute(x, { given: 1 }), { message: died });
  await t.throwsAsync(dying.impute(x, { given: 1 }), { message: died }, 'a later call, at once');
  await dying.close();
});

/** A copy of the Gaussian model's export, `change` applied to its manifest (parsed) and files (by name). */
function changedExport(name: string, change: (manifest: any, files: Map<string, Buffer>) => void): string {
  const to = join(dir, name);
  cpSync(join(dir, 'gaussian-onnx'), to, { recursive: true });
  const files = new Map(readdirSync(to).map((f) => [f, readFileSync(join(to, f))]));
  const manifest = JSON.parse(files.get('manifest.json')!.toString());
  change(manifest, files);
  files.set('manifest.json', Buffer.from(JSON.stringify(manifest)));
  for (const [f, b] of files) writeFileSync(join(to, f), b);
  return to;
}

test('an export holds no absolute path of the training machine, and records every graph file by size and CRC-32', (t) => {
  const out = join(dir, 'gaussian-onnx'),
    manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  const strings: string[] = [];
  JSON.stringify(manifest, (_, v) => (typeof v === 'string' && strings.push(v), v));
  t.true(strings.includes('train1.csv'), 'the data record names its files');
  t.deepEqual(
    strings.filter((s) => /^(\/|[A-Za-z]:\\)/.test(s)),
    [],
  );
  for (const f of readdirSync(out))
    t.false(readFileSync(join(out, f)).includes(dir), `${f} names the training directory`);
  t.is(manifest.format_version, 6);
  for (const g of Object.values(manifest.graphs) as { file: string; bytes: number; crc32: string }[]) {
    t.is(readFileSync(join(out, g.file)).length, g.bytes);
    t.regex(g.crc32, /^[0-9a-f]{8}$/);
  }
});

test('the runtime refuses graph paths outside the export, a changed graph and an oversized manifest, and reads a version 5 export', async (t) => {
  const open = (at: string) => createImputer(at, { executionProviders: ['jpvae-wasm'] });
  for (const file of ['../../../../etc/passwd', '/etc/passwd', 'sub/impute_2_from_1.onnx', '..', '%2e%2e/x.onnx']) {
    const at = changedExport('outside', (m) => (m.graphs.impute_2_from_1.file = file));
    await t.throwsAsync(open(at), {
      message: `${pathToFileURL(at)}/manifest.json: graph impute_2_from_1's file ${JSON.stringify(file)} is not a plain file name inside the export directory; refusing to open it`,
    });
  }
  const changed = changedExport('changed', (_, files) => {
    const g = files.get('impute_2_from_1.onnx')!;
    g[g.length - 3] ^= 1;
  });
  await t.throwsAsync(open(changed), {
    message:
      /impute_2_from_1\.onnx: \d+ bytes with CRC-32 [0-9a-f]{8}, but the manifest says \d+ bytes with CRC-32 [0-9a-f]{8}: the file was changed or damaged; export the model again$/,
  });
  const big = changedExport('big', () => {});
  truncateSync(join(big, 'manifest.json'), MANIFEST_LIMIT + 1); // sparse: refused by its size, never read
  await t.throwsAsync(open(big), {
    message: `${pathToFileURL(big)}/manifest.json: ${MANIFEST_LIMIT + 1} bytes, more than the ${MANIFEST_LIMIT} expected`,
  });
  const v5 = changedExport('v5', (m) => {
    m.format_version = 5;
    for (const g of Object.values(m.graphs) as Record<string, unknown>[]) (delete g.bytes, delete g.crc32);
  });
  const imputer = await open(v5);
  try {
    const x = rows.gaussian[0].slice(0, 16);
    const current = await open(join(dir, 'gaussian-onnx'));
    t.deepEqual(await imputer.impute(x, { given: 1 }), await current.impute(x, { given: 1 }));
    await current.close();
  } finally {
    await imputer.close();
  }
});

test("ortWasmPaths is where onnxruntime-web's wasm EP finds its files", async (t) => {
  const onnx = join(dir, 'gaussian-onnx'),
    ortDist = dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
  const imputer = await createImputer(onnx, { executionProviders: ['wasm'], ortWasmPaths: ortDist });
  t.is(imputer.executionProvider, 'wasm');
  await imputer.close();
  await t.throwsAsync(createImputer(onnx, { executionProviders: ['wasm'], ortWasmPaths: join(dir, 'nowhere') }), {
    message: new RegExp(`^no execution provider could run the model \\(wasm: .*${join(dir, 'nowhere')}/ort-wasm`),
  });
});
