// GEMM and dense backward: every f32 backend against the f64 twin for all
// 16 flag combinations on odd shapes (tile and block edges) and the model's
// shapes; denseBackward against the twin and against central differences.
// One test per backend (its name in the title).

import test, { type ExecutionContext } from 'ava';
import { TRANS_A, TRANS_B, ACCUMULATE, RELU, type Kernels } from '../src/core/index.ts';
import { SKIP_ZEROS } from '../src/core/kernels.ts';
import {
  backendsUnderTest,
  eachBackend,
  f64Twin,
  gradMatchesFd,
  matchesTwin,
  maxRelErr,
  centralDiff,
  read,
  Rng,
  type TwinCase,
} from './util.ts';

const backends = backendsUnderTest('f32');
const twin = f64Twin();

const ODD = [1, 3, 5, 7, 13, 33];
/** (M, K, N) of the model's layers (batch 32; views of 392, hidden 512, latent 20). */
const MODEL: [number, number, number][] = [
  [32, 392, 512],
  [32, 512, 512],
  [32, 512, 20],
  [32, 20, 512],
  [32, 512, 392],
];

const randn = (rng: Rng, n: number): number[] => Array.from({ length: n }, () => rng.normal());
const abs = (v: number[] | null): number[] | null => v && v.map(Math.abs);
const maxOf = (v: number[]): number => v.reduce((m, x) => Math.max(m, x), -Infinity);

/** C after gemm on backend k, from plain arrays (bias null → NULL); the heap is left as it was. */
function gemmOn(
  k: Kernels,
  flags: number,
  M: number,
  N: number,
  K: number,
  a: number[],
  b: number[],
  c: number[],
  bias: number[] | null,
): number[] {
  const mark = k.heap.mark();
  const [pa, pb, pc] = [a, b, c].map((v) => k.heap.allocFrom(v));
  k.gemm(flags, M, N, K, pa, pb, pc, bias ? k.heap.allocFrom(bias) : 0);
  const out = read(k, pc, M * N);
  k.heap.release(mark);
  return out;
}

/**
 * A gemm case: its output against the f64 twin's, relative to the largest
 * Σ|a·b| + |bias| + |c| of the outputs: single outputs may cancel to ~0,
 * so their own size is no measure of f32 rounding.
 */
function gemmCase(flags: number, M: number, N: number, K: number, rng: Rng, withBias: boolean): TwinCase {
  const a = randn(rng, M * K),
    b = randn(rng, K * N),
    c = randn(rng, M * N),
    bias = withBias ? randn(rng, N) : null;
  const scale = maxOf(gemmOn(twin, flags & ~RELU, M, N, K, abs(a)!, abs(b)!, abs(c)!, abs(bias)));
  return {
    label: `${flagName(flags)} ${M}x${N}x${K}${withBias ? ' +bias' : ''}`,
    run: (k) => [gemmOn(k, flags, M, N, K, a, b, c, bias)],
    error: (got, want) => maxOf(Array.from(got, (g, i) => Math.abs(g - want[i]) / scale)),
  };
}

const flagName = (f: number): string =>
  (f & TRANS_A ? 'T' : 'N') + (f & TRANS_B ? 'T' : 'N') + (f & ACCUMULATE ? '+acc' : '') + (f & RELU ? '+relu' : '');

for (let flags = 0; flags < 16; flags++) {
  matchesTwin(`gemm ${flagName(flags)} on odd shapes`, { backends, twin: 'js-f64', tol: 1e-5 }, () => {
    const rng = new Rng(100 + flags),
      cases: TwinCase[] = [];
    for (const M of ODD)
      for (const N of ODD) for (const K of ODD) cases.push(gemmCase(flags, M, N, K, rng, (M + N + K) % 2 === 0));
    // past the blocking: K > 256 (two passes over K), M > 64 (two row blocks), N > 512 (two column blocks, 16- and 8-wide panels)
    cases.push(gemmCase(flags, 70, 37, 300, rng, true), gemmCase(flags, 65, 21, 257, rng, false));
    cases.push(gemmCase(flags, 5, 541, 260, rng, true));
    return cases;
  });
}

matchesTwin('gemm on the model shapes (forward, dX, dW forms)', { backends, twin: 'js-f64', tol: 1e-5 }, () => {
  const rng = new Rng(7);
  return MODEL.flatMap(([M, K, N]) => [
    gemmCase(RELU, M, N, K, rng, true),
    gemmCase(TRANS_B, M, K, N, rng, false),
    gemmCase(TRANS_A | ACCUMULATE, K, N, M, rng, false),
  ]);
});

