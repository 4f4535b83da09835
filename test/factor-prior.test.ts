// The M-view shared-factor prior: its KL kernel against the dense Gaussian
// KL of Eq. 7 (M = 3, 4), wasm against the js twin, every gradient against
// finite differences, Σ positive definite with identity diagonal blocks
// for extreme parameters, subsets against the marginal, and for M = 2 the
// paper's priors (zero, C = αO, σ1(C) < 1) reproduced.

import test from 'ava';
import { cayleyWork, factorKlWork, jointKlWork, type Kernels } from '../src/core/index.ts';
import { Layout } from '../src/model/layout.ts';
import { FactorPrior } from '../src/model/prior/factor.ts';
import {
  backendsUnderTest,
  centralDiff,
  eachBackend,
  f64Twin,
  gradMatchesFd,
  matchesTwin,
  maxRelErr,
  Rng,
  type TwinCase,
  inverseAndLogDet,
} from './util.ts';

/** The f64 twin and every f32 backend: the checks every backend must pass. */
const EVERY = [...backendsUnderTest('f64'), ...backendsUnderTest('f32')];
const ROWS = 4;

const normals = (rng: Rng, n: number, scale = 1): Float64Array =>
  Float64Array.from({ length: n }, () => scale * rng.normal());

interface Inputs {
  rows: number;
  D: number;
  K: number;
  alpha: number;
  mu: Float64Array;
  lv: Float64Array;
  A: Float64Array;
}
type Outputs = Record<'kl' | 'dmu' | 'dlv' | 'dA', number[]>;
const GRADS = ['dmu', 'dlv', 'dA'] as const;
const INPUT_OF = { dmu: 'mu', dlv: 'lv', dA: 'A' } as const;

function runKl(k: Kernels, x: Inputs, grad: boolean, scale = 1, g0 = 0): Outputs {
  const { rows, D, K } = x,
    heap = k.heap,
    mark = heap.mark();
  const p = { mu: heap.allocFrom(x.mu), lv: heap.allocFrom(x.lv), A: heap.allocFrom(x.A) };
  const size = { kl: rows, dmu: rows * D, dlv: rows * D, dA: D * K };
  const out = { kl: heap.alloc(rows) } as Record<keyof Outputs, number>;
  for (const g of GRADS) out[g] = grad ? heap.allocFrom(new Array<number>(size[g]).fill(g0)) : 0;
  k.factorKl(
    rows,
    D,
    K,
    x.alpha,
    p.mu,
    p.lv,
    p.A,
    out.kl,
    out.dmu,
    out.dlv,
    out.dA,
    scale,
    heap.alloc(factorKlWork(D, K)),
  );
  const result = {} as Outputs;
  for (const key of ['kl', ...GRADS] as const) result[key] = out[key] ? Array.from(heap.view(out[key], size[key])) : [];
  heap.release(mark);
  return result;
}

/** A prior over `latent` with K factors, free parameters P·spread, on the backend k. */
function prior(k: Kernels, rng: Rng, latent: number[], K: number, alpha: number, spread = 1) {
  const layout = new Layout(),
    fp = new FactorPrior({ k, latent, maxRows: ROWS }, layout, { kind: 'factor', alpha, factors: K });
  const P = k.heap.allocFrom(normals(rng, layout.size, spread)),
    G = k.heap.alloc(layout.size);
  fp.prepare(P);
  return { fp, P, G, layout };
}

/** Inputs for all blocks of a prepared prior: μ, lv random, A the prior's own map. */
function inputsFor(rng: Rng, fp: FactorPrior, rows = ROWS): Inputs {
  return {
    rows,
    D: fp.D,
    K: fp.factors,
    alpha: fp.alpha,
    mu: normals(rng, rows * fp.D),
    lv: normals(rng, rows * fp.D, 0.5),
    A: fp.factorMap(),
  };
}

/** Eq. 7 per row against the dense N(0, S) (S: N×N row-major). */
function denseKl(
  S: ArrayLike<number>,
  N: number,
  rows: number,
  mu: ArrayLike<number>,
  lv: ArrayLike<number>,
): number[] {
  const { inv, logDet } = inverseAndLogDet(
    Array.from({ length: N }, (_, i) => Array.from({ length: N }, (_, j) => S[i * N + j])),
  );
  return Array.from({ length: rows }, (_, r) => {
    let kl = logDet - N;
    for (let i = 0; i < N; i++) {
      kl += inv[i][i] * Math.exp(lv[r * N + i]) - lv[r * N + i];
      for (let j = 0; j < N; j++) kl += mu[r * N + i] * inv[i][j] * mu[r * N + j];
    }
    return 0.5 * kl;
  });
}

