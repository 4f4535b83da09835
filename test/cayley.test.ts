// The parameterisations of C (§2.6): the Cayley map with J and its
// backward, and the singular-value-bound composition C = U·diag(σ(s))·Vᵀ.
// One test per backend (its name in the title).

import test, { type ExecutionContext } from 'ava';
import { cayleyWork, createKernels, SVD_SIGMA_MAX, type Kernels } from '../src/core/index.ts';
import {
  backendsUnderTest,
  eachBackend,
  gradMatchesFd,
  matchesTwin,
  maxRelErr,
  centralDiff,
  Rng,
  type TwinCase,
} from './util.ts';

const f32 = backendsUnderTest('f32'),
  wasm = backendsUnderTest('wasm'),
  f64 = backendsUnderTest('f64');
const FD = { backends: wasm, f64: { h: 1e-5, tol: 1e-6 }, f32: { h: 1e-2, tol: 1e-2 } };
/** (m, n, flips): square and tall, odd sizes, with and without J. */
const CAYLEY_SHAPES: [number, number, number][] = [
  [1, 1, 0],
  [1, 1, 1],
  [3, 3, 1],
  [5, 3, 2],
  [7, 7, 0],
  [13, 5, 4],
  [20, 20, 3],
];
/** (n1, n2) of C. */
const SVD_SHAPES: [number, number][] = [
  [1, 1],
  [3, 5],
  [7, 7],
  [20, 20],
  [5, 13],
];

const normals = (rng: Rng, n: number, scale = 1): Float64Array =>
  Float64Array.from({ length: n }, () => scale * rng.normal());

function runCayley(k: Kernels, m: number, n: number, flips: number, P: ArrayLike<number>): number[] {
  const mark = k.heap.mark(),
    O = k.heap.alloc(m * n);
  k.cayley(m, n, flips, k.heap.allocFrom(P), O, k.heap.alloc(cayleyWork(m)));
  const out = Array.from(k.heap.view(O, m * n));
  k.heap.release(mark);
  return out;
}

/** dP after cayleyBackward on a dP that starts at `dP0`. */
function runCayleyBackward(
  k: Kernels,
  m: number,
  n: number,
  flips: number,
  P: ArrayLike<number>,
  dO: ArrayLike<number>,
  dP0: ArrayLike<number>,
): number[] {
  const mark = k.heap.mark(),
    dP = k.heap.allocFrom(dP0);
  k.cayleyBackward(m, n, flips, k.heap.allocFrom(P), k.heap.allocFrom(dO), dP, k.heap.alloc(cayleyWork(m)));
  const out = Array.from(k.heap.view(dP, m * m));
  k.heap.release(mark);
  return out;
}

interface SvdInputs {
  n1: number;
  n2: number;
  U: Float64Array;
  s: Float64Array;
  V: Float64Array;
}

function runSvd(k: Kernels, x: SvdInputs): number[] {
  const { n1, n2 } = x,
    mark = k.heap.mark(),
    C = k.heap.alloc(n2 * n1);
  k.svdCompose(n1, n2, k.heap.allocFrom(x.U), k.heap.allocFrom(x.s), k.heap.allocFrom(x.V), C);
  const out = Array.from(k.heap.view(C, n2 * n1));
  k.heap.release(mark);
  return out;
}

/** [dU, ds, dV] after svdComposeBackward on gradients that start at g0. */
function runSvdBackward(k: Kernels, x: SvdInputs, dC: ArrayLike<number>, g0 = 0): number[][] {
  const { n1, n2 } = x,
    mark = k.heap.mark();
  const dU = k.heap.allocFrom(new Array<number>(n2 * n1).fill(g0)),
    ds = k.heap.allocFrom(new Array<number>(n1).fill(g0));
  const dV = k.heap.allocFrom(new Array<number>(n1 * n1).fill(g0));
  k.svdComposeBackward(
    n1,
    n2,
    k.heap.allocFrom(x.U),
    k.heap.allocFrom(x.s),
    k.heap.allocFrom(x.V),
    k.heap.allocFrom(dC),
    dU,
    ds,
    dV,
  );
  const out = [
    Array.from(k.heap.view(dU, n2 * n1)),
    Array.from(k.heap.view(ds, n1)),
    Array.from(k.heap.view(dV, n1 * n1)),
  ];
  k.heap.release(mark);
  return out;
}

const randomSvd = (rng: Rng, n1: number, n2: number): SvdInputs => ({
  n1,
  n2,
  U: normals(rng, n2 * n1),
  s: normals(rng, n1, 2),
  V: normals(rng, n1 * n1),
});

