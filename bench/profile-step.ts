// Where a training step's time goes: every kernel call of the trainer's step
// (batchTerms + Adam, reference model, batch 32, best wasm build) timed by
// wrapping the kernels, summed per kernel (GEMMs per flag set), as shares of
// the step's wall time. Wrapping adds ~1 µs a call (~100 calls a step).
//   node --experimental-wasm-relaxed-simd --import=tsx bench/profile-step.ts

import { createKernels, kernelTable, type KernelFunction, type Kernels } from '../src/core/index.ts';
import { referenceTraining } from '../src/bench/train.ts';

const FLAG_NAMES = ['', 'TRANS_A', 'TRANS_B', '', 'ACCUMULATE', '', '', '', 'RELU'];
const gemmName = (flags: number) =>
  `gemm ${
    [1, 2, 4, 8]
      .filter((b) => flags & b)
      .map((b) => FLAG_NAMES[b])
      .join('|') || 'plain'
  }`;

const inner = createKernels('wasm'),
  ms: Record<string, number> = {};
// The same backend with every kernel of its table wrapped in a timer.
const timed: Kernels = {
  ...inner,
  ...kernelTable((key) => {
    const f = inner[key] as KernelFunction;
    return (...args: number[]) => {
      const t0 = performance.now(),
        out = f(...args),
        name = key === 'gemm' ? gemmName(args[0]) : key;
      ms[name] = (ms[name] ?? 0) + performance.now() - t0;
      return out;
    };
  }),
};

const batch = 32,
  step = referenceTraining(timed).step;

for (let i = 0; i < 30; i++) step();
for (const key of Object.keys(ms)) delete ms[key];
const steps = 300,
  t0 = performance.now();
for (let i = 0; i < steps; i++) step();
const total = performance.now() - t0;
console.log(
  `${inner.name}: ${(total / steps).toFixed(2)} ms a step, ${((batch * steps) / (total / 1000)).toFixed(0)} samples/s (wall time, wrapped)`,
);
const kernels = Object.values(ms).reduce((a, b) => a + b, 0);
for (const [name, t] of [...Object.entries(ms), ['outside the kernels', total - kernels] as const].sort(
  (a, b) => b[1] - a[1],
)) {
  console.log(
    `${name.padEnd(24)} ${(t / steps).toFixed(3).padStart(7)} ms  ${((100 * t) / total).toFixed(1).padStart(5)}%`,
  );
}
