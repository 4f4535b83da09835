// The joint-prior KL (Eq. 9) and its orthogonal fast path (App. A.2):
// wasm against the js twin, gradients against finite differences, and
// both against the dense Gaussian KL of Eq. 7 computed here in f64. One
// test per backend (its name in the title) where a kernel runs on each.

import test from 'ava';
import { jointKlWork, cayleyWork, type Kernels } from '../src/core/index.ts';
import {
  backendsUnderTest,
  eachBackend,
  f64Twin,
  gradMatchesFd,
  matchesTwin,
  maxRelErr,
  centralDiff,
  Rng,
  type FdCase,
  type TwinCase,
  inverseAndLogDet,
} from './util.ts';
import { Jpvae } from '../src/model/jpvae.ts';

const SHAPES: [number, number][] = [
  [1, 1],
  [3, 5],
  [7, 7],
  [20, 20],
  [5, 13],
];
const ROWS = 5;
const f32 = backendsUnderTest('f32'),
  wasm = backendsUnderTest('wasm'),
  withF64 = [...backendsUnderTest('f64'), ...f32];

interface KlInputs {
  rows: number;
  n1: number;
  n2: number;
  mu1: Float64Array;
  lv1: Float64Array;
  mu2: Float64Array;
  lv2: Float64Array;
  C: Float64Array;
}
type KlOutputs = Record<'kl' | 'dmu1' | 'dlv1' | 'dmu2' | 'dlv2' | 'dC', number[]>;
const GRADS = ['dmu1', 'dlv1', 'dmu2', 'dlv2', 'dC'] as const;
const INPUT_OF = { dmu1: 'mu1', dlv1: 'lv1', dmu2: 'mu2', dlv2: 'lv2', dC: 'C' } as const;

const normals = (rng: Rng, n: number, scale = 1): Float64Array =>
  Float64Array.from({ length: n }, () => scale * rng.normal());

/** σ1 of the n2×n1 matrix c by power iteration on cᵀc. */
function largestSingularValue(c: ArrayLike<number>, n1: number, n2: number): number {
  let v = new Array<number>(n1).fill(1),
    norm = 0;
  for (let it = 0; it < 500; it++) {
    const cv = Array.from({ length: n2 }, (_, i) => v.reduce((s, x, j) => s + c[i * n1 + j] * x, 0));
    const w = v.map((_, j) => cv.reduce((s, x, i) => s + c[i * n1 + j] * x, 0));
    norm = Math.sqrt(w.reduce((s, x) => s + x * x, 0));
    v = w.map((x) => x / norm);
  }
  return Math.sqrt(norm);
}

/** Random inputs; C is scaled to σ1(C) = sigma1. */
function randomInputs(rng: Rng, rows: number, n1: number, n2: number, sigma1 = 0.9): KlInputs {
  const C = normals(rng, n2 * n1);
  const s = largestSingularValue(C, n1, n2);
  C.forEach((x, i) => {
    C[i] = (x * sigma1) / s;
  });
  return {
    rows,
    n1,
    n2,
    mu1: normals(rng, rows * n1),
    lv1: normals(rng, rows * n1, 0.5),
    mu2: normals(rng, rows * n2),
    lv2: normals(rng, rows * n2, 0.5),
    C,
  };
}

/** Runs jointKl (or orthoKl with O = inputs.C when alpha is given) on fresh heap buffers; gradients start at `g0`. */
function runKl(k: Kernels, x: KlInputs, grad: boolean, scale = 1, alpha?: number, g0 = 0): KlOutputs {
  const { rows, n1, n2 } = x,
    heap = k.heap,
    mark = heap.mark();
  const p = {
    mu1: heap.allocFrom(x.mu1),
    lv1: heap.allocFrom(x.lv1),
    mu2: heap.allocFrom(x.mu2),
    lv2: heap.allocFrom(x.lv2),
    C: heap.allocFrom(x.C),
  };
  const size = { kl: rows, dmu1: rows * n1, dlv1: rows * n1, dmu2: rows * n2, dlv2: rows * n2, dC: n2 * n1 };
  const out = { kl: heap.alloc(rows) } as Record<keyof KlOutputs, number>;
  for (const g of GRADS) out[g] = grad ? heap.allocFrom(new Array<number>(size[g]).fill(g0)) : 0;
  if (alpha === undefined) {
    k.jointKl(
      rows,
      n1,
      n2,
      p.mu1,
      p.lv1,
      p.mu2,
      p.lv2,
      p.C,
      out.kl,
      out.dmu1,
      out.dlv1,
      out.dmu2,
      out.dlv2,
      out.dC,
      scale,
      heap.alloc(jointKlWork(n1, n2)),
    );
  } else {
    k.orthoKl(
      rows,
      n1,
      n2,
      alpha,
      p.mu1,
      p.lv1,
      p.mu2,
      p.lv2,
      p.C,
      out.kl,
      out.dmu1,
      out.dlv1,
      out.dmu2,
      out.dlv2,
      out.dC,
      scale,
    );
  }
  const result = {} as KlOutputs;
  for (const key of ['kl', ...GRADS] as const) result[key] = out[key] ? Array.from(heap.view(out[key], size[key])) : [];
  heap.release(mark);
  return result;
}

