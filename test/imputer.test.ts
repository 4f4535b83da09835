// The worker imputer (createImputer) on exports of a Bernoulli and a
// Gaussian model: raw units in and out on every provider (onnxruntime-web's
// wasm EP and jpvae's own engine), equal to the library's imputation; draws
// with a seed equal `jpvae impute --samples K --seed S`; the provider
// fallback; the errors a caller can make.

import test from 'ava';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../src/store/load-model.ts';
import { readMatrix } from '../src/data/matrix.ts';
import { loadHvdMnist } from '../src/data/hvdmnist.ts';
import { conditionalOf } from '../src/impute/block-conditional.ts';
import type { LatentFit } from '../src/impute/latent-fit.ts';
import { imputeInUnits } from '../src/impute/impute.ts';
import { createImputer, type DrawKind, type ExecutionProvider } from '../src/runtime/imputer.ts';
import { plantedGaussianModel } from './planted-files.ts';
import { jpvae, maxRelErr } from './util.ts';

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
    const x = rows.bernoulli[0].slice(0, 4 * 392);
    await imputer.impute(x, { given: 1 });
    t.is(x.length, 0); // the whole buffer went to the worker (transferred, detached here)
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
