// Where a two-thread training step's wall time goes, on both threads: per
// phase (forward; backward with the shared Adam that follows it, or Adam on
// its own after a step a view had no rows in) the training thread's own work and its
// wait for the worker, the worker's work and how late it starts after the
// hand-off (the worker stamps its clock into the control block at each
// task's start and end), how late the training thread, once waiting, sees
// it finish, and
// the training thread's work alone between the phases (the batch copy, ε,
// the prior; the KL). Medians and means over the steps, in µs.
//   node --experimental-wasm-relaxed-simd --import=tsx bench/profile-threads.ts [steps]

import { createKernels } from '../src/core/index.ts';
import { referenceTraining, BATCH } from '../src/bench/train.ts';
import { ADAM, BACKWARD, FINISHED, FORWARD, STARTED, type Control } from '../src/threads/control.ts';
import { TrainingThreads } from '../src/threads/pool.ts';
import { spawnNodeLane } from '../src/threads/spawn-node.ts';

const steps = Number(process.argv[2] ?? 300);
const two = referenceTraining(createKernels('wasm', { threads: true }));
const pool = await TrainingThreads.start(two.model, two.adam, spawnNodeLane, 2);
const p = pool as unknown as Record<string, (...a: number[]) => void> & { control: Control };
const now = () => performance.timeOrigin + performance.now();

const PHASES: Record<number, string> = { [FORWARD]: 'forward', [BACKWARD]: 'backward + Adam', [ADAM]: 'adam' };
const times = new Map<string, Float64Array>();
let at = -1; // the step being recorded (−1: warming up)
const record = (name: string, ms: number) => {
  if (at < 0) return;
  if (!times.has(name)) times.set(name, new Float64Array(steps));
  times.get(name)![at] = 1000 * ms;
};

let task = 0,
  dispatched = 0,
  lastEnd = 0;
const dispatch = p.dispatch,
  wait = p.wait;
p.dispatch = function (t: number, ...rest: number[]) {
  task = t;
  dispatched = now();
  if (t === FORWARD) record('training thread alone before forward', dispatched - lastEnd);
  if (t === BACKWARD) record('training thread alone (KL)', dispatched - lastEnd);
  return dispatch.call(this, t, ...rest);
};
p.wait = function () {
  const start = now();
  wait.call(this);
  const end = (lastEnd = now());
  const name = PHASES[task],
    c = p.control;
  record(`${name}: training thread's work`, start - dispatched);
  record(`${name}: training thread waits`, end - start);
  record(`${name}: worker starts late by`, c.getF64(1, STARTED) - dispatched);
  record(`${name}: worker's work`, c.getF64(1, FINISHED) - c.getF64(1, STARTED));
  record(`${name}: its end seen late by`, end - Math.max(start, c.getF64(1, FINISHED)));
};

for (let i = 0; i < 30; i++) two.step();
const t0 = performance.now();
for (at = 0; at < steps; at++) two.step();
const total = performance.now() - t0;
await pool.close();
console.log(
  `${(total / steps).toFixed(3)} ms a step, ${((BATCH * steps) / (total / 1000)).toFixed(0)} samples/s on 2 threads (wall)`,
);
console.log(`${''.padEnd(40)}  median    mean (µs)`);
for (const [name, xs] of times) {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const median = Float64Array.from(xs).sort()[Math.floor(xs.length / 2)];
  console.log(`${name.padEnd(40)} ${median.toFixed(1).padStart(7)} ${mean.toFixed(1).padStart(7)}`);
}