eachBackend('gemm with K = 0 writes the epilogue of an empty sum', backends, (t, k) => {
  const rng = new Rng(8);
  for (const trans of [0, TRANS_A, TRANS_B, TRANS_A | TRANS_B]) {
    const c = randn(rng, 6),
      bias = [1, -2, 3];
    t.deepEqual(gemmOn(k, trans | RELU, 2, 3, 0, [], [], c, bias), [1, 0, 3, 1, 0, 3], flagName(trans));
    t.deepEqual(
      gemmOn(k, trans | ACCUMULATE, 2, 3, 0, [], [], c, null),
      Array.from(new Float32Array(c)),
      flagName(trans),
    );
  }
});

interface Dense {
  rows: number;
  nIn: number;
  nOut: number;
  X: number[];
  W: number[];
  b: number[];
  G: number[];
}

/** A dense layer with random inputs and a random upstream gradient G (the weights of the objective). */
function denseCase(rng: Rng, rows: number, nIn: number, nOut: number): Dense {
  return {
    rows,
    nIn,
    nOut,
    X: randn(rng, rows * nIn),
    W: randn(rng, nIn * nOut),
    b: randn(rng, nOut),
    G: randn(rng, rows * nOut),
  };
}

/** Forward Y = act(X·W + b), then denseBackward with dY = G onto nonzero dW, db; returns the gradients and the masked dY. */
function backwardOn(
  k: Kernels,
  d: Dense,
  relu: boolean,
  withDx: boolean,
  accumulate: boolean,
): { dX: number[]; dW: number[]; db: number[]; dY: number[] } {
  const mark = k.heap.mark();
  const [X, W, b, dY] = [d.X, d.W, d.b, d.G].map((v) => k.heap.allocFrom(v));
  const Y = k.heap.alloc(d.rows * d.nOut),
    dX = withDx ? k.heap.alloc(d.rows * d.nIn) : 0;
  const dW = k.heap.allocFrom(d.W.map((w) => 0.5 * w)),
    db = k.heap.allocFrom(d.b.map((v) => -v));
  k.gemm(relu ? RELU : 0, d.rows, d.nOut, d.nIn, X, W, Y, b);
  k.denseBackward(d.rows, d.nIn, d.nOut, X, W, Y, dY, dX, dW, db, (relu ? RELU : 0) | (accumulate ? ACCUMULATE : 0));
  const out = {
    dX: withDx ? read(k, dX, d.rows * d.nIn) : [],
    dW: read(k, dW, d.nIn * d.nOut),
    db: read(k, db, d.nOut),
    dY: read(k, dY, d.rows * d.nOut),
  };
  k.heap.release(mark);
  return out;
}

/** The denseBackward cases: every shape with relu on/off and with and without dX, one random layer each. */
const DENSE_CASES = (() => {
  let cases: { d: Dense; relu: boolean; withDx: boolean }[] | undefined;
  return () => {
    if (cases) return cases;
    const rng = new Rng(9);
    cases = [];
    for (const [rows, nIn, nOut] of [
      [1, 1, 1],
      [3, 5, 7],
      [5, 13, 3],
      [32, 33, 17],
      [7, 300, 9],
      [32, 512, 20],
    ])
      for (const relu of [false, true])
        for (const withDx of [true, false]) cases.push({ d: denseCase(rng, rows, nIn, nOut), relu, withDx });
    return cases;
  };
})();

test('denseBackward on the f64 twin: accumulating adds the written gradient to the old values', (t) => {
  for (const { d, relu, withDx } of DENSE_CASES()) {
    const written = backwardOn(twin, d, relu, withDx, false),
      added = backwardOn(twin, d, relu, withDx, true);
    // dW₀ = W/2, db₀ = −b.
    t.true(
      maxRelErr(
        added.dW,
        written.dW.map((g, i) => g + 0.5 * d.W[i]),
      ) <= 1e-12 &&
        maxRelErr(
          added.db,
          written.db.map((g, i) => g - d.b[i]),
        ) <= 1e-12,
    );
  }
});

matchesTwin(
  'denseBackward (relu on/off, with and without dX, written or accumulated)',
  { backends, twin: 'js-f64', tol: 1e-5 },
  () =>
    DENSE_CASES().flatMap(({ d, relu, withDx }) =>
      [false, true].map((accumulate) => ({
        label: `${d.rows}x${d.nIn}x${d.nOut} relu=${relu} dX=${withDx} accumulate=${accumulate} (dX, dW, db, dY)`,
        run: (k: Kernels) => {
          const o = backwardOn(k, d, relu, withDx, accumulate);
          return [o.dX, o.dW, o.db, o.dY];
        },
      })),
    ),
);

