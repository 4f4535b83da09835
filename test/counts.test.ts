// The count likelihoods' kernel (countNll: Poisson and negative binomial on
// log-rates): lgamma and digamma against reference values, the loss
// against scipy's, every wasm build against the js twin on odd sizes with
// zero and 1e5 counts, the gradients in log-rate and log-dispersion against
// central finite differences, and what happens at extreme rates.

import test from 'ava';
import type { Kernels } from '../src/core/index.ts';
import { digamma, lgamma } from '../src/core/js/counts.ts';
import { negativeBinomialDraw } from '../src/data/count-draws.ts';
import { backendsUnderTest, eachBackend, gradMatchesFd, matchesTwin, Rng } from './util.ts';
import { fdCase, normals, run, scaledLossSum, twinCase, zeros, type Call } from './kernel-cases.ts';

const backends = backendsUnderTest('f32');
const wasmBackends = backendsUnderTest('wasm');

/** countNll over [logRate, logSize, target, logTheta, loss, dLogRate, dLogTheta] (a null array is NULL). */
const countNll =
  (rows: number, N: number, scale: number): Call =>
  (k, [eta, size, x, theta, loss, dEta, dTheta]) =>
    k.countNll(rows, N, eta, size, x, theta, loss, dEta, dTheta, scale);

/** Counts from a gamma–Poisson of mean e^{η}·s: many zeros, a few large; `big` of them set to 1e5. */
function counts(rng: Rng, eta: number[], size: number[], N: number, big = 0): number[] {
  const x = eta.map((e, i) => negativeBinomialDraw(rng, Math.exp(e + size[Math.floor(i / N)]), 2));
  for (let b = 0; b < big; b++) x[rng.below(x.length)] = 1e5;
  return x;
}

test('lgamma and digamma (the twin) match reference values to 1e-12', (t) => {
  // math.lgamma and scipy.special.digamma (Python 3, f64).
  const LGAMMA: [number, number][] = [
    [1e-6, 13.81550998074943],
    [0.1, 2.2527126517342055],
    [0.5, 0.5723649429247004],
    [1, 0],
    [2.5, 0.2846828704729196],
    [7.9, 8.324265868008808],
    [8, 8.525161361065415],
    [10, 12.801827480081467],
    [100.5, 361.4355404677776],
    [100001, 1051299.221899122],
    [1e8, 1742068066.1038349],
  ];
  const DIGAMMA: [number, number][] = [
    [1e-6, -1000000.57721402],
    [0.1, -10.423754940411076],
    [0.5, -1.9635100260214235],
    [3, 0.9227843350984671],
    [7.9, 2.002238487563571],
    [8, 2.0156414779556098],
    [100.5, 4.605174352581845],
    [1e5, 11.512920464961896],
    [1e8, 18.420680738952367],
  ];
  for (const [x, want] of LGAMMA)
    t.true(Math.abs(lgamma(x) - want) <= 1e-12 * Math.max(1, Math.abs(want)), `lgamma(${x}) = ${lgamma(x)}`);
  for (const [x, want] of DIGAMMA)
    t.true(Math.abs(digamma(x) - want) <= 1e-12 * Math.max(1, Math.abs(want)), `digamma(${x}) = ${digamma(x)}`);
  t.is(lgamma(0), Infinity);
});

