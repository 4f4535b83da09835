// The parameterisations of C (§2.6): the Cayley map with J and its
// backward, and the singular-value-bound composition C = U·diag(σ(s))·Vᵀ.

import test from 'ava';
import { cayleyWork, SVD_SIGMA_MAX, type Kernels } from '../src/core/index.ts';
import { f32Backends, f64Twin, maxRelErr, centralDiff, Rng } from './util.ts';

const f32 = f32Backends(),
  twin32 = f32.find((k) => k.name === 'js')!,
  wasm = f32.filter((k) => k !== twin32);
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

test('cayley and cayleyBackward: wasm matches the js twin', (t) => {
  const rng = new Rng(1);
  for (const [m, n, flips] of CAYLEY_SHAPES) {
    const P = normals(rng, m * m),
      dO = normals(rng, m * n),
      dP0 = normals(rng, m * m);
    const wantO = runCayley(twin32, m, n, flips, P),
      wantDP = runCayleyBackward(twin32, m, n, flips, P, dO, dP0);
    for (const k of wasm) {
      t.true(maxRelErr(runCayley(k, m, n, flips, P), wantO) <= 1e-5, `${k.name} O (${m},${n},${flips})`);
      t.true(
        maxRelErr(runCayleyBackward(k, m, n, flips, P, dO, dP0), wantDP) <= 1e-5,
        `${k.name} dP (${m},${n},${flips})`,
      );
    }
  }
});

test('cayley: O is orthogonal (‖OᵀO − I‖∞ ≤ 1e-5 in f32), also for large P', (t) => {
  const rng = new Rng(2);
  let worst = 0;
  for (const k of wasm) {
    for (const [m, n, flips] of CAYLEY_SHAPES) {
      for (const scale of [0.1, 1, 30, 1e3]) {
        const O = runCayley(k, m, n, flips, normals(rng, m * m, scale));
        const err = orthogonalityError(O, m, n);
        t.true(err <= 1e-5, `${k.name} (${m},${n},${flips}) scale ${scale}: ${err.toExponential(2)}`);
        worst = Math.max(worst, err);
      }
    }
  }
  t.log(`worst ‖OᵀO − I‖∞ on wasm: ${worst.toExponential(2)}`);
});

test('cayley: J negates the last `flips` rows, and det(O) = (−1)^flips', (t) => {
  const rng = new Rng(3),
    m = 9,
    P = normals(rng, m * m);
  for (const k of [f64Twin(), ...wasm]) {
    const O0 = runCayley(k, m, m, 0, P);
    t.true(Math.abs(determinant(rowsOf(O0, m, m)) - 1) <= 1e-5, `${k.name} det, no flips`);
    for (const flips of [1, 4, m]) {
      const O = runCayley(k, m, m, flips, P);
      t.deepEqual(
        O,
        O0.map((v, i) => (Math.floor(i / m) >= m - flips ? -v : v)),
        `${k.name} flips ${flips}`,
      );
      t.true(Math.abs(determinant(rowsOf(O, m, m)) - (-1) ** flips) <= 1e-5, `${k.name} det, flips ${flips}`);
      t.deepEqual(
        runCayley(k, m, 4, flips, P),
        O.filter((_, i) => i % m < 4),
        `${k.name} first 4 columns`,
      );
    }
  }
});

