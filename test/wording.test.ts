// Errors below the CLI name values ("view 1's file a.csv", "the model
// directory m"), never the CLI's flags; the CLI passes its flags as the
// labels (its own tests check those lines). And a file a newer jpvae wrote
// (model.json, an M-view model.json, an export manifest) says so in one line.

import test, { type ExecutionContext } from 'ava';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fit, fromFiles, InputError } from '../src/index.ts';
import { loadViewFiles, readModelJson, writeExport } from '../src/node.ts';
import type { Likelihood } from '../src/index.ts';
import { VALUE_LABELS } from '../src/data/labels.ts';
import { loadModel } from '../src/store/load-model.ts';
import { FORMAT_VERSION } from '../src/store/model-json.ts';
import { openTrainingData, reopenSplit, type DataRecord } from '../src/data/source.ts';
import { checkOutDir } from '../src/store/store.ts';
import { createImputer } from '../src/runtime/imputer.ts';
import { EXPORT_FORMAT_VERSION } from '../src/onnx/manifest.ts';
import { jpvae, tempDir } from './util.ts';

/** `fn` throws an InputError of one line matching `re`, with no flag in it. */
function valueWorded(t: ExecutionContext, fn: () => unknown, re: RegExp): void {
  const e = t.throws(fn, { instanceOf: InputError });
  t.regex(e.message, re);
  t.false(e.message.includes('--'), `a flag in: ${e.message}`);
  t.false(e.message.includes('\n'));
}

const csv = (dir: string, name: string, rows: number[][]) => {
  const path = join(dir, name);
  writeFileSync(path, rows.map((r) => r.join(',')).join('\n') + '\n');
  return path;
};
const GAUSSIAN: Likelihood = { kind: 'gaussian', variance: 'learnt' };
const real = (n: number, w: number, at = 0) =>
  Array.from({ length: n }, (_, r) => Array.from({ length: w }, (_, j) => at + r * 0.37 + j));

test("the data layer's errors name view files, the mask, the ID column and the held-out fraction", (t) => {
  const dir = tempDir(t);
  const a = csv(dir, 'a.csv', real(3, 2)),
    b = csv(dir, 'b.csv', real(2, 2)),
    over = csv(dir, 'over.csv', [
      [1.5, 1],
      [0, 1],
      [1, 0],
    ]),
    c = csv(dir, 'c.csv', real(3, 2, 5));
  const gauss: Likelihood[] = [GAUSSIAN, GAUSSIAN];
  valueWorded(
    t,
    () => loadViewFiles([a, b], gauss),
    /^view 2's file .*b\.csv has 2 rows but view 1's file .*a\.csv has 3; views pair by row/,
  );
  valueWorded(
    t,
    () => loadViewFiles([over, c], [{ kind: 'bernoulli' }, GAUSSIAN]),
    /^view 1's file .*over\.csv: row 1, column 1 is 1\.5, .*; use the likelihood gaussian for real-valued data$/,
  );
  valueWorded(
    t,
    () => loadViewFiles([a, c], gauss, { idColumn: 'id' }),
    /a\.csv: no column 'id' \(the ID column\) in a header line/,
  );
  const mask = csv(dir, 'm.csv', [[1], [1], [0]]);
  valueWorded(
    t,
    () => loadViewFiles([a, c], gauss, { mask }),
    /^the mask file .*m\.csv: expected 3 rows of 2 0\/1 columns \(has view 1, has view 2\), got 3×1$/,
  );
  valueWorded(
    t,
    () => openTrainingData({ views: [a], holdout: 0.1, likelihood: [GAUSSIAN] }),
    /^the view files: expected 2 to 8 files, got 1$/,
  );
  valueWorded(
    t,
    () => openTrainingData({ views: [a, c], holdout: 0.9, likelihood: gauss }),
    /^the held-out fraction 0\.9: leaves no training rows of 3$/,
  );
  valueWorded(t, () => loadViewFiles([a], [GAUSSIAN]), /^the view files: expected 2 to 8 files, got 1$/);
  valueWorded(
    t,
    () => loadViewFiles([a, c, b], [GAUSSIAN, GAUSSIAN, GAUSSIAN]),
    /^view 3's file .*b\.csv has 2 rows but view 1's file .*a\.csv has 3/,
  );
  const { record } = openTrainingData({ views: [a, c], holdout: 0, likelihood: gauss });
  valueWorded(
    t,
    () => reopenSplit(record, 'test'),
    /^the model was trained with a held-out fraction of 0: it has no held-out rows; use its training rows$/,
  );
  const arrays = { dataset: 'arrays' } as unknown as DataRecord;
  valueWorded(
    t,
    () => reopenSplit(arrays, 'train'),
    /^the model records no training data to reopen .*; give its rows again$/,
  );
});

