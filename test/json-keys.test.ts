// One case of field names in every JSON jpvae writes (snake_case), and the
// files written before the change (camelCase: model.json versions 1 and 2,
// an M-view model.json in camelCase, export manifests version 2) still read,
// with the same results.

import test from 'ava';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { camelCaseKeys, camelName, jsonText, snakeCaseKeys, snakeName } from '../src/io/json-keys.ts';
import { createImputer } from '../src/runtime/imputer.ts';
import { loadModel } from '../src/store/load-model.ts';
import { camelCaseFields, jpvae, Rng, tempDir } from './util.ts';

test('field names: camelCase ↔ snake_case, data keys as they are', (t) => {
  for (const [camel, snake] of [
    ['latentFit', 'latent_fit'],
    ['formatVersion', 'format_version'],
    ['samplesPerSec', 'samples_per_sec'],
    ['x2GivenX1X3', 'x2_given_x1_x3'],
  ]) {
    t.is(snakeName(camel), snake);
    t.is(camelName(snake), camel);
    t.is(camelName(camel), camel); // a camelCase file reads unchanged
  }
  for (const data of [
    '32x20x512:dW',
    'X~1,X~2|1',
    'impute_1_from_2',
    'encoder1',
    'recon1',
    'n1',
    'view1.encoder.0.weight',
  ])
    t.is(snakeName(data) + camelName(data), data + data, data);
  const value = { latentFit: { n1: 2, cov: [1] }, runs: [{ trainSeconds: 1 }], gemm: { '32x20x512:dW': 3 } };
  const disk = snakeCaseKeys(value);
  t.deepEqual(disk, { latent_fit: { n1: 2, cov: [1] }, runs: [{ train_seconds: 1 }], gemm: { '32x20x512:dW': 3 } });
  t.deepEqual(camelCaseKeys(disk), value);
  // `keep`: a record the code spells in snake_case itself is read as it is.
  t.deepEqual(
    camelCaseKeys({ metrics: { complete_rows: 3 }, impute_prior: { x1_given_x2: 1 } }, ['metrics', 'impute_prior']),
    {
      metrics: { complete_rows: 3 },
      imputePrior: { x1_given_x2: 1 },
    },
  );
  t.is(jsonText({ aB: 1 }), '{"a_b":1}\n');
  t.deepEqual(camelCaseFields({ a: [{ samplesPerSec: 1 }], '32x20x512:dW': { lossSum: 2 } }), [
    '.a[0].samplesPerSec',
    '.32x20x512:dW.lossSum',
  ]); // the check the tests below rely on
});

/** Two views in their own units (means 300 and −50), paired by a sample-ID column, one sample with view 1 only. */
function twoViews(dir: string): string[] {
  const rng = new Rng(5),
    n = 120;
  const table = (cols: number, mean: number, sd: number, skip: number) =>
    [
      ['id', ...Array.from({ length: cols }, (_, j) => `f${j}`)].join(','),
      ...Array.from({ length: n }, (_, r) => r)
        .filter((r) => r !== skip)
        .map((r) => [`s${r}`, ...Array.from({ length: cols }, () => (mean + sd * rng.normal()).toFixed(3))].join(',')),
    ].join('\n') + '\n';
  const files = [join(dir, 'a.csv'), join(dir, 'b.csv')];
  writeFileSync(files[0], table(4, 300, 40, -1));
  writeFileSync(files[1], table(3, -50, 5, 7));
  return files;
}

/** Three headerless views for an M-view model: a real-valued one far from 0 and 1, every 9th row missing. */
function threeViews(dir: string): string[] {
  const rng = new Rng(6);
  return [4, 3, 2].map((cols, v) => {
    const f = join(dir, `v${v + 1}.csv`);
    const rows = Array.from({ length: 90 }, (_, r) =>
      r % 9 === v ? '' : Array.from({ length: cols }, () => (300 + 40 * rng.normal()).toFixed(3)).join(','),
    );
    writeFileSync(f, rows.join('\n') + '\n');
    return f;
  });
}

const parse = (r: { code: number | null; out: string; err: string }, what: string) => {
  if (r.code !== 0) throw new Error(`${what}: ${r.err}`);
  return JSON.parse(r.out);
};
const fileJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

