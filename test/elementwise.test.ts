// Elementwise kernels: every wasm build against the js twin on odd sizes,
// gradients against central finite differences (f64 twin and wasm f32),
// numerical stability at extreme logits, and Adam against a hand computation.
// One test per backend (its name in the title).

import { createKernels, type Kernels } from '../src/core/index.ts';
import {
  backendsUnderTest,
  eachBackend,
  gradMatchesFd,
  matchesTwin,
  maxRelErr,
  read,
  Rng,
  type TwinCase,
} from './util.ts';
import { fdCase, normals, run, scaledLossSum, twinCase, zeros, type Call } from './kernel-cases.ts';

const backends = backendsUnderTest('f32');
const wasmBackends = backendsUnderTest('wasm');

/** (rows, N): every size in {1, 3, 7, 33, 392}, none of the odd ones a multiple of 4. */
const SHAPES: [number, number][] = [
  [1, 1],
  [1, 392],
  [3, 7],
  [7, 33],
  [33, 3],
  [392, 7],
  [33, 392],
];

const VS_JS = { backends: wasmBackends, twin: 'js', tol: 1e-5 } as const;
const FD = { backends: wasmBackends, f64: { h: 1e-5, tol: 1e-6 }, f32: { h: 1e-2, tol: 1e-2 } };
/** Half the targets in {0, 1}, half anywhere in [0, 1]. */
const targets = (rng: Rng, n: number): number[] =>
  Array.from({ length: n }, () => (rng.uniform() < 0.5 ? rng.below(2) : rng.uniform()));
/** Logits of scale 4 with some saturated ones mixed in. */
const EXTREMES = [-100, -30, 30, 100];
const logitsWithExtremes = (rng: Rng, n: number): number[] =>
  Array.from({ length: n }, () => (rng.uniform() < 0.2 ? EXTREMES[rng.below(4)] : 4 * rng.normal()));

// ---- BCE with logits ----

const bce =
  (rows: number, N: number, scale: number): Call =>
  (k, [x, t, loss, d]) =>
    k.bceWithLogits(rows, N, x, t, loss, d, scale);

matchesTwin('bceWithLogits on odd sizes and extreme logits', VS_JS, () => {
  const rng = new Rng(1);
  return SHAPES.flatMap(([rows, N]) => {
    const x = logitsWithExtremes(rng, rows * N),
      tg = targets(rng, rows * N);
    return [
      twinCase(`${rows}×${N}`, [x, tg, zeros(rows), zeros(rows * N)], bce(rows, N, 0.37)),
      twinCase(`${rows}×${N} without gradient`, [x, tg, zeros(rows), null], bce(rows, N, 1)),
    ];
  });
});

eachBackend('bceWithLogits: exact per-element loss and gradient at extreme and tiny logits', backends, (t, k) => {
  // f64 reference; log1p(e^{−|x|}) at |x| = 20 is 2e-9, which log(1 + e) in f32 would round to 0.
  const xs = [-100, -30, -20, -5, -1e-3, 0, 1e-3, 5, 20, 30, 100];
  const ts = [0, 1, 0.3];
  const x = xs.flatMap((v) => ts.map(() => v)),
    tg = xs.flatMap(() => ts);
  const n = x.length;
  const wantLoss = x.map((v, i) => Math.max(v, 0) - v * tg[i] + Math.log1p(Math.exp(-Math.abs(v))));
  const wantGrad = x.map((v, i) => 1 / (1 + Math.exp(-v)) - tg[i]);
  const [, , loss, d] = run(k, [x, tg, zeros(n), zeros(n)], bce(n, 1, 1));
  for (let i = 0; i < n; i++) {
    const ctx = `x=${x[i]} t=${tg[i]}`;
    t.true(
      Math.abs(loss[i] - wantLoss[i]) <= 1e-5 * Math.abs(wantLoss[i]) + 1e-40,
      `${ctx} loss ${loss[i]} vs ${wantLoss[i]}`,
    );
    t.true(Math.abs(d[i] - wantGrad[i]) <= 1e-6, `${ctx} grad ${d[i]} vs ${wantGrad[i]}`);
  }
});