/** A semi-orthogonal n2×n1 O from the Cayley map of a random P (f64 twin). */
function orthogonal(rng: Rng, n1: number, n2: number, flips = 0): Float64Array {
  const k = f64Twin(),
    P = k.heap.allocFrom(normals(rng, n2 * n2)),
    O = k.heap.alloc(n2 * n1);
  k.cayley(n2, n1, flips, P, O, k.heap.alloc(cayleyWork(n2)));
  return Float64Array.from(k.heap.view(O, n2 * n1));
}

/** Eq. 7: KL(N(μ, diag e^{lv}) ‖ N(0, Σ_C)) per row with the dense Σ_C = [[I, Cᵀ], [C, I]]. */
function denseKl(x: KlInputs, C: ArrayLike<number>): number[] {
  const { rows, n1, n2 } = x,
    N = n1 + n2;
  const sigmaC = Array.from({ length: N }, (_, i) =>
    Array.from({ length: N }, (_, j) => {
      if (i === j) return 1;
      if (i < n1 && j >= n1) return C[(j - n1) * n1 + i];
      if (i >= n1 && j < n1) return C[(i - n1) * n1 + j];
      return 0;
    }),
  );
  const { inv, logDet } = inverseAndLogDet(sigmaC);
  return Array.from({ length: rows }, (_, r) => {
    const mu = [...x.mu1.subarray(r * n1, (r + 1) * n1), ...x.mu2.subarray(r * n2, (r + 1) * n2)];
    const lv = [...x.lv1.subarray(r * n1, (r + 1) * n1), ...x.lv2.subarray(r * n2, (r + 1) * n2)];
    let kl = logDet - N;
    for (let i = 0; i < N; i++) {
      kl += inv[i][i] * Math.exp(lv[i]) - lv[i];
      for (let j = 0; j < N; j++) kl += mu[i] * inv[i][j] * mu[j];
    }
    return 0.5 * kl;
  });
}

/** Checks every gradient of scale·Σ kl against central differences (at most `maxPerInput` entries per input). */
function checkGradients(
  t: { true(v: boolean, m?: string): void },
  k: Kernels,
  x: KlInputs,
  h: number,
  tol: number,
  alpha?: number,
  maxPerInput = Infinity,
): number {
  const scale = 0.7,
    rng = new Rng(99);
  const analytic = runKl(k, x, true, scale, alpha);
  const objective = () => scale * runKl(k, x, false, 1, alpha).kl.reduce((s, v) => s + v, 0);
  let worst = 0;
  for (const g of GRADS) {
    const arr = x[INPUT_OF[g]];
    const idx =
      arr.length <= maxPerInput ? [...arr.keys()] : Array.from({ length: maxPerInput }, () => rng.below(arr.length));
    const numeric = idx.map((i) => centralDiff(objective, arr, i, h));
    const err = maxRelErr(
      idx.map((i) => analytic[g][i]),
      numeric,
    );
    t.true(err <= tol, `${k.name} ${g} (${x.n1},${x.n2}): rel err ${err.toExponential(2)}`);
    worst = Math.max(worst, err);
  }
  return worst;
}

/** The twin cases on every shape, forward and gradients (alpha set: the orthogonal path); outputs kl, dmu1, dlv1, dmu2, dlv2, dC. */
function klTwinCases(inputs: (n1: number, n2: number) => KlInputs, alpha?: number): TwinCase[] {
  return SHAPES.map(([n1, n2]) => {
    const x = inputs(n1, n2);
    return {
      label: `(${n1},${n2}) kl, ${GRADS.join(', ')}`,
      run: (k: Kernels) => {
        const out = runKl(k, x, true, 0.3, alpha, 0.25);
        return [out.kl, ...GRADS.map((g) => out[g])];
      },
    };
  });
}