test('every JSON of a small train, eval, export, M-view train and eval, and bench has snake_case field names only', (t) => {
  const dir = tempDir(t),
    [a, b] = twoViews(dir),
    model = join(dir, 'm'),
    out = join(dir, 'onnx');
  const gaussian = ['--likelihood1', 'gaussian', '--likelihood2', 'gaussian'];
  const small = ['--hidden', '8', '--latent', '2', '--epochs', '2'];
  const outputs: [string, unknown][] = [
    [
      'train --json',
      parse(
        jpvae(
          'train',
          '--view1',
          a,
          '--view2',
          b,
          '--id-column',
          'id',
          ...gaussian,
          ...small,
          '--out',
          model,
          '--json',
        ),
        'train',
      ),
    ],
    ['model.json', fileJson(join(model, 'model.json'))],
    ['eval --json --samples', parse(jpvae('eval', '--model', model, '--json', '--samples', '4'), 'eval')],
    ['export --json', parse(jpvae('export', '--model', model, '--out', out, '--json'), 'export')],
    ['manifest.json', fileJson(join(out, 'manifest.json'))],
  ];
  const three = join(dir, 'three');
  const views = threeViews(dir).flatMap((f) => ['--view', f]);
  outputs.push(
    [
      'train --view --json',
      parse(
        jpvae(
          'train',
          ...views,
          ...['gaussian', 'gaussian', 'gaussian'].flatMap((l) => ['--likelihood', l]),
          ...small,
          '--out',
          three,
          '--json',
        ),
        'train --view',
      ),
    ],
    ['M-view model.json', fileJson(join(three, 'model.json'))],
    ['M-view eval --json', parse(jpvae('eval', '--model', three, '--json'), 'M-view eval')],
    ['bench --json', parse(jpvae('bench', '--only', 'impute', '--quick', '--json'), 'bench')],
  );
  for (const [what, value] of outputs) t.deepEqual(camelCaseFields(value), [], what);
  // The spelling is the one the issues and README name, not merely no camelCase.
  const m = outputs[1][1] as Record<string, Record<string, unknown>>;
  t.is(m.format_version as unknown, 4);
  t.truthy(m.data.held_out_rows && m.data.id_column && m.latent_fit);
  t.truthy((outputs[4][1] as Record<string, unknown>).format_version === 6);
  // The ONNX files carry the data record as JSON in their metadata: the same spelling.
  const onnx = readFileSync(join(out, 'encoder1.onnx')).toString('latin1');
  t.true(onnx.includes('"held_out_rows"') && !onnx.includes('heldOutRows'));
});

