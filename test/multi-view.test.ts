// The M-view model on a planted three-view problem (test/planted-three.ts):
// view 3 imputed from views 1 and 2 beats either alone, the learnt prior
// beats C = 0, and rows with one or two of the three views add to complete
// rows. Also: its gradient against finite differences (f64 twin), the
// generalised Eq. 12 against the two-view one, and draws.

import test from 'ava';
import { createKernels } from '../src/core/index.ts';
import { sliceViews, type ViewData } from '../src/data/view-data.ts';
import { Rng } from '../src/data/rng.ts';
import { blockConditional, conditionalOf } from '../src/impute/block-conditional.ts';
import { fitLatent } from '../src/impute/latent-fit.ts';
import { imputeViews } from '../src/impute/impute.ts';
import { Jpvae } from '../src/model/jpvae.ts';
import type { PriorKind } from '../src/model/prior/prior.ts';
import { fitModel } from '../src/train/trainer.ts';
import { evaluateMetrics } from '../src/eval/metrics.ts';
import { plantedThree } from './planted-three.ts';
import { centralDiff, f64Twin, maxRelErr, THREE_VIEW_IMPUTATIONS } from './util.ts';

const DIM = 12,
  all = plantedThree(3000, DIM, 1),
  train = sliceViews(all, 0, 2000),
  held = sliceViews(all, 2000, 1000);
const mse = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / a.length;

/** Trains a model on data; returns view 3's imputation error (MSE vs the truth) on held-out rows from {1,2}, {1}, {2}. */
function imputeErrors(kind: PriorKind, data: ViewData, epochs: number) {
  const model = new Jpvae(
    createKernels('wasm'),
    { dims: [DIM, DIM, DIM], hidden: [32], latent: [2, 2, 2], prior: { kind, alpha: 0.9, factors: 4 } },
    64,
  );
  fitModel(model, data, { epochs, batch: 32, seed: 3 });
  const fit = fitLatent(model, data),
    out: Record<string, number> = {};
  for (const given of [[0, 1], [0], [1]]) {
    const [y] = imputeViews(
      model,
      conditionalOf(
        fit,
        given.map((g) => g + 1),
        [3],
      ),
      given.map((g) => held.xs[g]),
      held.n,
    );
    out[given.map((g) => g + 1).join(',')] = mse(y, held.xs[2]);
  }
  return out;
}

test('planted three views: x3 from x1 and x2 beats either alone, and the learnt prior beats C = 0', (t) => {
  const learnt = imputeErrors('factor', train, 20),
    zero = imputeErrors('zero', train, 20);
  t.log('MSE of x3 (learnt prior):', learnt, ' C = 0:', zero);
  t.true(learnt['1,2'] < 0.5 * Math.min(learnt['1'], learnt['2']), 'both given beats either alone');
  t.true(learnt['1,2'] < 0.9 * zero['1,2'], 'the learnt prior beats C = 0 from both');
});

test('imputeViews: K draws per row, seeded and reproducible, spread around the mean imputation', (t) => {
  const model = new Jpvae(
    createKernels('wasm'),
    { dims: [DIM, DIM, DIM], hidden: [16], latent: [2, 2, 2], prior: { kind: 'factor', alpha: 0.9 } },
    32,
  );
  fitModel(model, sliceViews(train, 0, 300), { epochs: 2, batch: 32, seed: 1 });
  const c = conditionalOf(fitLatent(model, train), [1], [2, 3]); // views numbered from 1
  for (const [given, target] of [
    [[0], [1]],
    [[1], [4]],
  ])
    t.throws(() => conditionalOf(fitLatent(model, train), given, target), {
      message: /views: expected view numbers from 1 to 3, got [04]/,
    });
  const xs = [held.xs[0].subarray(0, 10 * DIM)];
  const draw = (seed: number) => {
    const rng = new Rng(seed);
    return imputeViews(model, c, xs, 10, { noise: () => rng.normal() }, 7);
  };
  const a = draw(4),
    b = draw(4),
    mean = imputeViews(model, c, xs, 10);
  t.is(a.length, 2);
  t.is(a[0].length, 70 * DIM);
  t.deepEqual(a, b, 'same seed, same draws');
  t.notDeepEqual(a[0].subarray(0, DIM), a[0].subarray(DIM, 2 * DIM), 'copies of a row differ');
  t.is(mean[1].length, 10 * DIM);
});

test('planted three views: rows with one or two views present add to complete rows', (t) => {
  const complete = 100; // the first rows have every view; the rest one or two of the three
  const masks = [0b001, 0b010, 0b100, 0b011, 0b101, 0b110];
  const partial = {
    ...train,
    present: Uint8Array.from({ length: train.n }, (_, r) => (r < complete ? 7 : masks[r % 6])),
  };
  const withPartial = imputeErrors('factor', partial, 20);
  // The same number of steps on the complete rows alone.
  const only = imputeErrors('factor', sliceViews(train, 0, complete), (20 * train.n) / complete);
  t.log('MSE of x3 with partial rows:', withPartial, ' complete rows only:', only);
  const total = (e: Record<string, number>) => e['1,2'] + e['1'] + e['2'];
  t.true(total(withPartial) < total(only), 'partial rows help overall');
  t.true(withPartial['1'] < only['1'] && withPartial['2'] < only['2'], 'from a single view');
});