/** Σ restricted to the blocks in `present` (the marginal prior of a subset). */
function marginal(fp: FactorPrior, P: number, present: number[]): { S: Float64Array; N: number } {
  const full = fp.covariance(P),
    idx = present.flatMap((i) => Array.from({ length: fp.latent[i] }, (_, r) => fp.starts[i] + r));
  const N = idx.length;
  return { S: Float64Array.from({ length: N * N }, (_, e) => full[idx[Math.floor(e / N)] * fp.D + idx[e % N]]), N };
}

const CASES: { latent: number[]; K: number }[] = [
  { latent: [3, 2, 4], K: 4 },
  { latent: [5, 5, 5], K: 5 },
  { latent: [2, 3, 2, 4], K: 7 },
  { latent: [6, 6, 6, 6], K: 6 },
];

eachBackend(
  'factorKl: equals the dense Gaussian KL of Eq. 7 for M = 3 and 4 (f64 ≤ 1e-6; f32 ≤ 1e-5)',
  EVERY,
  (t, kw) => {
    const rng = new Rng(1);
    let worst = 0;
    for (const { latent, K } of CASES) {
      for (const alpha of [0, 0.3, 0.95, 0.999]) {
        const k = f64Twin(),
          { fp, P } = prior(k, rng, latent, K, alpha, 1);
        const x = inputsFor(rng, fp);
        if (kw.name === 'js-f64') {
          const err = maxRelErr(runKl(kw, x, false).kl, denseKl(fp.covariance(P), fp.D, x.rows, x.mu, x.lv));
          t.true(err <= 1e-6, `${latent} K ${K} α ${alpha}: ${err.toExponential(2)}`);
          worst = Math.max(worst, err);
          continue;
        }
        // f32: Eq. 7 of the inputs rounded to f32, as the backend stores them.
        const f = (a: Float64Array) => Float64Array.from(Float32Array.from(a));
        const y = { ...x, A: f(x.A), mu: f(x.mu), lv: f(x.lv) };
        const S = Float64Array.from({ length: fp.D * fp.D }, (_, e) => {
          const i = Math.floor(e / fp.D),
            j = e % fp.D;
          let v = 0;
          for (let c = 0; c < K; c++) v += y.A[i * K + c] * y.A[j * K + c];
          return (i === j ? 1 - alpha : 0) + alpha * v;
        });
        const err = maxRelErr(runKl(kw, y, false).kl, denseKl(S, fp.D, y.rows, y.mu, y.lv));
        t.true(err <= (alpha > 0.99 ? 1e-4 : 1e-5), `${latent} α ${alpha}: ${err.toExponential(2)}`);
        worst = Math.max(worst, err);
      }
    }
    t.log(`worst rel err vs Eq. 7: ${worst.toExponential(2)}`);
  },
);

/** Random factorKl inputs of D latent units and K factors. */
const klInputs = (rng: Rng, D: number, K: number, alpha: number): Inputs => ({
  rows: ROWS,
  D,
  K,
  alpha,
  mu: normals(rng, ROWS * D),
  lv: normals(rng, ROWS * D, 0.5),
  A: normals(rng, D * K, 1 / Math.sqrt(K)),
});
const TWIN_SHAPES = [
  [1, 1],
  [3, 5],
  [9, 4],
  [13, 7],
  [60, 20],
];

matchesTwin(
  'factorKl: forward and gradients (accumulating onto 0.25)',
  { backends: backendsUnderTest('wasm'), twin: 'js', tol: 1e-5 },
  () => {
    const rng = new Rng(2);
    return TWIN_SHAPES.map(([D, K]): TwinCase => {
      const x = klInputs(rng, D, K, 0.8);
      return {
        label: `(${D},${K})`,
        run: (k) => {
          const out = runKl(k, x, true, 0.3, 0.25);
          return [out.kl, ...GRADS.map((g) => out[g])];
        },
      };
    });
  },
);