/** Gradient cases on every shape: at most 40 entries per input on the f64 twin, 12 on f32 (alpha set: the orthogonal path). */
function klFdCases(inputs: (n1: number, n2: number) => KlInputs, alpha?: number): FdCase[] {
  return SHAPES.map(([n1, n2]) => {
    const x = inputs(n1, n2);
    return {
      label: `(${n1},${n2})`,
      error: (k, h, t) =>
        checkGradients(t, k, x, h, k.name === 'js-f64' ? 1e-6 : 1e-2, alpha, k.name === 'js-f64' ? 40 : 12),
    };
  });
}
const KL_FD = { backends: wasm, f64: { h: 1e-5, tol: 1e-6 }, f32: { h: 1e-2, tol: 1e-2 } };

matchesTwin('jointKl (forward and gradients)', { backends: wasm, twin: 'js', tol: 1e-5 }, () => {
  const rng = new Rng(1);
  return klTwinCases((n1, n2) => randomInputs(rng, ROWS, n1, n2));
});

eachBackend('jointKl: gradients accumulate and a forward-only call touches no gradient', withF64, (t, k) => {
  const x = randomInputs(new Rng(2), 3, 3, 5);
  const fresh = runKl(k, x, true, 1.5),
    accumulated = runKl(k, x, true, 1.5, undefined, 2);
  for (const g of GRADS)
    t.true(
      maxRelErr(
        accumulated[g].map((v) => v - 2),
        fresh[g],
      ) <= 1e-5,
      g,
    );
  t.deepEqual(runKl(k, x, false).kl, fresh.kl);
});

test('jointKl: Eq. 9 equals the dense Gaussian KL of Eq. 7', (t) => {
  const rng = new Rng(3),
    k = f64Twin();
  let worst = 0;
  for (const [n1, n2] of SHAPES) {
    for (const sigma1 of [0, 0.5, 0.99]) {
      const x = randomInputs(rng, ROWS, n1, n2, sigma1);
      const err = maxRelErr(runKl(k, x, false).kl, denseKl(x, x.C));
      t.true(err <= 1e-6, `(${n1},${n2}) σ1 ${sigma1}: ${err.toExponential(2)}`);
      worst = Math.max(worst, err);
    }
  }
  t.log(`worst rel err of the f64 twin vs Eq. 7: ${worst.toExponential(2)}`);
});

eachBackend('jointKl (f64 inside) agrees with Eq. 7 to f32 rounding', f32, (t, k) => {
  const x = randomInputs(new Rng(30), ROWS, 5, 13, 0.95);
  t.true(maxRelErr(runKl(k, x, false).kl, denseKl(x, Float32Array.from(x.C))) <= 1e-5);
});

test('jointKl: C = 0 is the standard VAE KL of each view', (t) => {
  const x = randomInputs(new Rng(4), ROWS, 3, 5, 0);
  const standard = (mu: Float64Array, lv: Float64Array, n: number, r: number) =>
    0.5 *
    Array.from({ length: n }, (_, i) => mu[r * n + i] ** 2 + Math.exp(lv[r * n + i]) - lv[r * n + i] - 1).reduce(
      (a, b) => a + b,
    );
  const want = Array.from({ length: ROWS }, (_, r) => standard(x.mu1, x.lv1, 3, r) + standard(x.mu2, x.lv2, 5, r));
  t.true(maxRelErr(runKl(f64Twin(), x, false).kl, want) <= 1e-12);
  t.true(maxRelErr(runKl(f64Twin(), x, false, 1, 0).kl, want) <= 1e-12, 'orthoKl with α = 0');
});

eachBackend('jointKl: σ1(C) ≥ 1 gives NaN, never silent garbage', withF64, (t, k) => {
  const x = randomInputs(new Rng(5), 3, 3, 5, 1.01);
  const out = runKl(k, x, true);
  t.true(out.kl.every(Number.isNaN));
  t.true(
    GRADS.every((g) => out[g].every((v) => v === 0)),
    'gradients untouched',
  );
});

gradMatchesFd('jointKl: the gradients', KL_FD, () => {
  const rng = new Rng(6);
  return klFdCases((n1, n2) => randomInputs(rng, ROWS, n1, n2, 0.8));
});

matchesTwin('orthoKl (forward and gradients)', { backends: wasm, twin: 'js', tol: 1e-5 }, () => {
  const rng = new Rng(7);
  return klTwinCases((n1, n2) => ({ ...randomInputs(rng, ROWS, n1, n2), C: orthogonal(rng, n1, n2) }), 0.95);
});

