// GEMM throughput (GFLOP/s, 2·M·N·K flops a call) of every backend in one
// run, on the model's layer shapes in the three forms training runs: the
// forward Y = X·W (+ bias, ReLU), dX = dY·Wᵀ and dW += Xᵀ·dY.

import { createKernels, TRANS_A, TRANS_B, ACCUMULATE, RELU, type Kernels } from '../core/index.ts';
import { benchBackends, bestRate, round, type Table } from './rate.ts';

export const SHAPES: [number, number, number][] = [
  [32, 392, 512],
  [32, 512, 512],
  [32, 512, 20],
  [32, 20, 512],
  [32, 512, 392],
];

/** Each forward shape "MxKxN" (X: M×K, W: K×N), and its gradient forms "…:dX" and "…:dW". */
export const CASES = SHAPES.flatMap(([M, K, N]) => [
  { name: `${M}x${K}x${N}`, flags: RELU, M, N, K },
  { name: `${M}x${K}x${N}:dX`, flags: TRANS_B, M, N: K, K: N }, // dY (M×N) · Wᵀ
  { name: `${M}x${K}x${N}:dW`, flags: TRANS_A | ACCUMULATE, M: K, N, K: M }, // Xᵀ · dY
]);

function gflops(k: Kernels, c: (typeof CASES)[number], seconds: number, rounds: number): number {
  const mark = k.heap.mark();
  const random = (n: number): number => k.heap.allocFrom(Float32Array.from({ length: n }, () => Math.random() - 0.5));
  const A = random(c.M * c.K),
    B = random(c.K * c.N),
    C = random(c.M * c.N),
    bias = c.flags & RELU ? random(c.N) : 0;
  const rate = bestRate(() => k.gemm(c.flags, c.M, c.N, c.K, A, B, C, bias), 2 * c.M * c.N * c.K, seconds, rounds);
  k.heap.release(mark);
  return rate / 1e9;
}

/** GFLOP/s of the plain-simd wasm build, the relaxed-simd one (when the engine takes it) and the js twin. */
export function benchGemm(quick: boolean) {
  const backends = benchBackends();
  const [seconds, rounds] = quick ? [0.03, 2] : [0.12, 4];
  const gemm_gflops: Table = {},
    gemm_speedup_vs_js: Table = {};
  for (const [name, choice] of backends) {
    const k = createKernels(choice);
    gemm_gflops[name] = Object.fromEntries(CASES.map((c) => [c.name, round(gflops(k, c, seconds, rounds), 3)]));
  }
  for (const [name] of backends.filter(([n]) => n !== 'js')) {
    gemm_speedup_vs_js[name] = Object.fromEntries(
      CASES.map((c) => [c.name, round(gemm_gflops[name][c.name] / gemm_gflops.js[c.name], 3)]),
    );
  }
  return { gemm_gflops, gemm_speedup_vs_js };
}

export type GemmResult = ReturnType<typeof benchGemm>;

/** The result as a table: one row per case, GFLOP/s per backend, then the speedups over js. */
export function formatGemm(r: GemmResult): string {
  const backends = Object.keys(r.gemm_gflops),
    speedups = Object.keys(r.gemm_speedup_vs_js);
  const head = ['GEMM GFLOP/s', ...backends, ...speedups.map((s) => `${s}/js`)];
  const rows = CASES.map((c) => [
    c.name,
    ...backends.map((b) => r.gemm_gflops[b][c.name].toFixed(2)),
    ...speedups.map((s) => `${r.gemm_speedup_vs_js[s][c.name].toFixed(1)}×`),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  return [head, ...rows]
    .map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '))
    .join('\n');
}