eachBackend('factorKl: gradients accumulate, and the forward-only KL equals the one with gradients', EVERY, (t, k) => {
  const rng = new Rng(2);
  for (const [D, K] of TWIN_SHAPES) {
    const x = klInputs(rng, D, K, 0.8);
    const fresh = runKl(k, x, true, 1.5),
      acc = runKl(k, x, true, 1.5, 2);
    for (const g of GRADS)
      t.true(
        maxRelErr(
          acc[g].map((v) => v - 2),
          fresh[g],
        ) <= 1e-5,
        `(${D},${K}) ${g}`,
      );
    t.deepEqual(runKl(k, x, false).kl, fresh.kl, `(${D},${K}): forward-only equals`);
  }
});

gradMatchesFd(
  'factorKl: every gradient',
  { backends: backendsUnderTest('wasm'), f64: { h: 1e-5, tol: 1e-6 }, f32: { h: 1e-2, tol: 1e-2 } },
  () => {
    const rng = new Rng(3);
    return [
      [3, 2],
      [7, 4],
      [12, 6],
    ].flatMap(([D, K]) => {
      const x = klInputs(rng, D, K, 0.7),
        scale = 0.7;
      return GRADS.map((g) => {
        const n = x[INPUT_OF[g]].length;
        const idx = n <= 30 ? [...Array(n).keys()] : Array.from({ length: 30 }, () => rng.below(n));
        return {
          label: `${g} (${D},${K})`,
          error: (k: Kernels, h: number) => {
            const y = { ...x, mu: x.mu.slice(), lv: x.lv.slice(), A: x.A.slice() },
              arr = y[INPUT_OF[g]];
            const analytic = runKl(k, y, true, scale);
            const objective = () => scale * runKl(k, y, false).kl.reduce((s, v) => s + v, 0);
            return maxRelErr(
              idx.map((i) => analytic[g][i]),
              idx.map((i) => centralDiff(objective, arr, i, h)),
            );
          },
        };
      });
    });
  },
);

test('FactorPrior: the gradient through the Cayley maps (∂/∂P) matches finite differences, on every subset', (t) => {
  const rng = new Rng(4),
    k = f64Twin();
  const latent = [3, 2, 3],
    K = 4;
  const { fp, P, G, layout } = prior(k, rng, latent, K, 0.9, 0.7);
  for (const present of [[0, 1, 2], [0, 2], [1]]) {
    const DS = fp.width(present),
      rows = 3;
    // Each present view's latents in its own buffers (rows × its latent size), as the engine hands them over.
    const blocks = present.map((i) => {
      const d = fp.latent[i];
      return {
        latent: d,
        mu: k.heap.allocFrom(normals(rng, rows * d)),
        lv: k.heap.allocFrom(normals(rng, rows * d, 0.5)),
        dmu: k.heap.alloc(rows * d),
        dlv: k.heap.alloc(rows * d),
      };
    });
    const kl = k.heap.alloc(rows);
    k.heap.view(G, layout.size).fill(0);
    fp.prepare(P);
    fp.kl(P, rows, present, blocks, kl, { G, scale: 1 });
    const analytic = Array.from(k.heap.view(G, layout.size));
    const params = k.heap.view(P, layout.size);
    const objective = () => {
      fp.prepare(P);
      fp.kl(P, rows, present, blocks, kl, null);
      return Array.from(k.heap.view(kl, rows)).reduce((a, b) => a + b, 0);
    };
    const idx = Array.from({ length: 40 }, () => rng.below(layout.size));
    const numeric = idx.map((i) => centralDiff(objective, params, i, 1e-5));
    if (present.length === 1) {
      // One block: its marginal is N(0, I) whatever A_i is, so ∂/∂P vanishes.
      t.true(Math.max(...analytic.map(Math.abs), ...numeric.map(Math.abs)) <= 1e-8, `present ${present}: not zero`);
    } else {
      const err = maxRelErr(
        idx.map((i) => analytic[i]),
        numeric,
      );
      t.true(err <= 1e-6, `present ${present}: ${err.toExponential(2)}`);
    }
    // The absent blocks' parameters get no gradient.
    for (const e of layout.entries) {
      const view = Number(e.name.replace('prior.cayley', '')) - 1;
      if (!present.includes(view))
        t.true(
          analytic.slice(e.offset, e.offset + e.size).every((v) => v === 0),
          e.name,
        );
    }
    // And the KL is Eq. 7 against the marginal prior of the present blocks.
    const { S, N } = marginal(fp, P, present);
    const joint = (key: 'mu' | 'lv') =>
      Float64Array.from({ length: rows * DS }, (_, e) => {
        const r = Math.floor(e / DS);
        let col = e % DS,
          b = 0;
        while (col >= blocks[b].latent) col -= blocks[b++].latent;
        return k.heap.view(blocks[b][key], rows * blocks[b].latent)[r * blocks[b].latent + col];
      });
    const want = denseKl(S, N, rows, joint('mu'), joint('lv'));
    t.true(maxRelErr(Array.from(k.heap.view(kl, rows)), want) <= 1e-9, `present ${present} vs marginal Eq. 7`);
  }
});