gradMatchesFd('bceWithLogits: the gradient', FD, () => {
  const rng = new Rng(2);
  return [
    [3, 7],
    [7, 33],
    [2, 392],
  ].map(([rows, N], c) => {
    const arrays = [normals(rng, rows * N, 2), targets(rng, rows * N), zeros(rows), zeros(rows * N)];
    return fdCase(`${rows}×${N}`, arrays, bce(rows, N, 0.7), scaledLossSum(0.7, rows, 2), [[0, 3]], 200 + c);
  });
});

// ---- Softmax cross-entropy ----

const softmaxCe =
  (rows: number, N: number, scale: number): Call =>
  (k, [x, labels, loss, d]) =>
    k.softmaxCrossEntropy(rows, N, x, labels, loss, d, scale);
const labelsFor = (rng: Rng, rows: number, N: number): number[] => Array.from({ length: rows }, () => rng.below(N));

matchesTwin('softmaxCrossEntropy on odd sizes and extreme logits', VS_JS, () => {
  const rng = new Rng(3);
  return [...SHAPES, [32, 10] as [number, number]].flatMap(([rows, N]) => {
    const x = logitsWithExtremes(rng, rows * N),
      labels = labelsFor(rng, rows, N);
    return [
      twinCase(`${rows}×${N}`, [x, labels, zeros(rows), zeros(rows * N)], softmaxCe(rows, N, 0.5)),
      twinCase(`${rows}×${N} without gradient`, [x, labels, zeros(rows), null], softmaxCe(rows, N, 1)),
    ];
  });
});

eachBackend('softmaxCrossEntropy: stable and exact at large logits', backends, (t, k) => {
  // Row 0: label takes all the mass → loss ≈ 0. Row 1: label 1000 below the top → loss ≈ 1000.
  // Row 2: two tied maxima → loss = ln 2, gradient ½ on each. Row 3: all equal at −1000 → ln 3.
  const x = [1000, 0, -1000, 0, 1000, -1000, 500, 500, -500, -1000, -1000, -1000];
  const labels = [0, 0, 1, 2];
  const wantLoss = [0, 1000, Math.LN2, Math.log(3)];
  const wantGrad = [0, 0, 0, -1, 1, 0, 0.5, -0.5, 0, 1 / 3, 1 / 3, -2 / 3];
  const [, , loss, d] = run(k, [x, labels, zeros(4), zeros(12)], softmaxCe(4, 3, 1));
  t.true(maxRelErr(loss, wantLoss) <= 1e-6 && Math.abs(loss[2] - Math.LN2) <= 1e-6, `loss ${loss}`);
  t.true(maxRelErr(d, wantGrad) <= 1e-6, `grad ${d}`);
});

gradMatchesFd('softmaxCrossEntropy: the gradient', FD, () => {
  const rng = new Rng(4);
  return [
    [3, 7],
    [5, 10],
    [2, 33],
  ].map(([rows, N], c) => {
    const arrays = [normals(rng, rows * N, 2), labelsFor(rng, rows, N), zeros(rows), zeros(rows * N)];
    return fdCase(`${rows}×${N}`, arrays, softmaxCe(rows, N, 0.3), scaledLossSum(0.3, rows, 2), [[0, 3]], 400 + c);
  });
});

// ---- Gaussian NLL ----

const gaussian =
  (rows: number, N: number, scale: number): Call =>
  (k, [m, tg, lv, loss, dm, dlv]) =>
    k.gaussianNll(rows, N, m, tg, lv, loss, dm, dlv, scale);

matchesTwin('gaussianNll, fixed and learnt variance,', VS_JS, () => {
  const rng = new Rng(5);
  return SHAPES.flatMap(([rows, N]) => {
    const m = normals(rng, rows * N),
      tg = normals(rng, rows * N),
      lv = normals(rng, N, 0.5);
    // dLogvar starts non-zero: the kernel must add into it.
    const learnt = [m, tg, lv, zeros(rows), zeros(rows * N), normals(rng, N)];
    return [
      twinCase(`${rows}×${N} learnt`, learnt, gaussian(rows, N, 0.4)),
      twinCase(`${rows}×${N} fixed`, [m, tg, zeros(N), zeros(rows), zeros(rows * N), null], gaussian(rows, N, 1)),
    ];
  });
});

eachBackend('gaussianNll: unit variance gives half the squared error plus the constant', backends, (t, k) => {
  const m = [1, 2, 3],
    tg = [0, 0, 5];
  const want = 0.5 * (1 + 4 + 4) + 1.5 * Math.log(2 * Math.PI);
  const [, , , loss] = run(k, [m, tg, zeros(3), zeros(1), null, null], gaussian(1, 3, 1));
  t.true(Math.abs(loss[0] - want) <= 1e-6 * want, `${loss[0]} vs ${want}`);
});