/** Lower Cholesky factor, or null when the matrix is not positive definite. */
function cholesky(a: number[][]): number[][] | null {
  const n = a.length,
    l = a.map((row) => row.map(() => 0));
  for (let j = 0; j < n; j++) {
    for (let i = j; i < n; i++) {
      let s = a[i][j];
      for (let k = 0; k < j; k++) s -= l[i][k] * l[j][k];
      if (i === j) {
        if (!(s > 0)) return null;
        l[j][j] = Math.sqrt(s);
      } else l[i][j] = s / l[j][j];
    }
  }
  return l;
}

/** det of a square matrix by elimination with partial pivoting. */
function determinant(a: number[][]): number {
  const m = a.map((row) => [...row]),
    n = m.length;
  let det = 1;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(m[i][k]) > Math.abs(m[p][k])) p = i;
    if (p !== k) {
      [m[k], m[p]] = [m[p], m[k]];
      det = -det;
    }
    det *= m[k][k];
    for (let i = k + 1; i < n; i++) {
      const f = m[i][k] / m[k][k];
      for (let j = k; j < n; j++) m[i][j] -= f * m[k][j];
    }
  }
  return det;
}

const rowsOf = (a: ArrayLike<number>, rows: number, cols: number): number[][] =>
  Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => a[i * cols + j]));
/** ‖OᵀO − I‖∞ (max absolute row sum) for O m×n. */
function orthogonalityError(O: ArrayLike<number>, m: number, n: number): number {
  let worst = 0;
  for (let i = 0; i < n; i++) {
    let row = 0;
    for (let j = 0; j < n; j++) {
      let s = i === j ? -1 : 0;
      for (let r = 0; r < m; r++) s += O[r * n + i] * O[r * n + j];
      row += Math.abs(s);
    }
    worst = Math.max(worst, row);
  }
  return worst;
}

matchesTwin('cayley and cayleyBackward', { backends: wasm, twin: 'js', tol: 1e-5 }, () => {
  const rng = new Rng(1);
  return CAYLEY_SHAPES.map(([m, n, flips]): TwinCase => {
    const P = normals(rng, m * m),
      dO = normals(rng, m * n),
      dP0 = normals(rng, m * m);
    return {
      label: `(${m},${n},${flips}) O, dP`,
      run: (k) => [runCayley(k, m, n, flips, P), runCayleyBackward(k, m, n, flips, P, dO, dP0)],
    };
  });
});

eachBackend('cayley: O is orthogonal (‖OᵀO − I‖∞ ≤ 1e-5 in f32), also for large P', wasm, (t, k) => {
  const rng = new Rng(2);
  let worst = 0;
  for (const [m, n, flips] of CAYLEY_SHAPES) {
    for (const scale of [0.1, 1, 30, 1e3]) {
      const O = runCayley(k, m, n, flips, normals(rng, m * m, scale));
      const err = orthogonalityError(O, m, n);
      t.true(err <= 1e-5, `(${m},${n},${flips}) scale ${scale}: ${err.toExponential(2)}`);
      worst = Math.max(worst, err);
    }
  }
  t.log(`worst ‖OᵀO − I‖∞: ${worst.toExponential(2)}`);
});

eachBackend('cayley: J negates the last `flips` rows, and det(O) = (−1)^flips', [...f64, ...wasm], (t, k) => {
  const rng = new Rng(3),
    m = 9,
    P = normals(rng, m * m);
  const O0 = runCayley(k, m, m, 0, P);
  t.true(Math.abs(determinant(rowsOf(O0, m, m)) - 1) <= 1e-5, 'det, no flips');
  for (const flips of [1, 4, m]) {
    const O = runCayley(k, m, m, flips, P);
    t.deepEqual(
      O,
      O0.map((v, i) => (Math.floor(i / m) >= m - flips ? -v : v)),
      `flips ${flips}`,
    );
    t.true(Math.abs(determinant(rowsOf(O, m, m)) - (-1) ** flips) <= 1e-5, `det, flips ${flips}`);
    t.deepEqual(
      runCayley(k, m, 4, flips, P),
      O.filter((_, i) => i % m < 4),
      'first 4 columns',
    );
  }
});

gradMatchesFd('cayleyBackward (it touches only triu(dP, 1))', FD, () => {
  const rng = new Rng(4);
  return CAYLEY_SHAPES.map(([m, n, flips]) => {
    const P = normals(rng, m * m),
      G = normals(rng, m * n),
      dP0 = normals(rng, m * m).map(Math.fround);
    return {
      label: `(${m},${n},${flips})`,
      error: (k: Kernels, h: number, t: { deepEqual(a: unknown, b: unknown, m?: string): void }) => {
        const objective = () => runCayley(k, m, n, flips, P).reduce((s, o, i) => s + o * G[i], 0);
        const dP = runCayleyBackward(k, m, n, flips, P, G, dP0);
        const upper = [...P.keys()].filter((i) => i % m > Math.floor(i / m));
        const numeric = upper.map((i) => centralDiff(objective, P, i, h));
        const untouched = [...P.keys()].filter((i) => !upper.includes(i));
        t.deepEqual(
          untouched.map((i) => dP[i]),
          untouched.map((i) => dP0[i]),
          `(${m},${n},${flips}): diagonal and lower triangle untouched`,
        );
        if (upper.length === 0) return 0; // m = 1: no free parameter
        return maxRelErr(
          upper.map((i) => dP[i] - dP0[i]),
          numeric,
        );
      },
    };
  });
});