eachBackend('FactorPrior: Σ is positive definite with diagonal blocks I for extreme parameters', EVERY, (t, k) => {
  const rng = new Rng(5);
  for (const spread of [1e-8, 1, 1e3, 1e6]) {
    for (const alpha of [0.5, 0.95, 0.999999]) {
      {
        const latent = [4, 4, 3],
          K = 5;
        const { fp, P } = prior(k, rng, latent, K, alpha, spread);
        const S = fp.covariance(P),
          D = fp.D,
          // I to rounding: f32 storage of A (≤ 1 ulp-ish), f64 grows with the Cayley solve's condition (~spread).
          tol = k.name === 'js-f64' ? (spread > 1e3 ? 1e-9 : 1e-12) : 1e-7;
        let worst = 0;
        fp.latent.forEach((d, b) => {
          for (let r = 0; r < d; r++)
            for (let c = 0; c < d; c++) {
              const v = S[(fp.starts[b] + r) * D + fp.starts[b] + c];
              worst = Math.max(worst, Math.abs(v - (r === c ? 1 : 0)));
            }
        });
        t.true(
          worst <= tol,
          `${k.name} spread ${spread} α ${alpha}: diagonal blocks off I by ${worst.toExponential(2)}`,
        );
        // λ_min(Σ) ≥ 1 − α: Σ − (1 − α)(1 − 1e-3)·I still has a Cholesky factor.
        const shifted = Array.from({ length: D }, (_, i) =>
          Array.from({ length: D }, (_, j) => S[i * D + j] - (i === j ? (1 - alpha) * (1 - 1e-3) : 0)),
        );
        t.true(choleskyOk(shifted), `${k.name} spread ${spread} α ${alpha}: λ_min(Σ) < 1 − α`);
        // Its KL is finite.
        const x = inputsFor(rng, fp);
        t.true(
          runKl(k, x, false).kl.every((v) => Number.isFinite(v)),
          `${k.name} spread ${spread} α ${alpha}: finite KL`,
        );
      }
    }
  }
});

function choleskyOk(a: number[][]): boolean {
  const n = a.length,
    l = a.map((row) => row.map(() => 0));
  for (let j = 0; j < n; j++) {
    let d = a[j][j];
    for (let k = 0; k < j; k++) d -= l[j][k] ** 2;
    if (!(d > 0)) return false;
    l[j][j] = Math.sqrt(d);
    for (let i = j + 1; i < n; i++) {
      let s = a[i][j];
      for (let k = 0; k < j; k++) s -= l[i][k] * l[j][k];
      l[i][j] = s / l[j][j];
    }
  }
  return true;
}

eachBackend('factorKl: α ≥ 1 gives NaN and touches no gradient', EVERY, (t, k) => {
  const rng = new Rng(6);
  const x: Inputs = { rows: 2, D: 3, K: 2, alpha: 1, mu: normals(rng, 6), lv: normals(rng, 6), A: normals(rng, 6) };
  const out = runKl(k, x, true);
  t.true(out.kl.every(Number.isNaN));
  t.true(
    GRADS.every((g) => out[g].every((v) => v === 0)),
    'gradients untouched',
  );
});

/** The two-view kernels' inputs for the same rows: μ = (μ1, μ2) split, per row. */
function split(x: Inputs, n1: number, n2: number) {
  const part = (a: Float64Array, from: number, n: number) =>
    Float64Array.from({ length: x.rows * n }, (_, e) => a[Math.floor(e / n) * (n1 + n2) + from + (e % n)]);
  return { mu1: part(x.mu, 0, n1), lv1: part(x.lv, 0, n1), mu2: part(x.mu, n1, n2), lv2: part(x.lv, n1, n2) };
}

