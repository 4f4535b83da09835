// The ONNX export of a model with covariates: every graph takes the rows'
// design as the input `covariates`, the manifest lists the covariates, and
// the runtime's imputer builds the design from category values on every
// provider (jpvae's own engine and onnxruntime-web), imputing as the library
// and `jpvae impute` do for rows of every known category, draws included
// (and the encoder graphs give the library's posterior means).
// On the planted batches (real-valued views far from 0 and 1, training rows
// missing a view); a category the export does not know, a missing
// covariates option and covariates for an export without them are one line.

import test from 'ava';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fit, type JpvaeModel } from '../src/api/model.ts';
import { readMatrix } from '../src/data/matrix.ts';
import { InputError } from '../src/errors.ts';
import { designOf } from '../src/data/covariate-columns.ts';
import { writeExport } from '../src/onnx/write-export.ts';
import { GraphRunner } from '../src/runtime/graph-runner.ts';
import { wasm } from './onnx-engines.ts';
import { createImputer, type ExecutionProvider, type ImputeOptions } from '../src/runtime/imputer.ts';
import { jpvae, maxRelErr } from './cli-util.ts';
import { plantedBatches } from './planted-batches.ts';

const TOL = 1e-5;
const dir = mkdtempSync(join(tmpdir(), 'jpvae-covariate-export-'));
const p = plantedBatches({ perBatch: 150, newRows: 4, heldOut: 60, seed: 5 });
const views = p.train.x.map((x, i) => ({ data: x, width: p.dims[i] }));
const OPTIONS = { likelihood: 'gaussian' as const, epochs: 10, hidden: [16, 16], latent: 2, holdout: 0, threads: 1 };
// Held-out rows of batches A, B, C (both views), every category among them.
const held = p.trainHeldOut,
  given = (v: 1 | 2) => held.x[v - 1].slice(),
  batch = { batch: held.batch };
let model: JpvaeModel;

test.before(async () => {
  model = await fit(views, { ...OPTIONS, covariates: { batch: p.train.batch } });
  writeExport(join(dir, 'onnx'), model.exportOnnx().files);
  const plain = await fit(views, { ...OPTIONS, epochs: 1 });
  writeExport(join(dir, 'plain-onnx'), plain.exportOnnx().files);
});

test('the manifest lists the covariates, and every graph takes their design rows', (t) => {
  const { manifest } = model.exportOnnx();
  t.is(manifest.format_version, 7);
  t.deepEqual(manifest.covariates, [{ name: 'batch', categories: ['A', 'B', 'C'] }]);
  for (const [name, g] of Object.entries(manifest.graphs))
    t.deepEqual(
      g.inputs.filter((i) => i.name === 'covariates').map((i) => [i.shape, i.units]),
      [[['batch', 3], 'design']],
      name,
    );
  t.true(new Set(held.batch).size === 3);
  // The covariates matter: the same rows as another batch impute far apart (so a graph without them fails).
  const rows = { data: given(2), width: p.dims[1] },
    other = { batch: held.batch.map((b) => (b === 'A' ? 'B' : 'A')) };
  const apart = maxRelErr(
    model.impute(rows, { given: 2, covariates: other }),
    model.impute(rows, { given: 2, covariates: batch }),
  );
  t.log({ 'another batch': apart });
  t.true(apart > 100 * TOL, `${apart}`);
});

test("each view's encoder graph gives the library's posterior means for rows of every batch", (t) => {
  const { files } = model.exportOnnx(),
    design = designOf(model.config.covariates, batch, held.n)!;
  for (const v of [1, 2] as const) {
    const mu = new GraphRunner(wasm, files[`encoder${v}.onnx`]).run(
      { [`x${v}`]: given(v), covariates: design },
      held.n,
    )[`mu${v}`];
    const error = maxRelErr(mu, model.encode({ data: given(v), width: p.dims[v - 1] }, { view: v, covariates: batch }));
    t.true(error <= 1e-5, `view ${v}: ${error}`);
  }
});

for (const provider of ['jpvae-wasm', 'wasm'] as ExecutionProvider[]) {
  test(`on ${provider}, the imputer imputes rows of every known category as the library does, draws and the average category too`, async (t) => {
    const imputer = await createImputer(join(dir, 'onnx'), { executionProviders: [provider] });
    try {
      t.is(imputer.executionProvider, provider);
      const errors: Record<string, number> = {};
      const check = async (what: string, data: Float32Array, o: ImputeOptions & { given: 1 | 2 }) => {
        const rows = { data, width: p.dims[o.given - 1] };
        const want = model.impute(rows, o),
          got = await imputer.impute(rows, o);
        errors[what] = maxRelErr(got, want);
        t.true(errors[what] <= TOL, `${what}: ${errors[what]}`);
      };
      for (const v of [1, 2] as const) {
        await check(`mean, given ${v}`, given(v), { given: v, covariates: batch });
        await check(`draws, given ${v}`, given(v), { given: v, covariates: batch, samples: 3, seed: 4 });
      }
      // A row of the new batch D at the mean of the known batches' one-hots.
      const fresh = { batch: p.fresh.batch };
      await check('D at the average', p.fresh.x[0], { given: 1, covariates: fresh, unknownCategory: 'average' });
      t.log(provider, errors);
    } finally {
      await imputer.close();
    }
  });
}