test('a model.json in camelCase (as versions 1 and 2 spelt their fields), of two views and of three, reads with the same results; M-view versions 1 and 2 are refused in one line', (t) => {
  const dir = tempDir(t),
    [a, b] = twoViews(dir);
  const gaussian = ['--likelihood1', 'gaussian', '--likelihood2', 'gaussian'];
  const model = join(dir, 'm'),
    old = join(dir, 'old');
  parse(
    jpvae(
      'train',
      '--view1',
      a,
      '--view2',
      b,
      '--id-column',
      'id',
      ...gaussian,
      '--hidden',
      '8',
      '--latent',
      '2',
      '--epochs',
      '1',
      '--out',
      model,
      '--json',
    ),
    'train',
  );
  cpSync(model, old, { recursive: true });
  const camel = camelCaseKeys(fileJson(join(model, 'model.json'))) as Record<string, unknown>;
  t.true(JSON.stringify(camel).includes('"latentFit"')); // how an earlier jpvae spelt it
  writeFileSync(join(old, 'model.json'), JSON.stringify(camel, null, 1) + '\n');
  const ev = (m: string) => jpvae('eval', '--model', m, '--json', '--samples', '3').out;
  t.is(ev(old), ev(model));
  const imputed = (m: string) => {
    const f = join(dir, `imputed-${m.split('/').pop()}.csv`);
    parse(
      { ...jpvae('impute', '--model', m, '--input', a, '--given', '1', '--id-column', 'id', '--out', f), out: '{}' },
      'impute',
    );
    return readFileSync(f, 'utf8');
  };
  t.is(imputed(old), imputed(model));

  const three = join(dir, 'three'),
    oldThree = join(dir, 'old-three');
  parse(
    jpvae(
      'train',
      ...threeViews(dir).flatMap((f) => ['--view', f]),
      '--hidden',
      '8',
      '--latent',
      '2',
      '--epochs',
      '1',
      '--likelihood',
      'gaussian',
      '--likelihood',
      'gaussian',
      '--likelihood',
      'gaussian',
      '--out',
      three,
      '--json',
    ),
    'train --view',
  );
  cpSync(three, oldThree, { recursive: true });
  const camelThree = camelCaseKeys(fileJson(join(three, 'model.json'))) as Record<string, unknown>;
  writeFileSync(join(oldThree, 'model.json'), JSON.stringify(camelThree, null, 1) + '\n');
  t.is(jpvae('eval', '--model', oldThree, '--json').out, jpvae('eval', '--model', three, '--json').out);
  // Versions 1 and 2 (one weights.safetensors, no optimiser state) came before the M-view checkpoints.
  const multiView = { ...camelThree, format: 'jpvae-multiview-model', formatVersion: 1 };
  writeFileSync(join(oldThree, 'model.json'), JSON.stringify(multiView, null, 1) + '\n');
  const refused = jpvae('eval', '--model', oldThree, '--json');
  t.is(refused.code, 2);
  t.regex(
    refused.err.trim(),
    /^jpvae eval: .*model\.json: format_version: is 1: an M-view model of a development build before checkpoints; train it again/,
  );
});

test('the committed models read as they are written (camelCase, format version 1); the committed results are snake_case and read back as reproduce writes them', (t) => {
  const results = new URL('../results/', import.meta.url).pathname;
  // A format version 1 model directory: read through the upgrade to version 4, the fields both versions have are the file's own.
  const dir = join(results, 'runs', 'zero-seed1');
  const { json } = loadModel(dir),
    file = fileJson(join(dir, 'model.json'));
  t.is(json.formatVersion, 1);
  for (const key of ['package', 'config', 'layout'] as const) t.deepEqual(json[key], file[key], key);
  t.like(file.training.options, json.training!.options); // (version 1 also kept its train limit, which version 4 reads from data)
  t.deepEqual([json.latentFit!.mean, json.latentFit!.cov], [file.latentFit.mean, file.latentFit.cov]);
  // What reproduce reads back (runs/*/result.json, plan.json, summary.json): the code's names in memory, the same file again.
  const records = ['metrics', 'impute_prior', 'downstream'];
  for (const f of [
    'plan.json',
    'summary.json',
    'three-bands.json',
    'counts-planted.json',
    'counts-planted-depth0.json',
    'counts-planted-sparse.json',
    ...readdirSync(join(results, 'runs')).map((d) => `runs/${d}/result.json`),
  ]) {
    const raw = fileJson(join(results, f));
    t.deepEqual(camelCaseFields(raw), [], f);
    t.deepEqual(snakeCaseKeys(camelCaseKeys(raw, records), records), raw, f);
  }
});

test('the runtime reads the committed export (manifest format version 2, camelCase) and its snake_case version 3 alike', async (t) => {
  const dir = tempDir(t),
    web = new URL('../web/model/', import.meta.url).pathname;
  cpSync(web, dir, { recursive: true });
  const manifest = fileJson(join(web, 'manifest.json'));
  t.is(manifest.formatVersion, 2);
  writeFileSync(join(dir, 'manifest.json'), jsonText({ ...manifest, formatVersion: 3 }, { indent: 1 }));
  const rows = new Float32Array(2 * 392).map((_, i) => (i % 7 < 3 ? 1 : 0));
  const run = async (base: string) => {
    const imputer = await createImputer(base, { executionProviders: ['jpvae-wasm'] });
    try {
      return [
        await imputer.impute(rows.slice(), { given: 1 }),
        await imputer.impute(rows.slice(), { given: 2, samples: 2, seed: 9 }),
      ];
    } finally {
      await imputer.close();
    }
  };
  t.deepEqual(await run(dir), await run(web));
});