gradMatchesFd('gaussianNll: the gradients', FD, () => {
  const rng = new Rng(6);
  return [
    [3, 7],
    [7, 33],
    [2, 392],
  ].map(([rows, N], c) => {
    const arrays = [
      normals(rng, rows * N),
      normals(rng, rows * N),
      normals(rng, N, 0.5),
      zeros(rows),
      zeros(rows * N),
      zeros(N),
    ];
    const pairs: [number, number][] = [
      [0, 4],
      [2, 5],
    ];
    return fdCase(`${rows}×${N}`, arrays, gaussian(rows, N, 0.6), scaledLossSum(0.6, rows, 3), pairs, 600 + c);
  });
});

// ---- Sigmoid (the runtime's Bernoulli mean) ----

const sigmoidCall =
  (n: number): Call =>
  (k, [x, y]) =>
    k.sigmoid(n, x, y);

matchesTwin('sigmoid', VS_JS, () => {
  const rng = new Rng(11);
  return [1, 3, 7, 33, 392, 640].map((n) =>
    twinCase(`n=${n}`, [normals(rng, n).map((v) => 8 * v), zeros(n)], sigmoidCall(n)),
  );
});

eachBackend('sigmoid: exact limits, no overflow, NaN kept, in place', backends, (t, k) => {
  const x = [-1e4, -104, -88, -20, -1, 0, 1, 20, 88, 104, 1e4, NaN, Infinity, -Infinity];
  const [, y] = run(k, [x, zeros(x.length)], sigmoidCall(x.length));
  const want = x.map((v) => 1 / (1 + Math.exp(-v)));
  y.forEach((v, i) =>
    Number.isNaN(want[i])
      ? t.true(Number.isNaN(v))
      : t.true(Math.abs(v - want[i]) <= 4e-7 * want[i] + 3e-45, `σ(${x[i]}) = ${v}`),
  );
  const [same] = run(k, [[-2, 0, 2]], (k, [p]) => k.sigmoid(3, p, p));
  t.true(maxRelErr(same, [1 / (1 + Math.E ** 2), 0.5, 1 / (1 + Math.E ** -2)]) <= 1e-6, `${same}`);
});

// ---- Reparameterisation ----

const reparamForward =
  (n: number): Call =>
  (k, [mu, lv, eps, z]) =>
    k.reparam(n, mu, lv, eps, z);
/** Forward, then backward with dz = w: the gradient of Σ w·z. */
const reparamBoth =
  (n: number): Call =>
  (k, [mu, lv, eps, z, w, dmu, dlv]) => {
    k.reparam(n, mu, lv, eps, z);
    k.reparamBackward(n, lv, eps, w, dmu, dlv);
  };

matchesTwin('reparam and reparamBackward', VS_JS, () => {
  const rng = new Rng(7);
  return [1, 3, 7, 33, 392, 640].map((n) => {
    const arrays = [
      normals(rng, n),
      normals(rng, n),
      normals(rng, n),
      zeros(n),
      normals(rng, n),
      normals(rng, n),
      normals(rng, n),
    ];
    return twinCase(`n=${n}`, arrays, reparamBoth(n));
  });
});

eachBackend('reparam: z = mu + exp(logvar/2)·eps', backends, (t, k) => {
  const [, , , z] = run(k, [[1, -2], [0, Math.log(4)], [3, 0.5], zeros(2)], reparamForward(2));
  t.true(maxRelErr(z, [4, -1]) <= 1e-6, `${z}`);
});

gradMatchesFd('reparamBackward: the gradients', FD, () => {
  const rng = new Rng(8);
  return [3, 7, 33].map((n, c) => {
    const arrays = [normals(rng, n), normals(rng, n), normals(rng, n), zeros(n), normals(rng, n), zeros(n), zeros(n)];
    const objective = (k: Kernels, p: number[]): number => {
      const z = read(k, p[3], n),
        w = read(k, p[4], n);
      return z.reduce((s, v, i) => s + v * w[i], 0);
    };
    const pairs: [number, number][] = [
      [0, 5],
      [1, 6],
    ];
    return fdCase(`n=${n}`, arrays, reparamBoth(n), objective, pairs, 800 + c);
  });
});