test('orthoKl: with O from the Cayley map it equals Eq. 7 and jointKl(αO), gradients included', (t) => {
  const rng = new Rng(8),
    k = f64Twin();
  for (const [n1, n2] of SHAPES) {
    for (const alpha of [0.1, 0.5, 0.95, -0.9]) {
      const x = { ...randomInputs(rng, ROWS, n1, n2), C: orthogonal(rng, n1, n2, n2 > 1 ? 1 : 0) };
      const C = x.C.map((v) => alpha * v),
        fast = runKl(k, x, true, 1, alpha),
        general = runKl(k, { ...x, C }, true);
      t.true(maxRelErr(fast.kl, denseKl(x, C)) <= 1e-6, `(${n1},${n2}) α ${alpha} vs Eq. 7`);
      for (const g of ['kl', 'dmu1', 'dlv1', 'dmu2', 'dlv2'] as const) {
        t.true(maxRelErr(fast[g], general[g]) <= 1e-6, `(${n1},${n2}) α ${alpha} ${g} vs jointKl`);
      }
    }
  }
});

test('orthoKl: through the Cayley map, ∂/∂P equals that of jointKl(α·O(P))', (t) => {
  const rng = new Rng(9),
    k = f64Twin(),
    alpha = 0.9;
  for (const [n1, n2] of SHAPES) {
    const P = k.heap.allocFrom(normals(rng, n2 * n2)),
      O = k.heap.alloc(n2 * n1),
      work = k.heap.alloc(cayleyWork(n2));
    k.cayley(n2, n1, 0, P, O, work);
    const x = { ...randomInputs(rng, ROWS, n1, n2), C: Float64Array.from(k.heap.view(O, n2 * n1)) };
    const dO = k.heap.allocFrom(runKl(k, x, true, 1, alpha).dC);
    const dC = k.heap.allocFrom(runKl(k, { ...x, C: x.C.map((v) => alpha * v) }, true).dC.map((v) => alpha * v));
    const dPfast = k.heap.alloc(n2 * n2),
      dPgeneral = k.heap.alloc(n2 * n2);
    k.cayleyBackward(n2, n1, 0, P, dO, dPfast, work);
    k.cayleyBackward(n2, n1, 0, P, dC, dPgeneral, work);
    const err = maxRelErr(k.heap.view(dPfast, n2 * n2), k.heap.view(dPgeneral, n2 * n2));
    t.true(err <= 1e-8, `(${n1},${n2}): ${err.toExponential(2)}`);
  }
});

gradMatchesFd('orthoKl: the gradients', KL_FD, () => {
  const rng = new Rng(10);
  return klFdCases((n1, n2) => ({ ...randomInputs(rng, ROWS, n1, n2), C: orthogonal(rng, n1, n2) }), 0.9);
});

test("n1 > n2 (the pair prior orders the views itself): the model's prior KL is Eq. 7 with Σ_C in the user's view order", (t) => {
  for (const kind of ['svd', 'orthogonal'] as const) {
    const k = f64Twin(),
      rows = 4,
      rng = new Rng(8);
    const model = new Jpvae(
      k,
      { dims: [5, 3], hidden: [4], latent: [3, 2], prior: { kind, alpha: 0.8, flips: 1 } },
      rows,
    );
    model.initParams(rng);
    const p = model.params();
    for (let i = 0; i < p.length; i++) p[i] += 0.5 * rng.normal();
    const singular = model.layout.entries.find((e) => e.name === 'prior.singular');
    if (singular) p.fill(1.5, singular.offset, singular.offset + singular.size); // a C well away from zero
    const data = {
      n: rows,
      dims: [5, 3],
      xs: [
        Float32Array.from({ length: 20 }, () => rng.uniform()),
        Float32Array.from({ length: 12 }, () => rng.uniform()),
      ],
    };
    const { kl } = model.loss(data, Uint32Array.from([0, 1, 2, 3]), 1, rng);
    const [v1, v2] = model.views,
      at = (ptr: number, n: number) => Float64Array.from(k.heap.view(ptr, rows * n));
    const C = model.crossCovariance();
    t.true(largestSingularValue(C, 3, 2) > 0.5, `${kind}: C is not trivial`);
    const x: KlInputs = {
      rows,
      n1: 3,
      n2: 2,
      mu1: at(v1.mu, 3),
      lv1: at(v1.lv, 3),
      mu2: at(v2.mu, 2),
      lv2: at(v2.lv, 2),
      C,
    };
    const dense = denseKl(x, C).reduce((a, b) => a + b, 0);
    t.true(Math.abs(kl - dense) <= 1e-9 * Math.abs(dense), `${kind}: ${kl} vs Eq. 7 ${dense}`);
  }
});
