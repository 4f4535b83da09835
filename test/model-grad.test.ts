// The whole model's gradient (both likelihoods, every prior, rows with a
// missing view) against central finite differences on the f64 twin.

import test from 'ava';
import { createKernels } from '../src/core/index.ts';
import type { ViewData } from '../src/data/view-data.ts';
import { Rng } from '../src/data/rng.ts';
import { Jpvae } from '../src/model/jpvae.ts';
import type { PriorKind } from '../src/model/prior/prior.ts';
import { layoutFdError } from './util.ts';

const HAS_VIEW1 = 1,
  HAS_VIEW2 = 2,
  HAS_BOTH = 3;

function problem(present: number[]): ViewData {
  const rng = new Rng(5),
    n = present.length;
  return {
    n,
    dims: [5, 3],
    xs: [
      Float32Array.from({ length: n * 5 }, () => (rng.uniform() < 0.4 ? 1 : 0)),
      Float32Array.from({ length: n * 3 }, () => rng.normal()),
    ],
    present: Uint8Array.from(present),
  };
}

const CASES = [
  ...(['zero', 'svd', 'orthogonal'] as PriorKind[]).map((kind) => ({
    kind,
    latent: [2, 3],
    larger1: false,
  })),
  ...(['svd', 'orthogonal'] as PriorKind[]).map((kind) => ({
    kind,
    latent: [3, 2],
    larger1: true,
  })),
];
for (const { kind, latent, larger1 } of CASES) {
  test(`gradient of the batch loss matches finite differences: ${kind} prior${larger1 ? ' with the larger latent first' : ''}, Bernoulli + learnt Gaussian, missing views`, (t) => {
    const model = new Jpvae(
      createKernels('js-f64'),
      {
        dims: [5, 3],
        hidden: [4],
        latent,
        prior: { kind, alpha: 0.7, flips: 1 },
        likelihood: [{ kind: 'bernoulli' }, { kind: 'gaussian', variance: 'learnt' }],
      },
      8,
    );
    const rng = new Rng(2);
    model.initParams(rng);
    const p = model.params();
    for (let i = 0; i < p.length; i++) p[i] += 0.3 * rng.normal(); // move biases and prior parameters off zero
    const data = problem([HAS_BOTH, HAS_VIEW1, HAS_BOTH, HAS_VIEW2, HAS_VIEW2, HAS_BOTH]);
    const idx = Uint32Array.from({ length: data.n }, (_, i) => i);
    const loss = () => {
      const s = model.loss(data, idx, 0.8, new Rng(9));
      return (s.recon[0] + s.recon[1] + 0.8 * s.kl) / s.rows;
    };
    model.lossAndGradient(data, idx, 0.8, new Rng(9));
    const g = Float64Array.from(model.grads());
    const { worst, checked } = layoutFdError(model.layout.entries, p, g, loss, (e) =>
      Math.max(1, Math.floor(e.size / 5)),
    );
    t.log({ checked, worst });
    t.true(worst < 1e-5, `worst relative error ${worst}`);
  });
}

test('a batch without rows of one view gives that view zero gradient, whatever the batch before left in G', (t) => {
  const model = new Jpvae(
    createKernels('wasm'),
    {
      dims: [5, 3],
      hidden: [4],
      latent: [2, 3],
      prior: { kind: 'orthogonal', alpha: 0.7, flips: 0 },
      likelihood: [{ kind: 'bernoulli' }, { kind: 'gaussian', variance: 'learnt' }],
    },
    8,
  );
  model.initParams(new Rng(3));
  const g = model.grads(),
    view2 = model.layout.entries.filter((e) => e.name.startsWith('view2.'));
  const both = problem([HAS_BOTH, HAS_BOTH, HAS_BOTH]),
    only1 = problem([HAS_VIEW1, HAS_VIEW1, HAS_VIEW1]);
  const idx = Uint32Array.from([0, 1, 2]);
  model.lossAndGradient(both, idx, 1, new Rng(1));
  t.true(view2.some((e) => g.subarray(e.offset, e.offset + e.size).some((x) => x !== 0)));
  model.lossAndGradient(only1, idx, 1, new Rng(1));
  for (const e of view2)
    t.true(
      g.subarray(e.offset, e.offset + e.size).every((x) => x === 0),
      e.name,
    );
  t.true(
    model.layout.entries.some(
      (e) => e.name.startsWith('view1.') && g.subarray(e.offset, e.offset + e.size).some((x) => x !== 0),
    ),
  );
});