// ---- Accuracy of the vector exp and log1p (assembly/vmath.ts) ----

/** Distance in f32 steps (ulps; subnormal steps count one each), comparing both values rounded to f32. */
const f32Bits = new Int32Array(1),
  f32Cell = new Float32Array(f32Bits.buffer);
const ordinal = (x: number): number => {
  f32Cell[0] = x;
  return f32Bits[0] < 0 ? -(f32Bits[0] & 0x7fffffff) : f32Bits[0];
};
const ulps = (got: number, want: number): number =>
  Number.isNaN(got) || Number.isNaN(want) ? Infinity : Math.abs(ordinal(got) - ordinal(Math.fround(want)));
/** f32 points evenly spread over [lo, hi]. */
const grid = (lo: number, hi: number, n: number): number[] =>
  Array.from({ length: n }, (_, i) => Math.fround(lo + ((hi - lo) * i) / (n - 1)));
/** The worst ulps of got against want, and where. */
const worstUlps = (xs: number[], got: number[], want: (x: number) => number): { ulps: number; x: number } =>
  xs.reduce((w, x, i) => (ulps(got[i], want(x)) > w.ulps ? { ulps: ulps(got[i], want(x)), x } : w), { ulps: 0, x: 0 });

eachBackend('exp (reparam with mu = 0, eps = 1): within 1 ulp from the subnormals to overflow', backends, (t, k) => {
  // z = 0 + exp(½·2x)·1 = exp(x) exactly as the kernel's exp rounds it. 4001 points on one row (the
  // vector body and a tail of 1), and the same points one by one (the scalar tail alone).
  const xs = [...grid(-103.9, 88.72, 4001), 0, -87.33, -87.34, 88.7228, 1e-30, -1e-30].map(Math.fround);
  const special = [88.73, 1e4, Infinity, -104, -1e4, -Infinity, NaN];
  const want = [Math.exp, Math.exp, Math.exp, Math.exp, Math.exp, Math.exp, () => NaN];
  for (const n of [xs.length, 1]) {
    const at = (x: number[]) => {
      const out: number[] = [];
      for (let i = 0; i < x.length; i += n) {
        const part = x.slice(i, i + n),
          m = part.length;
        out.push(...run(k, [zeros(m), part.map((v) => 2 * v), zeros(m).fill(1), zeros(m)], reparamForward(m))[3]);
      }
      return out;
    };
    const w = worstUlps(xs, at(xs), Math.exp);
    t.true(w.ulps <= 1, `${n === 1 ? 'scalar' : 'vector'}: ${w.ulps} ulps at x = ${w.x}`);
    const s = at(special);
    special.forEach((x, i) => t.true(Object.is(s[i], Math.fround(want[i](x))), `exp(${x}) = ${s[i]}`));
  }
});

eachBackend(
  'bceWithLogits: loss within 1 ulp and gradient within 2 from −1e4 to 1e4, finite at ±88 and ±1e4',
  backends,
  (t, k) => {
    // With t = 0 the loss is log1p(exp(x)) (softplus) and the gradient σ(x).
    const xs = [...grid(-110, 110, 4001), ...grid(-1e4, 1e4, 101), -88, 88, 1e-7, -1e-7].map(Math.fround);
    const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
    for (const [rows, N] of [
      [xs.length, 1],
      [1, xs.length],
    ]) {
      const [, , lossRows, d] = run(k, [xs, zeros(xs.length), zeros(rows), zeros(xs.length)], bce(rows, N, 1));
      const path = N === 1 ? 'scalar' : 'vector';
      const grad = worstUlps(xs, d, sigmoid);
      t.true(grad.ulps <= 2, `${path} gradient: ${grad.ulps} ulps at x = ${grad.x}`);
      if (N === 1) {
        const loss = worstUlps(xs, lossRows, softplus);
        t.true(loss.ulps <= 1, `${path} loss: ${loss.ulps} ulps at x = ${loss.x}`);
      }
    }
    // Extreme logits against targets 0, 1 and 0.3: every loss and gradient finite and exact where it is simple.
    const ext = [-1e4, -88, 88, 1e4].flatMap((x) => [0, 1, 0.3].map((tg) => [x, Math.fround(tg)]));
    const [, , loss, d] = run(
      k,
      [ext.map(([x]) => x), ext.map(([, tg]) => tg), zeros(ext.length), zeros(ext.length)],
      bce(ext.length, 1, 1),
    );
    ext.forEach(([x, tg], i) => {
      t.true(Number.isFinite(loss[i]) && Number.isFinite(d[i]), `x=${x} t=${tg}: loss ${loss[i]}, grad ${d[i]}`);
      t.true(Math.abs(d[i] - (sigmoid(x) - tg)) <= 1e-6, `x=${x} t=${tg}: grad ${d[i]}`);
      if (Math.abs(x) === 1e4)
        t.true(Math.abs(loss[i] - (Math.max(x, 0) - x * tg)) <= 1e-3, `x=${x} t=${tg}: loss ${loss[i]}`);
    });
  },
);