test('Jpvae on three views: the gradient of the batch loss matches finite differences (f64 twin), rows with any subset of views', (t) => {
  const k = f64Twin(),
    rng = new Rng(11),
    rows = 6;
  const model = new Jpvae(
    k,
    {
      dims: [3, 4, 2],
      hidden: [5],
      latent: [2, 3, 2],
      prior: { kind: 'factor', alpha: 0.8, factors: 4 },
      likelihood: [{ kind: 'bernoulli' }, { kind: 'gaussian', variance: 'learnt' }, { kind: 'bernoulli' }],
    },
    rows,
  );
  model.initParams(rng);
  const p = model.params();
  for (let i = 0; i < p.length; i++) p[i] += 0.3 * rng.normal();
  const data: ViewData = {
    n: rows,
    dims: [3, 4, 2],
    xs: [3, 4, 2].map((d) => Float32Array.from({ length: rows * d }, () => rng.uniform())),
    present: Uint8Array.from([7, 3, 5, 6, 1, 4]),
  };
  const idx = Uint32Array.from({ length: rows }, (_, r) => r);
  const noise = new Rng(5).state();
  const loss = () => {
    const t = model.loss(data, idx, 0.7, Rng.fromState(noise));
    return (t.recon.reduce((a, b) => a + b, 0) + 0.7 * t.kl) / rows;
  };
  model.lossAndGradient(data, idx, 0.7, Rng.fromState(noise));
  const g = Float64Array.from(model.grads());
  const pick = Array.from({ length: 60 }, () => rng.below(p.length));
  const numeric = pick.map((i) => centralDiff(loss, p, i, 1e-6));
  const err = maxRelErr(
    pick.map((i) => g[i]),
    numeric,
  );
  t.true(err <= 1e-6, `rel err ${err.toExponential(2)}`);
});

test('Eq. 12 over blocks: for two blocks it is the two-view conditional; for three, Σ_TG = gain·Σ_GG', (t) => {
  const rng = new Rng(12),
    n1 = 3,
    n2 = 4,
    d = n1 + n2;
  const B = Float64Array.from({ length: d * d }, () => rng.normal());
  const cov = Array.from({ length: d * d }, (_, e) => {
    const i = Math.floor(e / d),
      j = e % d;
    let s = i === j ? 0.5 : 0;
    for (let c = 0; c < d; c++) s += B[i * d + c] * B[j * d + c];
    return s;
  });
  const mean = Array.from({ length: d }, () => rng.normal());
  const two = conditionalOf({ latent: [n1, n2], rows: 1, complete: 1, mean, cov }, [1], [2]),
    block = blockConditional(mean, cov, [n1, n2], [0], [1]);
  t.deepEqual(Array.from(block.gain), Array.from(two.gain));
  t.deepEqual(Array.from(block.offset), Array.from(two.offset));
  t.deepEqual(Array.from(block.cov), Array.from(two.cov));
  // The two-view Eq. 12 in closed form: gain·Σ11 = Σ21, offset = m2 − gain·m1, cov = Σ22 − gain·Σ12.
  for (let a = 0; a < n2; a++) {
    let off = mean[n1 + a];
    for (let b = 0; b < n1; b++) {
      let r = cov[(n1 + a) * d + b];
      for (let h = 0; h < n1; h++) r -= two.gain[a * n1 + h] * cov[h * d + b];
      t.true(Math.abs(r) < 1e-9, `Σ21 = gain·Σ11 at ${a},${b}`);
      off -= two.gain[a * n1 + b] * mean[b];
    }
    t.true(Math.abs(two.offset[a] - off) < 1e-9, `offset ${a}`);
    for (let c = 0; c < n2; c++) {
      let v = cov[(n1 + a) * d + n1 + c];
      for (let h = 0; h < n1; h++) v -= two.gain[a * n1 + h] * cov[h * d + n1 + c];
      t.true(Math.abs(two.cov[a * n2 + c] - v) < 1e-9, `cov ${a},${c}`);
    }
  }
  // Three blocks, target in the middle: gain against a direct solve of Σ_GG·X = Σ_GT.
  const c3 = blockConditional(mean, cov, [2, 3, 2], [0, 2], [1]);
  const gi = [0, 1, 5, 6],
    ti = [2, 3, 4];
  for (let a = 0; a < 3; a++)
    for (let g = 0; g < 4; g++) {
      // Σ_TG − gain·Σ_GG = 0
      let r = cov[ti[a] * d + gi[g]];
      for (let h = 0; h < 4; h++) r -= c3.gain[a * 4 + h] * cov[gi[h] * d + gi[g]];
      t.true(Math.abs(r) < 1e-9, `Σ_TG = gain·Σ_GG at ${a},${g}`);
    }
});

test('evaluateMetrics: every view from every subset of the others, keyed x2_given_x1_x3, over the rows that have them', (t) => {
  const model = new Jpvae(
    createKernels('wasm'),
    { dims: [DIM, DIM, DIM], hidden: [16], latent: [2, 2, 2], prior: { kind: 'factor', alpha: 0.9 } },
    32,
  );
  const data = sliceViews(train, 0, 400);
  fitModel(model, data, { epochs: 3, batch: 32, seed: 1 });
  const test = {
    ...sliceViews(held, 0, 120),
    present: Uint8Array.from({ length: 120 }, (_, r) => [7, 3, 5][r % 3]),
  };
  const m = evaluateMetrics(model, test, fitLatent(model, data), 'test');
  t.deepEqual(Object.keys(m.impute).sort(), THREE_VIEW_IMPUTATIONS);
  t.is(m.impute_rows.x2_given_x1_x3, 40, 'only the complete rows have views 1, 2 and 3');
  t.is(m.impute_rows.x2_given_x1, 80);
  t.is(m.impute_rows.x3_given_x1, 80);
  t.true(Object.values(m.impute).every((v) => Number.isFinite(v) && v > 0));
  t.true(m.impute.x3_given_x1_x2 < m.impute.x3_given_x1, 'two views impute better than one');
  t.deepEqual(Object.keys(m.recon), ['x1', 'x2', 'x3']);
});