matchesTwin('svdCompose and svdComposeBackward', { backends: wasm, twin: 'js', tol: 1e-5 }, () => {
  const rng = new Rng(5);
  return SVD_SHAPES.map(([n1, n2]): TwinCase => {
    const x = randomSvd(rng, n1, n2),
      dC = normals(rng, n2 * n1);
    return { label: `(${n1},${n2}) C, dU, ds, dV`, run: (k) => [runSvd(k, x), ...runSvdBackward(k, x, dC, 0.5)] };
  });
});

test('svdComposeBackward on the js twin: gradients accumulate', (t) => {
  const rng = new Rng(5),
    twin32 = createKernels('js');
  for (const [n1, n2] of SVD_SHAPES) {
    const x = randomSvd(rng, n1, n2),
      dC = normals(rng, n2 * n1);
    const want = runSvdBackward(twin32, x, dC, 0.5),
      fresh = runSvdBackward(twin32, x, dC);
    want.forEach((g, i) =>
      t.true(
        maxRelErr(
          g.map((v) => v - 0.5),
          fresh[i],
        ) <= 1e-6,
        `(${n1},${n2}) accumulates, grad ${i}`,
      ),
    );
  }
});

gradMatchesFd('svdComposeBackward (dU, ds, dV)', FD, () => {
  const rng = new Rng(6);
  return SVD_SHAPES.map(([n1, n2]) => {
    const x = randomSvd(rng, n1, n2),
      G = normals(rng, n2 * n1);
    return {
      label: `(${n1},${n2})`,
      error: (k: Kernels, h: number, t: ExecutionContext) => {
        const objective = () => runSvd(k, x).reduce((s, c, i) => s + c * G[i], 0);
        const analytic = runSvdBackward(k, x, G);
        const errs = [x.U, x.s, x.V].map((arr, which) =>
          maxRelErr(
            analytic[which],
            [...arr.keys()].map((i) => centralDiff(objective, arr, i, h)),
          ),
        );
        // Each gradient on its own too (the harness asserts the worst against the same tolerance).
        const tol = k.name === 'js-f64' ? FD.f64.tol : FD.f32.tol;
        errs.forEach((e, which) =>
          t.true(e <= tol, `${['dU', 'ds', 'dV'][which]} (${n1},${n2}): ${e.toExponential(2)}`),
        );
        return Math.max(...errs);
      },
    };
  });
});

eachBackend('svd-bound C: σ1(C) < 1 for any free parameters (I − CᵀC is positive definite in f32)', wasm, (t, k) => {
  const rng = new Rng(7);
  for (const [n1, n2] of SVD_SHAPES) {
    for (const sMag of [1, 50, 1e4]) {
      for (const pScale of [1, 1e3]) {
        const U = runCayley(k, n2, n1, 1, normals(rng, n2 * n2, pScale)),
          V = runCayley(k, n1, n1, 0, normals(rng, n1 * n1, pScale));
        const s = Float64Array.from({ length: n1 }, (_, i) => (i % 2 ? -sMag : sMag));
        const C = runSvd(k, { n1, n2, U: Float64Array.from(U), s, V: Float64Array.from(V) });
        const gram = Array.from({ length: n1 }, (_, i) =>
          Array.from(
            { length: n1 },
            (_, j) =>
              (i === j ? 1 : 0) -
              Array.from({ length: n2 }, (_, r) => C[r * n1 + i] * C[r * n1 + j]).reduce((a, b) => a + b),
          ),
        );
        t.not(cholesky(gram), null, `(${n1},${n2}) |s| ${sMag} P scale ${pScale}`);
      }
    }
  }
});

eachBackend(
  'svdCompose: σ saturates at SVD_SIGMA_MAX, the same constant in wasm and the twins',
  [...f64, ...f32],
  (t, k) => {
    const n = 4,
      I = Float64Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));
    const s = Float64Array.of(1e4, -1e4, 50, 0);
    const C = runSvd(k, { n1: n, n2: n, U: I, s, V: I });
    t.deepEqual([C[0], C[5], C[10], C[15]], [SVD_SIGMA_MAX, -SVD_SIGMA_MAX, SVD_SIGMA_MAX, 0]);
  },
);