/**
 * Analytic gradients of L = Σ G ⊙ act(X·W + b) from denseBackward against
 * central differences of L, relative error over every input entry whose
 * ±h step moves no pre-activation across 0 (ReLU's kink).
 */
function gradCheck(k: Kernels, d: Dense, relu: boolean, h: number): { err: number; checked: number; total: number } {
  const { rows, nIn, nOut } = d;
  const mark = k.heap.mark();
  const [X, W, b, Gp] = [d.X, d.W, d.b, d.G].map((v) => k.heap.allocFrom(v));
  const Y = k.heap.alloc(rows * nOut),
    Z = k.heap.alloc(rows * nOut),
    dY = k.heap.allocFrom(d.G);
  const dX = k.heap.alloc(rows * nIn),
    dW = k.heap.alloc(nIn * nOut),
    db = k.heap.alloc(nOut);
  const objective = (): number => {
    k.gemm(relu ? RELU : 0, rows, nOut, nIn, X, W, Y, b);
    const y = k.heap.view(Y, rows * nOut),
      g = k.heap.view(Gp, rows * nOut);
    let s = 0;
    for (let i = 0; i < y.length; i++) s += g[i] * y[i];
    return s;
  };
  objective();
  k.gemm(0, rows, nOut, nIn, X, W, Z, b);
  k.denseBackward(rows, nIn, nOut, X, W, Y, dY, dX, dW, db, relu ? RELU : 0);
  const z = read(k, Z, rows * nOut),
    x = d.X,
    w = d.W;
  // Does a step of ±h in this input move pre-activation (r, j) by |shift| across 0?
  const safe = (r: number, j: number, shift: number): boolean =>
    !relu || Math.abs(z[r * nOut + j]) > 2 * Math.abs(shift);
  const analytic: number[] = [],
    numeric: number[] = [];
  const check = (p: number, n: number, grad: number[], ok: (i: number) => boolean): void => {
    for (let i = 0; i < n; i++) {
      if (!ok(i)) continue;
      analytic.push(grad[i]);
      numeric.push(centralDiff(objective, k.heap.view(p, n), i, h));
    }
  };
  const range = (n: number): number[] => [...Array(n).keys()];
  check(X, rows * nIn, read(k, dX, rows * nIn), (i) =>
    range(nOut).every((j) => safe(Math.floor(i / nIn), j, h * w[(i % nIn) * nOut + j])),
  );
  check(W, nIn * nOut, read(k, dW, nIn * nOut), (i) =>
    range(rows).every((r) => safe(r, i % nOut, h * x[r * nIn + Math.floor(i / nOut)])),
  );
  check(b, nOut, read(k, db, nOut), (j) => range(rows).every((r) => safe(r, j, h)));
  k.heap.release(mark);
  return { err: maxRelErr(analytic, numeric), checked: analytic.length, total: rows * nIn + nIn * nOut + nOut };
}

gradMatchesFd('denseBackward', { backends, f64: { h: 1e-4, tol: 1e-6 }, f32: { h: 1e-2, tol: 1e-2 } }, () => {
  const rng = new Rng(10);
  return [
    [3, 5, 7],
    [6, 9, 5],
  ].flatMap(([rows, nIn, nOut]) =>
    [false, true].map((relu) => {
      const d = denseCase(rng, rows, nIn, nOut);
      return {
        label: `${rows}x${nIn}x${nOut} relu=${relu}`,
        error: (k: Kernels, h: number, t: ExecutionContext) => {
          const r = gradCheck(k, d, relu, h);
          if (k.name === 'js-f64')
            t.true(r.checked >= r.total / 2, `only ${r.checked} of ${r.total} entries away from ReLU's kink`);
          return r.err;
        },
      };
    }),
  );
});

/** Run `call(part, parts)` for every part of `parts` on fresh copies of `inputs`; the buffers afterwards. */
function byParts(k: Kernels, inputs: number[][], parts: number, call: (p: number[], part: number) => void): number[][] {
  const mark = k.heap.mark();
  const p = inputs.map((v) => k.heap.allocFrom(v));
  for (let part = 0; part < parts; part++) call(p, part);
  const out = inputs.map((v, i) => read(k, p[i], v.length));
  k.heap.release(mark);
  return out;
}

const sameBits = (a: number[][], b: number[][]) => a.every((v, i) => v.every((x, j) => Object.is(x, b[i][j])));