/** A small trained two-view model's files, and a directory holding them. */
async function twoView(dir: string) {
  const rows = Array.from({ length: 24 }, (_, r) => [r % 2, (r >> 1) % 2, (r >> 2) % 2]);
  const model = await fit({ view1: rows, view2: rows }, { hidden: [4], latent: 2, epochs: 1, batch: 8 });
  const at = join(dir, 'two');
  await model.save(at);
  return { model, at };
}

/** model.json's text with format_version set to `v`. */
const withVersion = (text: string, v: number) => JSON.stringify({ ...JSON.parse(text), format_version: v });

test('the store names the model directory, not --model', async (t) => {
  const dir = tempDir(t),
    empty = join(dir, 'empty');
  mkdirSync(empty);
  valueWorded(
    t,
    () => readModelJson(empty),
    /^the model directory .*empty: not a jpvae model directory \(no model\.json\)$/,
  );
  valueWorded(t, () => loadModel(empty), /^the model directory .*empty: not a jpvae model directory/);
  const { at } = await twoView(dir);
  valueWorded(
    t,
    () => checkOutDir(at, VALUE_LABELS.out, false),
    /^the output directory .*two: already holds a model; write elsewhere, or train that model further$/,
  );
});

const NEWER = (newest: number) =>
  new RegExp(
    `model\\.json was written by a newer jpvae \\(format 99; this jpvae reads up to ${newest}\\): upgrade jpvae$`,
  );

test('a two-view model.json or checkpoint of a newer format: one line, upgrade jpvae (library and CLI)', async (t) => {
  t.is(FORMAT_VERSION, 4, 'every model is written as model.json version 4');
  const dir = tempDir(t);
  const { model, at } = await twoView(dir);
  const files = model.toFiles();
  const newer = { ...files, 'model.json': withVersion(files['model.json'] as string, 99) };
  await t.throwsAsync(fromFiles(newer), { instanceOf: InputError, message: NEWER(FORMAT_VERSION) });
  writeFileSync(join(at, 'model.json'), withVersion(readFileSync(join(at, 'model.json'), 'utf8'), 99));
  t.throws(() => readModelJson(at), { instanceOf: InputError, message: NEWER(FORMAT_VERSION) });
  for (const args of [
    ['eval', '--model', at],
    ['train', '--resume', at, '--epochs', '3'],
  ]) {
    const r = jpvae(...args);
    t.is(r.code, 2, args.join(' '));
    t.regex(r.err, new RegExp(`^jpvae ${args[0]}: .*${NEWER(FORMAT_VERSION).source.slice(0, -1)}\\n$`));
  }
});

test('an M-view model.json of a newer format, and an export manifest: one line, upgrade jpvae', async (t) => {
  const dir = tempDir(t);
  const rows = Array.from({ length: 24 }, (_, r) => [r % 2, (r >> 1) % 2]);
  const model = await fit([rows, rows, rows], { hidden: [4], latent: 2, epochs: 1, batch: 8 });
  const files = model.toFiles();
  const newer = { ...files, 'model.json': withVersion(files['model.json'] as string, 99) };
  await t.throwsAsync(fromFiles(newer), { instanceOf: InputError, message: NEWER(FORMAT_VERSION) });
  const at = join(dir, 'three');
  await model.save(at);
  writeFileSync(join(at, 'model.json'), newer['model.json'] as string);
  const r = jpvae('eval', '--model', at);
  t.is(r.code, 2);
  t.regex(r.err, new RegExp(`^jpvae eval: .*${NEWER(FORMAT_VERSION).source.slice(0, -1)}\\n$`));

  const out = join(dir, 'export');
  writeExport(out, model.exportOnnx().files);
  const manifest = join(out, 'manifest.json');
  writeFileSync(manifest, withVersion(readFileSync(manifest, 'utf8'), 99));
  await t.throwsAsync(createImputer(out, { executionProviders: ['jpvae-wasm'] }), {
    message: new RegExp(
      `manifest\\.json was written by a newer jpvae \\(format 99; this jpvae reads up to ${EXPORT_FORMAT_VERSION}\\): upgrade jpvae$`,
    ),
  });
});
