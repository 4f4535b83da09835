// Adapting a model with covariates to a new batch (adaptCovariates): only
// the new category's rows of the covariate weights change (the views the
// batch has; a view it lacks keeps the known rows' mean), every other
// weight is bit for bit the source model's, the latent fit is kept (or
// pools in the batch), and the adapted model imputes the batch better than the average
// batch did, on the planted batches (real-valued views far from 0 and 1,
// training rows missing a view).

import test from 'ava';
import { adaptCovariates } from '../src/api/adapt.ts';
import { fit, fromFiles, type JpvaeModel } from '../src/api/model.ts';
import { InputError } from '../src/errors.ts';
import { parseModelJson } from '../src/store/files.ts';
import { plantedBatches, type BatchRows } from './planted-batches.ts';

const p = plantedBatches({ perBatch: 300, newRows: 200, heldOut: 60, seed: 3 });
const views = p.train.x.map((x, i) => ({ data: x, width: p.dims[i] }));
const OPTIONS = { likelihood: 'gaussian', epochs: 30, hidden: [32, 32], latent: 2, holdout: 0, threads: 1 };
let model: JpvaeModel, adapted: JpvaeModel;

test.before(async () => {
  model = await fit(views, { ...OPTIONS, covariates: { batch: p.train.batch } });
  adapted = adaptCovariates(model, [{ data: p.fresh.x[0], width: p.dims[0] }, null], {
    covariates: { batch: p.fresh.batch },
    epochs: 40,
  });
});

const tensors = (m: JpvaeModel) =>
  new Map(m.net.layout.entries.map((e) => [e.name, Array.from(m.net.params().subarray(e.offset, e.offset + e.size))]));

/** RMSE of view 2 imputed from view 1 of `rows`, in its raw units. */
function rmse(m: JpvaeModel, rows: BatchRows, unknownCategory?: 'average'): number {
  const y = m.impute(
    { data: rows.x[0], width: p.dims[0] },
    { given: 1, covariates: { batch: rows.batch }, unknownCategory },
  );
  return Math.sqrt(y.reduce((s, v, e) => s + (v - rows.truth2[e]) ** 2, 0) / y.length);
}

test('only the new batch’s rows train: every other weight is the source model’s, a view the batch lacks keeps the known rows’ mean', (t) => {
  t.deepEqual(adapted.config.covariates, [{ name: 'batch', categories: ['A', 'B', 'C', 'D'] }]);
  const before = tensors(model),
    after = tensors(adapted);
  for (const [name, values] of before) {
    if (!name.endsWith('.covariates.weight')) {
      t.deepEqual(after.get(name), values, name);
      continue;
    }
    const width = values.length / 3,
      grown = after.get(name)!;
    t.deepEqual(grown.slice(0, 3 * width), values, `${name}: the known rows`);
    const mean = Array.from({ length: width }, (_, h) =>
      Math.fround((values[h] + values[width + h] + values[2 * width + h]) / 3),
    );
    const fresh = grown.slice(3 * width);
    if (name.startsWith('view2.'))
      fresh.forEach((v, h) => t.true(Math.abs(v - mean[h]) <= 1e-6 * (1 + Math.abs(mean[h])), `${name}[${h}]`));
    else
      t.true(
        fresh.some((v, h) => Math.abs(v - mean[h]) > 1e-3),
        `${name}: trained`,
      );
  }
  t.deepEqual(adapted.json.latentFit, model.json.latentFit); // kept by default
  const pooled = adaptCovariates(model, [{ data: p.fresh.x[0], width: p.dims[0] }, null], {
    covariates: { batch: p.fresh.batch },
    epochs: 1,
    latentFit: 'pool',
  });
  t.is(pooled.json.latentFit!.rows, model.json.latentFit!.rows + p.fresh.n);
  t.notDeepEqual(pooled.json.latentFit!.mean, model.json.latentFit!.mean);
});