test('cayleyBackward: matches finite differences (f64 twin ≤ 1e-6, wasm f32 ≤ 1e-2), touches only triu(dP, 1)', (t) => {
  const rng = new Rng(4);
  for (const [m, n, flips] of CAYLEY_SHAPES) {
    const P = normals(rng, m * m),
      G = normals(rng, m * n);
    for (const [k, h, tol] of [[f64Twin(), 1e-5, 1e-6], ...wasm.map((w) => [w, 1e-2, 1e-2])] as [
      Kernels,
      number,
      number,
    ][]) {
      const objective = () => runCayley(k, m, n, flips, P).reduce((s, o, i) => s + o * G[i], 0);
      const dP0 = normals(rng, m * m).map(Math.fround),
        dP = runCayleyBackward(k, m, n, flips, P, G, dP0);
      const upper = [...P.keys()].filter((i) => i % m > Math.floor(i / m));
      const numeric = upper.map((i) => centralDiff(objective, P, i, h));
      const err = maxRelErr(
        upper.map((i) => dP[i] - dP0[i]),
        numeric,
      );
      t.true(err <= tol || upper.length === 0, `${k.name} (${m},${n},${flips}): ${err.toExponential(2)}`);
      const untouched = [...P.keys()].filter((i) => !upper.includes(i));
      t.deepEqual(
        untouched.map((i) => dP[i]),
        untouched.map((i) => dP0[i]),
        `${k.name} (${m},${n},${flips}): diagonal and lower triangle untouched`,
      );
    }
  }
});

test('svdCompose and svdComposeBackward: wasm matches the js twin, gradients accumulate', (t) => {
  const rng = new Rng(5);
  for (const [n1, n2] of SVD_SHAPES) {
    const x = randomSvd(rng, n1, n2),
      dC = normals(rng, n2 * n1);
    const wantC = runSvd(twin32, x),
      want = runSvdBackward(twin32, x, dC, 0.5);
    for (const k of wasm) {
      t.true(maxRelErr(runSvd(k, x), wantC) <= 1e-5, `${k.name} C (${n1},${n2})`);
      runSvdBackward(k, x, dC, 0.5).forEach((g, i) =>
        t.true(maxRelErr(g, want[i]) <= 1e-5, `${k.name} grad ${i} (${n1},${n2})`),
      );
    }
    const fresh = runSvdBackward(twin32, x, dC);
    want.forEach((g, i) =>
      t.true(
        maxRelErr(
          g.map((v) => v - 0.5),
          fresh[i],
        ) <= 1e-6,
        `accumulates, grad ${i}`,
      ),
    );
  }
});

test('svdComposeBackward: matches finite differences (f64 twin ≤ 1e-6, wasm f32 ≤ 1e-2)', (t) => {
  const rng = new Rng(6);
  for (const [n1, n2] of SVD_SHAPES) {
    const x = randomSvd(rng, n1, n2),
      G = normals(rng, n2 * n1);
    for (const [k, h, tol] of [[f64Twin(), 1e-5, 1e-6], ...wasm.map((w) => [w, 1e-2, 1e-2])] as [
      Kernels,
      number,
      number,
    ][]) {
      const objective = () => runSvd(k, x).reduce((s, c, i) => s + c * G[i], 0);
      const analytic = runSvdBackward(k, x, G);
      [x.U, x.s, x.V].forEach((arr, which) => {
        const numeric = [...arr.keys()].map((i) => centralDiff(objective, arr, i, h));
        const err = maxRelErr(analytic[which], numeric);
        t.true(err <= tol, `${k.name} ${['dU', 'ds', 'dV'][which]} (${n1},${n2}): ${err.toExponential(2)}`);
      });
    }
  }
});

test('svd-bound C: σ1(C) < 1 for any free parameters (I − CᵀC is positive definite on wasm f32 output)', (t) => {
  const rng = new Rng(7);
  for (const k of wasm) {
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
          t.not(cholesky(gram), null, `${k.name} (${n1},${n2}) |s| ${sMag} P scale ${pScale}`);
        }
      }
    }
  }
});

test('svdCompose: σ saturates at SVD_SIGMA_MAX, the same constant in wasm and the twin', (t) => {
  const n = 4,
    I = Float64Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));
  const s = Float64Array.of(1e4, -1e4, 50, 0);
  for (const k of [f64Twin(), ...f32]) {
    const C = runSvd(k, { n1: n, n2: n, U: I, s, V: I });
    t.deepEqual([C[0], C[5], C[10], C[15]], [SVD_SIGMA_MAX, -SVD_SIGMA_MAX, SVD_SIGMA_MAX, 0], k.name);
  }
});