eachBackend('countNll: Poisson and NB losses equal scipy.stats at zero, small and 1e5 counts', backends, (t, k) => {
  // −logpmf from scipy.stats.nbinom(n = θ, p = θ/(θ + μ)) and scipy.stats.poisson(μ).
  const NB: [number, number, number, number][] = [
    [0, 3, 0.5, 0.9729550745276567],
    [7, 3, 0.5, 3.615171900549846],
    [1e5, 8e4, 2, 12.180352751119075],
    [3, 1e-3, 1e3, 22.513030802860442],
    [50, 20, 1e-4, 13.123386072133277],
  ];
  const POISSON: [number, number, number][] = [
    [0, 3, 3],
    [7, 3, 3.8348753403886464],
    [1e5, 8e4, 2321.030533520039],
  ];
  // One row per case, the mean split between the log-rate and the row's size factor.
  const nb = run(
    k,
    [
      NB.map((c) => Math.log(c[1]) - 0.5),
      NB.map(() => 0.5),
      NB.map((c) => c[0]),
      NB.map((c) => Math.log(c[2])),
      zeros(5),
      null,
      null,
    ],
    (k2, [eta, size, x, theta, loss]) => {
      for (let r = 0; r < NB.length; r++) k2.countNll(1, 1, eta + r, size + r, x + r, theta + r, loss + r, 0, 0, 1);
    },
  )[4];
  NB.forEach(([x, mu, th, want], r) =>
    t.true(Math.abs(nb[r] - want) <= 2e-5 * Math.abs(want), `NB x=${x} μ=${mu} θ=${th}: ${nb[r]} vs ${want}`),
  );
  const pois = run(k, [POISSON.map((c) => Math.log(c[1])), POISSON.map((c) => c[0]), zeros(3)], (k2, [eta, x, loss]) =>
    k2.countNll(3, 1, eta, 0, x, 0, loss, 0, 0, 1),
  )[2];
  POISSON.forEach(([x, mu, want], r) =>
    t.true(Math.abs(pois[r] - want) <= 2e-5 * Math.abs(want), `Poisson x=${x} μ=${mu}: ${pois[r]} vs ${want}`),
  );
});

/** (rows, N): odd sizes past the SIMD width of every other kernel. */
const SHAPES: [number, number][] = [
  [1, 1],
  [3, 7],
  [7, 33],
  [33, 3],
  [17, 101],
];

matchesTwin('countNll on odd sizes with zero and 1e5 counts', { backends: wasmBackends, twin: 'js', tol: 1e-5 }, () => {
  const rng = new Rng(1);
  return SHAPES.flatMap(([rows, N]) => {
    const eta = normals(rng, rows * N, 1.5, 1),
      size = normals(rng, rows, 0.5),
      x = counts(rng, eta, size, N, rows * N > 20 ? 3 : 0),
      theta = normals(rng, N, 1.5);
    return [
      twinCase(
        `NB ${rows}×${N}`,
        [eta, size, x, theta, zeros(rows), zeros(rows * N), zeros(N)],
        countNll(rows, N, 0.3),
      ),
      twinCase(
        `NB ${rows}×${N}, no size factor, no gradient`,
        [eta, null, x, theta, zeros(rows), null, null],
        countNll(rows, N, 1),
      ),
      twinCase(
        `Poisson ${rows}×${N}`,
        [eta, size, x, null, zeros(rows), zeros(rows * N), null],
        countNll(rows, N, 0.7),
      ),
    ];
  });
});

const FD = { backends: wasmBackends, f64: { h: 1e-6, tol: 1e-6 }, f32: { h: 1e-2, tol: 2e-2 } };

gradMatchesFd('countNll: gradients in log-rate and log-dispersion', FD, () => {
  const rng = new Rng(2);
  return [
    [3, 7],
    [5, 13],
  ].flatMap(([rows, N], c) => {
    const eta = normals(rng, rows * N, 1, 1),
      size = normals(rng, rows, 0.3),
      x = counts(rng, eta, size, N),
      theta = normals(rng, N, 1);
    const loss = scaledLossSum(0.6, rows, 4);
    return [
      fdCase(
        `NB ${rows}×${N}`,
        [eta, size, x, theta, zeros(rows), zeros(rows * N), zeros(N)],
        countNll(rows, N, 0.6),
        loss,
        [
          [0, 5],
          [3, 6],
        ],
        300 + c,
      ),
      fdCase(
        `Poisson ${rows}×${N}`,
        [eta, size, x, null, zeros(rows), zeros(rows * N), null],
        countNll(rows, N, 0.6),
        loss,
        [[0, 5]],
        310 + c,
      ),
    ];
  });
});

gradMatchesFd(
  'countNll: NB gradients at 1e5 counts, near-Poisson and very over-dispersed features',
  { backends: [], f64: { h: 1e-6, tol: 1e-5 }, f32: { h: 1, tol: 1 } },
  () => {
    const eta = [Math.log(8e4), Math.log(9e4), 0.2, -3, 2, 5],
      x = [1e5, 1e5, 0, 1, 30, 200],
      theta = [Math.log(2), 12, -6, 0, 8, -2];
    const rows = 1,
      N = eta.length;
    return [
      fdCase(
        '1×6',
        [eta, null, x, theta, zeros(rows), zeros(N), zeros(N)],
        countNll(rows, N, 1),
        scaledLossSum(1, rows, 4),
        [
          [0, 5],
          [3, 6],
        ],
        320,
      ),
    ];
  },
);