test('the adapted model imputes the new batch better than the average batch did, and still imputes the known ones; its files load', async (t) => {
  const average = rmse(model, p.fresh, 'average'),
    fresh = rmse(adapted, p.fresh);
  t.log({ average, adapted: fresh });
  t.true(fresh < 0.85 * average, `adapted ${fresh} against the average batch's ${average}`);
  t.true(Math.abs(rmse(adapted, p.trainHeldOut) / rmse(model, p.trainHeldOut) - 1) < 0.2);
  const again = await fromFiles(adapted.toFiles());
  t.deepEqual(
    again.impute({ data: p.fresh.x[0], width: p.dims[0] }, { given: 1, covariates: { batch: p.fresh.batch } }),
    adapted.impute({ data: p.fresh.x[0], width: p.dims[0] }, { given: 1, covariates: { batch: p.fresh.batch } }),
  );
});

test('adapting without a new category, or a model without covariates: one line', async (t) => {
  const known = t.throws(
    () =>
      adaptCovariates(model, [{ data: p.fresh.x[0], width: p.dims[0] }, null], {
        covariates: { batch: p.fresh.batch.map(() => 'A') },
      }),
    { instanceOf: InputError },
  );
  t.regex(known!.message, /^covariates: every category of the cohort is known to the model/);
  const plain = await fit(views, { ...OPTIONS, epochs: 1 });
  const none = t.throws(
    () =>
      adaptCovariates(plain, [{ data: p.fresh.x[0], width: p.dims[0] }, null], {
        covariates: { batch: p.fresh.batch },
      }),
    {
      instanceOf: InputError,
    },
  );
  t.regex(none!.message, /^the model has no covariates/);
});

test('model.json’s covariates are checked as hostile input: repeated or missing categories, too many, data and config apart', async (t) => {
  const text = model.toFiles()['model.json'] as string;
  const edited = (edit: (json: { config: { covariates: unknown }; data: { covariates: unknown } }) => void) => {
    const json = JSON.parse(text);
    edit(json);
    return () => parseModelJson(JSON.stringify(json), 'm/model.json');
  };
  const refuses = (edit: Parameters<typeof edited>[0], message: RegExp) =>
    t.regex(t.throws(edited(edit), { instanceOf: InputError })!.message, message);
  t.notThrows(edited(() => {}));
  refuses(
    (j) => (j.config.covariates = [{ name: 'batch', categories: ['A', 'A', 'C'] }]),
    /^m\/model\.json: config\.covariates: covariate 'batch' has repeated or non-text categories/,
  );
  refuses(
    (j) => (j.config.covariates = [{ name: 'batch', categories: [] }]),
    /config\.covariates\[0\]\.categories: expected 1 to 4096 categories/,
  );
  refuses(
    (j) => (j.config.covariates = [{ name: 'batch', categories: [1, 2, 3] }]),
    /config\.covariates\[0\]\.categories\[0\]: expected a string/,
  );
  refuses(
    (j) => (j.config.covariates = Array.from({ length: 17 }, (_, i) => ({ name: `c${i}`, categories: ['x'] }))),
    /expected at most 16 covariates/,
  );
  refuses(
    (j) => (j.data.covariates = [{ name: 'batch', categories: ['A', 'B', 'D'] }]),
    /data\.covariates: differs from config\.covariates/,
  );
  // A config whose categories no longer match its weights' shapes: the layout check refuses it.
  const json = JSON.parse(text);
  json.config.covariates = json.data.covariates = [{ name: 'batch', categories: ['A', 'B'] }];
  const e = await t.throwsAsync(fromFiles({ ...model.toFiles(), 'model.json': JSON.stringify(json) }), {
    instanceOf: InputError,
  });
  t.regex(e!.message, /layout\[\d+\]\.shape: expected \[2,32\]/);
});

test('covariates on two threads train the weights of one thread, bit for bit', async (t) => {
  const small = plantedBatches({ perBatch: 60, newRows: 1, heldOut: 3, seed: 4 });
  const run = (threads: number) =>
    fit(
      small.train.x.map((x, i) => ({ data: x, width: small.dims[i] })),
      { ...OPTIONS, epochs: 2, threads, onWarning: () => {}, covariates: { batch: small.train.batch } },
    );
  const [one, two] = [await run(1), await run(2)];
  t.deepEqual(two.net.params(), one.net.params());
});
