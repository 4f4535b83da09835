// Training end to end on a small planted problem: it learns, the joint
// prior correlates the latents, runs are reproducible and resumable, and
// a saved model loads back to the same outputs.

import test from 'ava';
import { createKernels, type BackendChoice } from '../src/core/index.ts';
import { Rng } from '../src/data/rng.ts';
import { crossCorrelation, frobenius } from '../src/eval/latent.ts';
import { encodeViewMeans } from '../src/impute/latent-fit.ts';
import type { ModelConfig } from '../src/model/config.ts';
import { Jpvae } from '../src/model/jpvae.ts';
import type { PriorKind } from '../src/model/prior/prior.ts';
import { encodeModel, type ModelExtra, type Moments } from '../src/store/files.ts';
import { loadWeights, readModelJson, writeModelFiles } from '../src/store/store.ts';
import { ADAM_DEFAULTS } from '../src/train/adam.ts';
import { evaluateLoss, Trainer } from '../src/train/trainer.ts';
import { plantedBinary } from './planted.ts';
import { arraysRecord, tempDir } from './util.ts';

const saveModel = (dir: string, model: Jpvae, extra: ModelExtra, adam?: Moments) =>
  writeModelFiles(dir, encodeModel(model, extra, adam));

const data = plantedBinary(1500, 24, 7, 2, 2); // 2 shared + 2 private factors per view
const config = (kind: PriorKind): ModelConfig => ({
  dims: [24, 24],
  hidden: [32],
  latent: [4, 4],
  prior: { kind, alpha: 0.95, flips: 0 },
});
const options = (seed = 1) => ({
  epochs: 10,
  batch: 32,
  beta: { kind: 'constant' as const, value: 1 },
  seed,
  adam: ADAM_DEFAULTS,
});

function setup(kind: PriorKind, seed = 1, backend: BackendChoice = 'wasm') {
  const model = new Jpvae(createKernels(backend), config(kind), 32);
  model.initParams(new Rng(seed));
  const trainer = new Trainer(model, options(seed), data);
  return { model, trainer };
}

async function train(trainer: Trainer, epochs: number) {
  for (let e = 0; e < epochs; e++) await trainer.runEpoch();
  return trainer.state.history;
}

const encodeMeans = (model: Jpvae, d: typeof data) => encodeViewMeans(model, d.xs, [0, 1], d.n);

const crossCorrNorm = (model: Jpvae) => {
  const [Z1, Z2] = encodeMeans(model, data);
  return frobenius(crossCorrelation(Z1, 4, Z2, 4, data.n));
};

test('the loss falls', async (t) => {
  const { trainer } = setup('orthogonal');
  const h = await train(trainer, 6);
  t.true(h[5].train.loss < 0.85 * h[0].train.loss, `first ${h[0].train.loss}, last ${h[5].train.loss}`);
});

test('the orthogonal prior learns a clearly larger latent cross-correlation than zero', async (t) => {
  const norms: Record<string, number> = {};
  for (const kind of ['zero', 'orthogonal'] as const) {
    const { model, trainer } = setup(kind);
    await train(trainer, 10);
    norms[kind] = crossCorrNorm(model);
  }
  t.log(norms);
  t.true(norms.orthogonal > 1.5 * norms.zero, JSON.stringify(norms));
});

test('the same seed gives bit-identical weights, another seed does not', async (t) => {
  const runs = await Promise.all(
    [1, 1, 2].map(async (seed) => {
      const { model, trainer } = setup('svd', seed);
      await train(trainer, 2);
      return Float32Array.from(model.params());
    }),
  );
  t.deepEqual(runs[0], runs[1]);
  t.notDeepEqual(runs[0], runs[2]);
});

test('a resumed run equals an uninterrupted one, bit for bit', async (t) => {
  const dir = tempDir(t);
  const straight = setup('orthogonal');
  await train(straight.trainer, 3);

  const first = setup('orthogonal');
  await train(first.trainer, 1);
  saveModel(
    dir,
    first.model,
    {
      data: arraysRecord(data),
      training: {
        options: { batch: 32, beta: 'constant:1', seed: 1, lr: ADAM_DEFAULTS.lr, backend: 'wasm' },
        state: first.trainer.state,
      },
    },
    first.trainer.adam,
  );

  const json = readModelJson(dir);
  const model = new Jpvae(createKernels('wasm'), json.config, 32);
  const trainer = new Trainer(model, options(), data);
  loadWeights(dir, json, model, trainer.adam);
  trainer.state = json.training!.state;
  await train(trainer, 2);
  t.deepEqual(Float32Array.from(model.params()), Float32Array.from(straight.model.params()));
  t.deepEqual(
    trainer.state.history.map((r) => r.train),
    straight.trainer.state.history.map((r) => r.train),
  );
});

test('an epoch stopped part way and continued equals an uninterrupted one, bit for bit', async (t) => {
  const straight = setup('orthogonal');
  await train(straight.trainer, 2);
  const { model, trainer } = setup('orthogonal');
  await trainer.runEpoch();
  let checks = 0;
  t.is(await trainer.runEpoch(undefined, () => ++checks === 2), null); // stops after 2 steps (a turn after every step)
  t.is(trainer.state.partial?.steps, 2);
  t.is(trainer.state.epoch, 1);
  const json = JSON.parse(JSON.stringify(trainer.state)); // as a checkpoint stores it
  trainer.state = json;
  await trainer.runEpoch();
  t.is(trainer.state.partial, undefined);
  t.deepEqual(Float32Array.from(model.params()), Float32Array.from(straight.model.params()));
  t.deepEqual(trainer.state.history[1].train, straight.trainer.state.history[1].train);
});

test('a model written then loaded gives identical outputs', async (t) => {
  const dir = tempDir(t);
  const { model, trainer } = setup('svd');
  await train(trainer, 1);
  saveModel(dir, model, { data: arraysRecord(data) });
  const json = readModelJson(dir);
  const loaded = new Jpvae(createKernels('wasm'), json.config, 64); // another batch size: same outputs
  loadWeights(dir, json, loaded);
  t.deepEqual(evaluateLoss(loaded, data, null), evaluateLoss(model, data, null));
  t.deepEqual(encodeMeans(loaded, data), encodeMeans(model, data));
});

test('the js twin trains the same model to the same losses (to f32 rounding)', async (t) => {
  const [wasm, js] = await Promise.all(
    (['wasm', 'js'] as const).map(async (b) => (await train(setup('svd', 1, b).trainer, 1))[0].train),
  );
  t.true(Math.abs(wasm.loss - js.loss) < 1e-3 * Math.abs(js.loss), `wasm ${wasm.loss} js ${js.loss}`);
});