eachBackend(
  'countNll: finite losses and gradients at zero counts and huge or tiny log-rates',
  backends,
  (t, k: Kernels) => {
    const ETA = [-1e4, -80, -20, 0, 20, 80, 1e4];
    const N = ETA.length;
    for (const x of [0, 1, 1e5]) {
      const [, , , , loss, dEta, dTheta] = run(
        k,
        [ETA, null, ETA.map(() => x), ETA.map((_, j) => [-20, 0, 20][j % 3]), zeros(1), zeros(N), zeros(N)],
        (k2, p) => {
          for (let j = 0; j < N; j++) k2.countNll(1, 1, p[0] + j, 0, p[2] + j, p[3] + j, p[4], p[5] + j, p[6] + j, 1);
        },
      );
      t.true(Number.isFinite(loss[0]) && loss[0] >= 0, `NB x=${x}: loss ${loss[0]}`);
      t.true([...dEta, ...dTheta].every(Number.isFinite), `NB x=${x}: gradients ${dEta} ${dTheta}`);
    }
    // NB at huge log-rates: ∂/∂η → θ (the loss grows linearly), never overflows.
    const [, , , , , dEta] = run(k, [[1e4], null, [3], [Math.log(2)], zeros(1), zeros(1), zeros(1)], countNll(1, 1, 1));
    t.true(Math.abs(dEta[0] - 2) < 1e-5, `∂/∂η at η = 1e4: ${dEta[0]}`);
    // Poisson: finite wherever e^η is a float; beyond, +∞ and never NaN.
    const [, , poisLoss, poisGrad] = run(k, [[-1e4, 80, 1e3], [0, 5, 5], zeros(3), zeros(3)], (k2, [eta, x, loss, d]) =>
      k2.countNll(3, 1, eta, 0, x, 0, loss, d, 0, 1),
    );
    t.true(poisLoss[0] === 0 && poisGrad[0] === 0, `Poisson x=0 at η = −1e4: ${poisLoss[0]}, ${poisGrad[0]}`);
    t.true(Number.isFinite(poisLoss[1]) && Number.isFinite(poisGrad[1]), `Poisson at η = 80: ${poisLoss[1]}`);
    t.is(poisLoss[2], Infinity);
    t.is(poisGrad[2], Infinity);
  },
);

eachBackend('countNll: NB with a huge θ is the Poisson loss; dLogTheta accumulates', backends, (t, k) => {
  const rows = 4,
    N = 3,
    eta = [0.1, 1, 2, -1, 0.5, 3, 2, 2, 2, 0, 0, 0],
    x = [0, 2, 9, 1, 1, 20, 7, 8, 6, 0, 1, 0];
  const [, , , , nb] = run(k, [eta, null, x, [25, 25, 25], zeros(rows), null, null], countNll(rows, N, 1));
  const [, , pois] = run(k, [eta, x, zeros(rows)], (k2, [e, xs, loss]) =>
    k2.countNll(rows, N, e, 0, xs, 0, loss, 0, 0, 1),
  );
  nb.forEach((v, r) =>
    t.true(Math.abs(v - pois[r]) <= 1e-4 * Math.max(1, pois[r]), `row ${r}: NB ${v} vs Poisson ${pois[r]}`),
  );
  const twice = run(k, [eta, null, x, [0, 1, 2], zeros(rows), null, [1, 2, 3]], (k2, p) => {
    k2.countNll(rows, N, p[0], 0, p[2], p[3], p[4], 0, p[6], 1);
  });
  const once = run(k, [eta, null, x, [0, 1, 2], zeros(rows), null, zeros(N)], countNll(rows, N, 1));
  twice[6].forEach((v, j) =>
    t.true(Math.abs(v - (once[6][j] + j + 1)) < 1e-5 * Math.max(1, Math.abs(v)), `feature ${j}`),
  );
});