test('the CLI exports the saved model, and the imputer on it gives what jpvae impute writes', async (t) => {
  const saved = join(dir, 'model'),
    out = join(dir, 'cli-onnx');
  await model.save(saved);
  const exported = jpvae('export', '--model', saved, '--out', out);
  t.is(exported.code, 0, exported.err);
  const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].slice(0, p.dims[0]);
  const x = given(1);
  const lines = held.batch.map(
    (b, r) => `${b},${Array.from(x.subarray(r * p.dims[0], (r + 1) * p.dims[0]), String).join(',')}`,
  );
  writeFileSync(join(dir, 'rows.csv'), [`batch,${names.join(',')}`, ...lines].join('\n') + '\n');
  const imputed = join(dir, 'imputed.npy');
  const r = jpvae('impute', '--model', saved, '--given', '1', '--input', join(dir, 'rows.csv'), '--out', imputed);
  t.is(r.code, 0, r.err);
  const imputer = await createImputer(out, { executionProviders: ['jpvae-wasm'] });
  try {
    const error = maxRelErr(await imputer.impute(x, { given: 1, covariates: batch }), readMatrix(imputed, 'x').data);
    t.log({ 'jpvae-wasm against jpvae impute': error });
    t.true(error <= TOL, `${error}`);
  } finally {
    await imputer.close();
  }
});

test('an unknown category, a missing or wrong covariates option, covariates for an export without them, and a manifest’s repeated category are one line', async (t) => {
  const imputer = await createImputer(join(dir, 'onnx'), { executionProviders: ['jpvae-wasm'] });
  const plain = await createImputer(join(dir, 'plain-onnx'), { executionProviders: ['jpvae-wasm'] });
  try {
    const x = given(1).subarray(0, 3 * p.dims[0]),
      rejects = (i: typeof imputer, o: ImputeOptions, message: string) =>
        t.throwsAsync(i.impute(x, o), { instanceOf: InputError, message }, message);
    await rejects(
      imputer,
      { given: 1, covariates: { batch: ['A', 'D', 'B'] } },
      "imputer: covariate 'batch': row 2 has the category 'D', which the model does not know (it knows 'A', 'B', 'C')",
    );
    await rejects(
      imputer,
      { given: 1 },
      "imputer: covariates: the model has covariates 'batch'; give each row's values",
    );
    await rejects(
      imputer,
      { given: 1, covariates: { batch: ['A', 'B'] } },
      "imputer: covariates 'batch': expected 3 values (one per row), got 2",
    );
    await rejects(
      imputer,
      { given: 1, covariates: { batch: ['A', 'B', 'C'], site: ['x', 'y', 'z'] } },
      "imputer: covariates: the model has no covariate 'site' (it has 'batch')",
    );
    await rejects(
      imputer,
      { given: 1, covariates: { batch: ['A', 'B', 'C'] }, unknownCategory: 'mean' as 'average' },
      'imputer: unknownCategory must be error or average, got mean',
    );
    await rejects(
      plain,
      { given: 1, covariates: { batch: ['A', 'B', 'C'] } },
      "imputer: covariates: the model has no covariates, got 'batch'",
    );
    t.is((await plain.impute(x, { given: 1 })).length, 3 * p.dims[1]);
    t.is(plain.manifest.covariates, undefined);
    t.is(plain.manifest.format_version, 6);
  } finally {
    await Promise.all([imputer.close(), plain.close()]);
  }
  // A manifest whose covariates repeat a category is refused at load.
  const edited = join(dir, 'edited-onnx');
  cpSync(join(dir, 'onnx'), edited, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(edited, 'manifest.json'), 'utf8'));
  manifest.covariates[0].categories = ['A', 'A', 'C'];
  writeFileSync(join(edited, 'manifest.json'), JSON.stringify(manifest));
  await t.throwsAsync(createImputer(edited, { executionProviders: ['jpvae-wasm'] }), {
    message: /manifest\.json: covariates: covariate 'batch' has repeated or non-text categories$/,
  });
});
