// Covariates in the model: the gradient of their weights (every encoder's
// and decoder's first layer reads the design rows) against central finite
// differences on the f64 twin, with rows missing a view; and the design
// rows of known, unknown and averaged categories.

import test from 'ava';
import { createKernels } from '../src/core/index.ts';
import type { ViewData } from '../src/data/view-data.ts';
import { Rng } from '../src/data/rng.ts';
import { Jpvae } from '../src/model/jpvae.ts';
import { designRows, type Covariate } from '../src/data/covariates.ts';
import { InputError } from '../src/errors.ts';
import { layoutFdError } from './util.ts';

const COVARIATES: Covariate[] = [
  { name: 'batch', categories: ['a', 'b', 'c'] },
  { name: 'site', categories: ['x', 'y'] },
];

test('the gradient of the loss matches finite differences for every weight, the covariates’ included, with missing views', (t) => {
  const model = new Jpvae(
    createKernels('js-f64'),
    {
      dims: [4, 3],
      hidden: [5],
      latent: [2, 2],
      prior: { kind: 'orthogonal', alpha: 0.6, flips: 0 },
      likelihood: [
        { kind: 'gaussian', variance: 'learnt' },
        { kind: 'gaussian', variance: 'learnt' },
      ],
      covariates: COVARIATES,
    },
    8,
  );
  const rng = new Rng(4);
  model.initParams(rng);
  const p = model.params();
  for (let i = 0; i < p.length; i++) p[i] += 0.3 * rng.normal();
  const n = 6,
    batch = ['a', 'b', 'c', 'a', 'b', 'c'],
    site = ['x', 'x', 'y', 'y', 'x', 'y'];
  const data: ViewData = {
    n,
    dims: [4, 3],
    xs: [
      Float32Array.from({ length: n * 4 }, () => 5 + 2 * rng.normal()),
      Float32Array.from({ length: n * 3 }, () => -3 + rng.normal()),
    ],
    present: Uint8Array.from([3, 1, 3, 2, 1, 3]),
    design: designRows(COVARIATES, [batch, site], n),
  };
  const idx = Uint32Array.from({ length: n }, (_, i) => i);
  const loss = () => {
    const s = model.loss(data, idx, 0.8, new Rng(9));
    return (s.recon[0] + s.recon[1] + 0.8 * s.kl) / s.rows;
  };
  model.lossAndGradient(data, idx, 0.8, new Rng(9));
  const g = Float64Array.from(model.grads());
  const covariateTensors = model.layout.entries.filter((e) => e.name.endsWith('.covariates.weight'));
  t.deepEqual(
    covariateTensors.map((e) => e.name),
    [
      'view1.encoder.covariates.weight',
      'view1.decoder.covariates.weight',
      'view2.encoder.covariates.weight',
      'view2.decoder.covariates.weight',
    ],
  );
  const { worst, checked } = layoutFdError(model.layout.entries, p, g, loss, (e) =>
    e.name.includes('covariates') ? 1 : Math.max(1, Math.floor(e.size / 4)),
  );
  t.log({ checked, worst });
  t.true(covariateTensors.every((e) => g.subarray(e.offset, e.offset + e.size).some((x) => x !== 0)));
  t.true(worst < 1e-5, `worst relative error ${worst}`);
});

test('design rows: one-hots side by side; an unknown category is one line naming it, the covariate and the known ones, or the mean of the one-hots', (t) => {
  const d = designRows(
    COVARIATES,
    [
      ['b', 'c'],
      ['y', 'x'],
    ],
    2,
  );
  t.deepEqual(Array.from(d), [0, 1, 0, 0, 1, 0, 0, 1, 1, 0]);
  const e = t.throws(
    () =>
      designRows(
        COVARIATES,
        [
          ['b', 'd'],
          ['y', 'x'],
        ],
        2,
      ),
    { instanceOf: InputError },
  );
  t.is(
    e?.message,
    "covariate 'batch': row 2 has the category 'd', which the model does not know (it knows 'a', 'b', 'c')",
  );
  const m = designRows(COVARIATES, [['d'], ['x']], 1, 'mean');
  t.deepEqual(
    Array.from(m, (x) => Math.round(x * 1000) / 1000),
    [0.333, 0.333, 0.333, 1, 0],
  );
});