eachBackend(
  'gemmPart and denseBackwardPart over all their parts give gemm and denseBackward bit for bit',
  [...backends, ...backendsUnderTest('f64')],
  (t, k) => {
    const rng = new Rng(21);
    // N of 20, 33, 530 and 1040: part edges on panel edges, inside and past the 512-column blocks, empty parts; K > 256: passes.
    for (const [M, N, K] of [
      [9, 530, 24],
      [7, 20, 13],
      [3, 1040, 5],
      [5, 33, 300],
    ])
      for (const parts of [2, 3, 7]) {
        for (const flags of [0, TRANS_A, TRANS_B, TRANS_A | TRANS_B, RELU | ACCUMULATE, TRANS_B | ACCUMULATE]) {
          const inputs = [randn(rng, M * K), randn(rng, K * N), randn(rng, M * N), randn(rng, N)];
          const whole = byParts(k, inputs, 1, ([a, b, c, bias]) => k.gemm(flags, M, N, K, a, b, c, bias));
          const split = byParts(k, inputs, parts, ([a, b, c, bias], part) =>
            k.gemmPart(part, parts, flags, M, N, K, a, b, c, bias),
          );
          t.true(sameBits(whole, split), `${k.name} gemm ${M}x${N}x${K} flags ${flags}, ${parts} parts`);
        }
        const [rows, nIn, nOut] = [M, K, N];
        for (const flags of [0, RELU, RELU | ACCUMULATE]) {
          // X, W, Y, dY, dX, dW, db
          const inputs = [
            randn(rng, rows * nIn),
            randn(rng, nIn * nOut),
            randn(rng, rows * nOut),
            randn(rng, rows * nOut),
            randn(rng, rows * nIn),
            randn(rng, nIn * nOut),
            randn(rng, nOut),
          ];
          const whole = byParts(k, inputs, 1, ([X, W, Y, dY, dX, dW, db]) =>
            k.denseBackward(rows, nIn, nOut, X, W, Y, dY, dX, dW, db, flags),
          );
          const split = byParts(k, inputs, parts, ([X, W, Y, dY, dX, dW, db], part) =>
            k.denseBackwardPart(part, parts, rows, nIn, nOut, X, W, Y, dY, dX, dW, db, flags),
          );
          t.true(
            sameBits(whole, split),
            `${k.name} denseBackward ${rows}x${nIn}x${nOut} flags ${flags}, ${parts} parts`,
          );
        }
      }
  },
);

/** M×K values where whole stretches of 4 k are zero with probability `blank`, and single zeros elsewhere. */
function blockSparse(rng: Rng, M: number, K: number, blank: number): number[] {
  const a = randn(rng, M * K).map((v) => (rng.uniform() < 0.3 ? 0 : v));
  for (let i = 0; i < M; i++)
    for (let k = 0; k + 4 <= K; k += 4) if (rng.uniform() < blank) a.fill(0, i * K + k, i * K + k + 4);
  return a;
}

eachBackend(
  'gemm with SKIP_ZEROS gives the values of gemm without it (A·Bᵀ, sparse and dense rows)',
  backends,
  (t, k) => {
    const rng = new Rng(11);
    let compared = 0;
    for (const [M, N, K] of [
      [1, 4, 8],
      [2, 8, 16],
      [3, 9, 13],
      [32, 512, 392],
      [65, 20, 40],
      [5, 7, 2],
    ])
      for (const blank of [0, 0.5, 0.95, 1])
        for (const relu of [0, RELU]) {
          const a = blockSparse(rng, M, K, blank),
            b = randn(rng, N * K),
            bias = randn(rng, N),
            c = new Array(M * N).fill(0);
          const plain = gemmOn(k, TRANS_B | relu, M, N, K, a, b, c, bias),
            skipping = gemmOn(k, TRANS_B | SKIP_ZEROS | relu, M, N, K, a, b, c, bias);
          const differs = plain.findIndex((v, i) => v !== skipping[i]);
          t.is(differs, -1, `${M}x${N}x${K} blank ${blank}: output ${differs}`);
          compared++;
        }
    t.is(compared, 48);
  },
);

matchesTwin('gemm with SKIP_ZEROS on sparse rows', { backends, twin: 'js-f64', tol: 1e-5 }, () => {
  const rng = new Rng(12);
  return [
    [7, 33, 13],
    [32, 512, 392],
    [1, 5, 300],
  ].map(([M, N, K]) => {
    const a = blockSparse(rng, M, K, 0.7),
      b = randn(rng, N * K),
      c = randn(rng, M * N);
    const scale = maxOf(gemmOn(twin, TRANS_B, M, N, K, abs(a)!, abs(b)!, abs(c)!, null));
    return {
      label: `${M}x${N}x${K}`,
      run: (k: Kernels) => [gemmOn(k, TRANS_B | SKIP_ZEROS | ACCUMULATE, M, N, K, a, b, c, null)],
      error: (got, want) => maxOf(Array.from(got, (g, i) => Math.abs(g - want[i]) / scale)),
    } satisfies TwinCase;
  });
});