test('M = 2: the factor KL reproduces the paper priors (C = 0, C = αO, σ1(C) < 1)', (t) => {
  const rng = new Rng(7),
    k = f64Twin(),
    rows = ROWS;
  const run2 = (kind: 'ortho' | 'joint', x: Inputs, n1: number, n2: number, C: Float64Array): number[] => {
    const h = k.heap,
      mark = h.mark(),
      s = split(x, n1, n2);
    const [m1, l1, m2, l2, c, kl] = [s.mu1, s.lv1, s.mu2, s.lv2, C, new Float64Array(rows)].map((a) => h.allocFrom(a));
    if (kind === 'ortho') k.orthoKl(rows, n1, n2, x.alpha, m1, l1, m2, l2, c, kl, 0, 0, 0, 0, 0, 0);
    else k.jointKl(rows, n1, n2, m1, l1, m2, l2, c, kl, 0, 0, 0, 0, 0, 0, h.alloc(jointKlWork(n1, n2)));
    const out = Array.from(h.view(kl, rows));
    h.release(mark);
    return out;
  };
  for (const [n1, n2] of [
    [3, 3],
    [3, 5],
    [6, 6],
  ]) {
    // C = αO: A_1 = [I 0] (n1×n2), A_2 = Q (n2×n2 Cayley): Σ_21 = α·Q[:, :n1] = α·O.
    const Q = k.heap.alloc(n2 * n2);
    k.cayley(n2, n2, 0, k.heap.allocFrom(normals(rng, n2 * n2)), Q, k.heap.alloc(cayleyWork(n2)));
    const q = Float64Array.from(k.heap.view(Q, n2 * n2));
    const A = new Float64Array((n1 + n2) * n2);
    for (let r = 0; r < n1; r++) A[r * n2 + r] = 1;
    A.set(q, n1 * n2);
    const O = Float64Array.from({ length: n2 * n1 }, (_, e) => q[Math.floor(e / n1) * n2 + (e % n1)]);
    for (const alpha of [0, 0.5, 0.95]) {
      const x: Inputs = {
        rows,
        D: n1 + n2,
        K: n2,
        alpha,
        mu: normals(rng, rows * (n1 + n2)),
        lv: normals(rng, rows * (n1 + n2), 0.5),
        A,
      };
      const err = maxRelErr(runKl(k, x, false).kl, run2('ortho', x, n1, n2, O));
      t.true(err <= 1e-9, `(${n1},${n2}) α ${alpha} vs orthoKl: ${err.toExponential(2)}`);
    }
    if (n1 !== n2) continue;
    // σ1(C) < 1: C = U·S·Vᵀ with S = α·T, 0 ≤ T ≤ 1; K = 2n, A_1 = [Vᵀ 0], A_2 = [U·T, U·√(I − T²)].
    const n = n1,
      alpha = 0.9,
      T = Array.from({ length: n }, () => rng.uniform());
    const V = k.heap.alloc(n * n);
    k.cayley(n, n, 0, k.heap.allocFrom(normals(rng, n * n)), V, k.heap.alloc(cayleyWork(n)));
    const v = Float64Array.from(k.heap.view(V, n * n)),
      u = q; // n2 = n
    const A2 = new Float64Array(2 * n * 2 * n);
    for (let r = 0; r < n; r++)
      for (let c = 0; c < n; c++) {
        A2[r * 2 * n + c] = v[r * n + c]; // A_1 = [V 0], so A_2·A_1ᵀ = U·T·Vᵀ
        A2[(n + r) * 2 * n + c] = u[r * n + c] * T[c];
        A2[(n + r) * 2 * n + n + c] = u[r * n + c] * Math.sqrt(1 - T[c] ** 2);
      }
    const C = Float64Array.from({ length: n * n }, (_, e) => {
      const i = Math.floor(e / n),
        j = e % n;
      let s = 0;
      for (let c = 0; c < n; c++) s += u[i * n + c] * alpha * T[c] * v[j * n + c];
      return s;
    });
    const x: Inputs = {
      rows,
      D: 2 * n,
      K: 2 * n,
      alpha,
      mu: normals(rng, rows * 2 * n),
      lv: normals(rng, rows * 2 * n, 0.5),
      A: A2,
    };
    const err = maxRelErr(runKl(k, x, false).kl, run2('joint', x, n, n, C));
    t.true(err <= 1e-9, `(${n},${n}) svd-bound C vs jointKl: ${err.toExponential(2)}`);
  }
});