// ---- Adam ----

// f32-representable hyperparameters, so the f32 twin and the wasm builds see the same numbers.
const LR = Math.fround(1e-3),
  B1 = Math.fround(0.9),
  B2 = Math.fround(0.999),
  EPS = Math.fround(1e-8);
const adamStep =
  (n: number, step: number): Call =>
  (k, [p, g, m, v]) =>
    k.adam(n, p, g, m, v, LR, B1, B2, EPS, step);

matchesTwin('adam: several steps on odd sizes', VS_JS, () => {
  const rng = new Rng(9),
    jsTwin = createKernels('js'),
    cases: TwinCase[] = [];
  for (const n of [1, 3, 7, 33, 392]) {
    let state = [normals(rng, n), normals(rng, n), zeros(n), zeros(n)];
    for (let step = 1; step <= 5; step++) {
      state[1] = normals(rng, n, 0.1 * step); // a fresh gradient each step
      cases.push(twinCase(`n=${n} step ${step}`, state, adamStep(n, step)));
      state = run(jsTwin, state, adamStep(n, step));
    }
  }
  return cases;
});

eachBackend('adam: the first step moves each parameter by lr against the sign of its gradient', backends, (t, k) => {
  const rng = new Rng(10);
  const n = 33,
    g = normals(rng, n);
  const [p, , m, v] = run(k, [zeros(n), g, zeros(n), zeros(n)], adamStep(n, 1));
  for (let i = 0; i < n; i++) {
    // m̂ = g and v̂ = g² at t = 1, so the step is lr·g/(|g| + eps).
    t.true(Math.abs(p[i] + LR * Math.sign(g[i])) <= 1e-5 * LR, `p[${i}] = ${p[i]}`);
    t.true(Math.abs(m[i] - (1 - B1) * g[i]) <= 1e-6 * Math.abs(g[i]), `m[${i}]`);
    t.true(Math.abs(v[i] - (1 - B2) * g[i] * g[i]) <= 1e-6 * g[i] * g[i], `v[${i}]`);
  }
});

eachBackend('adam: bias correction at t = 1, 2, 10 matches a hand computation', backends, (t, k) => {
  const rng = new Rng(11);
  const n = 7;
  const g = normals(rng, n),
    m0 = normals(rng, n, 0.1),
    v0 = normals(rng, n, 0.1).map((x) => x * x);
  for (const step of [1, 2, 10]) {
    const want = g.map((gi, i) => {
      const m = B1 * m0[i] + (1 - B1) * gi,
        v = B2 * v0[i] + (1 - B2) * gi * gi;
      return (-LR * (m / (1 - B1 ** step))) / (Math.sqrt(v / (1 - B2 ** step)) + EPS);
    });
    const [p] = run(k, [zeros(n), g, m0, v0], adamStep(n, step));
    t.true(maxRelErr(p, want) <= 1e-5, `t=${step}: ${p} vs ${want}`);
  }
});

eachBackend('adam reports a NaN or infinite gradient', [...backends, ...backendsUnderTest('f64')], (t, k) => {
  for (const [bad, at] of [
    [NaN, 5],
    [Infinity, 0],
    [-Infinity, 10],
    [0.5, 3],
  ] as const) {
    const n = 11,
      g = Float32Array.from({ length: n }, (_, i) => (i === at ? bad : 0.1 * i));
    const p = k.heap.alloc(n),
      G = k.heap.allocFrom(g),
      m = k.heap.alloc(n),
      v = k.heap.alloc(n);
    t.is(k.adam(n, p, G, m, v, 1e-3, 0.9, 0.999, 1e-8, 1), Number.isFinite(bad) ? 1 : 0, `g[${at}] = ${bad}`);
  }
});
