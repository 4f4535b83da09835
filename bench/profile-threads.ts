// Where a two-thread training step's wall time goes on the owner: its own
// work per phase (forward, KL and the rest, backward, Adam) against the time
// it waits for the lane at each of the step's barriers.
//   node --experimental-wasm-relaxed-simd --import=tsx bench/profile-threads.ts [steps]

import { createKernels } from '../src/core/index.ts';
import { referenceTraining, BATCH } from '../src/bench/train.ts';
import { TrainingThreads } from '../src/threads/pool.ts';
import { spawnNodeLane } from '../src/threads/spawn-node.ts';

const steps = Number(process.argv[2] ?? 300);
const two = referenceTraining(createKernels('wasm', { threads: true }));
const pool = await TrainingThreads.start(two.model, two.adam, spawnNodeLane, 2);
const ms: Record<string, number> = {};
const add = (name: string, t0: number) => (ms[name] = (ms[name] ?? 0) + performance.now() - t0);
const wrap = (obj: Record<string, unknown>, key: string, name: (args: unknown[]) => string) => {
  const f = obj[key] as (...a: unknown[]) => unknown;
  obj[key] = function (this: unknown, ...args: unknown[]) {
    const t0 = performance.now();
    try {
      return f.apply(this, args);
    } finally {
      add(name(args), t0);
    }
  };
};
let phase = 'forward';
const p = pool as unknown as Record<string, unknown>;
wrap(p, 'wait', () => `wait after ${phase}`);
wrap(p, 'forward', () => ((phase = 'forward'), 'forward (total)'));
wrap(p, 'backward', () => ((phase = 'backward'), 'backward (total)'));
wrap(p, 'update', () => ((phase = 'adam'), 'adam (total)'));
const m = two.model as unknown as Record<string, unknown>;
wrap(m, 'forwardView', () => 'own forward');
wrap(m, 'backwardView', () => 'own backward');
for (let i = 0; i < 30; i++) two.step();
for (const key of Object.keys(ms)) delete ms[key];
const t0 = performance.now();
for (let i = 0; i < steps; i++) two.step();
const total = performance.now() - t0;
await pool.close();
console.log(
  `${(total / steps).toFixed(2)} ms a step, ${((BATCH * steps) / (total / 1000)).toFixed(0)} samples/s on 2 threads (wall)`,
);
for (const [name, t] of Object.entries(ms).sort((a, b) => b[1] - a[1]))
  console.log(
    `${name.padEnd(24)} ${(t / steps).toFixed(3).padStart(7)} ms  ${((100 * t) / total).toFixed(1).padStart(5)}%`,
  );
