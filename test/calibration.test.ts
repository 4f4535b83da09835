// Calibration of imputation draws: the scores on draws whose distribution
// is known, and on a planted linear-Gaussian two-view problem whose exact
// conditional is known, where the trained model's predictive draws must
// cover as their intervals say and latent-only draws fall short.

import test from 'ava';
import { fit } from '../src/api/model.ts';
import { Rng } from '../src/data/rng.ts';
import { BernoulliScores, GaussianScores } from '../src/eval/calibration.ts';
import { exactDraws, plantedLinear } from './planted-linear.ts';

test('Gaussian scores: calibrated draws cover at their level, narrow ones do not; CRPS of N(0, 1) is 1/√π', (t) => {
  const rng = new Rng(5),
    n = 4000,
    K = 200;
  const y = Float64Array.from({ length: n }, () => rng.normal());
  const draws = (sd: number) => Float64Array.from({ length: n * K }, () => sd * rng.normal());
  const good = new GaussianScores(1, K),
    narrow = new GaussianScores(1, K);
  good.add(y, draws(1), n);
  narrow.add(y, draws(0.5), n);
  const g = good.result(),
    w = narrow.result();
  t.true(Math.abs(g.coverage_50 - 0.5) < 0.025 && Math.abs(g.coverage_90 - 0.9) < 0.015, JSON.stringify(g));
  // N(0, 0.5²) draws: the central 90% interval is ±0.82, which holds 59% of N(0, 1).
  t.true(Math.abs(w.coverage_90 - 0.59) < 0.03, `narrow draws cover ${w.coverage_90}`);
  t.true(w.pit[0] > 0.15 && w.pit[9] > 0.15, 'narrow draws: a U-shaped PIT histogram');
  t.true(Math.abs(g.crps - 1 / Math.sqrt(Math.PI)) < 0.02, `CRPS ${g.crps}`);
  t.true(Math.abs(g.pit.reduce((a, b) => a + b, 0) - 1) < 1e-9);
  t.true(
    g.pit.every((p) => Math.abs(p - 0.1) < 0.02),
    g.pit.join(' '),
  );
});

test('Bernoulli scores: pixels drawn with the predicted probability give the Brier score E[p(1 − p)] and a flat PIT', (t) => {
  const rng = new Rng(6),
    n = 20000,
    K = 4;
  const p = Float64Array.from({ length: n }, () => rng.uniform());
  const y = Float64Array.from(p, (q) => (rng.uniform() < q ? 1 : 0));
  // The K draws' probabilities average to p (one spread around it).
  const draws = new Float64Array(n * K);
  for (let r = 0; r < n; r++)
    for (let k = 0; k < K; k++) draws[r * K + k] = p[r] + (k % 2 ? 1 : -1) * 0.5 * Math.min(p[r], 1 - p[r]);
  const s = new BernoulliScores(1, K);
  s.add(y, draws, n);
  const b = s.result();
  t.true(Math.abs(b.brier - 1 / 6) < 0.01, `Brier ${b.brier}`); // E[p(1 − p)] for p ~ U(0, 1)
  t.true(Math.abs(b.log_score - 0.5) < 0.02, `log score ${b.log_score}`); // E[−p log p − (1 − p) log(1 − p)] = 1/2
  t.true(
    b.pit.every((q) => Math.abs(q - 0.1) < 0.01),
    b.pit.join(' '),
  );
  for (const r of b.reliability) t.true(Math.abs(r.predicted - r.observed) < 0.03, JSON.stringify(r));
});

test('planted linear-Gaussian views: predictive draws cover 50% and 90% of held-out values, latent-only draws less', async (t) => {
  const nTrain = 3000,
    nHeld = 1000,
    K = 100;
  const p = plantedLinear(nTrain + nHeld, 7),
    [d1, d2] = p.dims;
  const part = (x: Float32Array, d: number, held: boolean) => ({
    data: held ? x.slice(nTrain * d) : x.slice(0, nTrain * d),
    width: d,
  });
  // The exact conditional's own draws: the yardstick the scores are read against.
  const exact = new GaussianScores(d2, K);
  exact.add(p.x[1].subarray(nTrain * d2), exactDraws(p, p.x[0].subarray(nTrain * d1), nHeld, K, 3), nHeld);
  const e = exact.result();
  const model = await fit(
    { view1: part(p.x[0], d1, false), view2: part(p.x[1], d2, false) },
    { likelihood: ['gaussian', 'gaussian'], latent: 2, hidden: [32], epochs: 50, holdout: 0, seed: 1, threads: 1 },
  );
  const held = { view1: part(p.x[0], d1, true), view2: part(p.x[1], d2, true) };
  const predictive = model.calibration(held, { samples: K }),
    latent = model.calibration(held, { samples: K, draws: 'latent' });
  const row = (c: typeof predictive, k: 'x1_given_x2' | 'x2_given_x1') => {
    const v = c.impute[k];
    if (v.likelihood !== 'gaussian') throw new Error('Gaussian views expected');
    return { coverage_50: v.coverage_50, coverage_90: v.coverage_90, crps: v.crps };
  };
  const report = {
    exact_x2_given_x1: { coverage_50: e.coverage_50, coverage_90: e.coverage_90, crps: e.crps },
    predictive: { x1_given_x2: row(predictive, 'x1_given_x2'), x2_given_x1: row(predictive, 'x2_given_x1') },
    latent: { x1_given_x2: row(latent, 'x1_given_x2'), x2_given_x1: row(latent, 'x2_given_x1') },
  };
  t.log(JSON.stringify(report));
  t.true(Math.abs(e.coverage_90 - 0.9) < 0.02 && Math.abs(e.coverage_50 - 0.5) < 0.03, 'the exact conditional covers');
  for (const k of ['x1_given_x2', 'x2_given_x1'] as const) {
    const pr = report.predictive[k],
      la = report.latent[k];
    t.true(pr.coverage_90 >= 0.87 && pr.coverage_90 <= 0.93, `${k}: predictive 90% interval covers ${pr.coverage_90}`);
    t.true(pr.coverage_50 >= 0.46 && pr.coverage_50 <= 0.54, `${k}: predictive 50% interval covers ${pr.coverage_50}`);
    t.true(la.coverage_90 < pr.coverage_90 - 0.03, `${k}: latent-only draws cover ${la.coverage_90} of 90%`);
    t.true(la.coverage_50 < pr.coverage_50 - 0.03, `${k}: latent-only draws cover ${la.coverage_50} of 50%`);
  }
});
