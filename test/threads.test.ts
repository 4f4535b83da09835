// Training on threads: the threads build, the two-thread pool, and the
// fallback to one thread. The pool runs exactly the kernel calls one thread
// makes, so the weights must be bit for bit those of one thread.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Training } from '../src/api/training.ts';
import type { ViewData } from '../src/data/view-data.ts';
import type { ModelConfig } from '../src/model/config.ts';
import { TrainingThreads } from '../src/threads/pool.ts';
import { ADAM, BACKWARD, DONE, type Control } from '../src/threads/control.ts';
import { Jpvae } from '../src/model/jpvae.ts';
import { spawnNodeLane } from '../src/threads/spawn-node.ts';
import type { LaneThread } from '../src/threads/pool.ts';
import { plantedBinary } from './planted.ts';
import {
  arraysRecord,
  BIN,
  bitsEqual,
  matchesOneThread,
  randArray,
  Rng,
  tempDir,
  THREADS_TRAINING,
  trainToEnd,
} from './util.ts';
import { createKernels, RELU, TRANS_A, TRANS_B } from '../src/core/index.ts';
import { createWasmKernels } from '../src/core/wasm.ts';

const HAS_VIEW1 = 1,
  HAS_VIEW2 = 2,
  HAS_BOTH = 3;

const CONFIG: ModelConfig = {
  dims: [24, 24],
  hidden: [40, 24],
  latent: [4, 6],
  prior: { kind: 'svd', alpha: 0.95, flips: 0 },
};

/** The planted problem, with a few rows missing one view (those batches mix both-view and one-view groups). */
function planted(): ViewData {
  const d: ViewData = plantedBinary(200, 24, 11);
  d.present = Uint8Array.from({ length: d.n }, (_, r) =>
    r % 17 === 5 ? HAS_VIEW1 : r % 19 === 7 ? HAS_VIEW2 : HAS_BOTH,
  );
  return d;
}

async function train(threads: number, backend: 'wasm-simd' | 'wasm' = 'wasm') {
  return trainToEnd(
    Training.start(CONFIG, THREADS_TRAINING, { train: planted() }, arraysRecord(planted()), backend, threads),
  );
}

test('gemm with its packing scratch moved into the heap (as each thread has it) gives the same bits as with the static one', (t) => {
  const k = createKernels('wasm', { threads: true }),
    rng = new Rng(4);
  // K > 256 and N > 512 run several passes and column blocks through the scratch; odd sizes reach the edges.
  for (const [M, N, K] of [
    [33, 530, 300],
    [64, 17, 513],
    [5, 3, 2],
  ])
    for (const flags of [0, TRANS_A, TRANS_B, TRANS_A | TRANS_B]) {
      const A = randArray(k, rng, M * K),
        B = randArray(k, rng, K * N),
        bias = randArray(k, rng, N);
      const run = () => {
        const C = k.heap.alloc(M * N);
        k.gemm(flags | RELU, M, N, K, A, B, C, bias);
        return Float32Array.from(k.heap.view(C, M * N));
      };
      const statik = run();
      const scratch = k.heap.alloc(k.gemmScratchSize!() + 4);
      k.heap.view(scratch, k.gemmScratchSize!() + 4).fill(NaN); // whatever it held before must not matter
      k.setGemmScratch!(scratch + 4); // off a 32-byte boundary too
      const moved = run();
      t.true(bitsEqual(statik, moved), `${M}x${N}x${K} flags ${flags}`);
    }
});

test("every heap buffer, a lane's gemm scratch among them, starts on a cache line; a mirror heap hands out the same", (t) => {
  // A lane's scratch that started mid-line ran its forward ~10% slower than the owner's (src/core/heap.ts).
  const k = createKernels('wasm', { threads: true });
  const base = k.heap.mark(),
    sizes = [1, 3, 17, 1000, k.gemmScratchSize!()];
  const at = sizes.map((n) => k.heap.alloc(n));
  for (const p of at) t.is((p * 4) % 64, 0, `element ${p}`);
  const mirror = createWasmKernels(k.shared!.build, { join: k.shared, mirrorBase: base });
  t.deepEqual(
    sizes.map((n) => mirror.heap.alloc(n)),
    at,
  );
});

test('two threads train bit for bit the same weights across runs, and the same as one thread', async (t) => {
  const [a, b, one] = [await train(2), await train(2), await train(1)];
  t.is(a.threads, 2);
  t.is(one.threads, 1);
  t.true(bitsEqual(a.params, b.params), 'N = 2 repeats itself');
  t.true(bitsEqual(a.params, one.params), 'N = 2 equals N = 1');
  t.true(a.losses[2] < a.losses[0], 'the loss falls');
  a.losses.forEach((l, i) =>
    t.true(Math.abs(l - one.losses[i]) <= 1e-6 * Math.abs(l), `epoch ${i + 1}: ${l} vs ${one.losses[i]}`),
  );
});

test('three and four threads (teams splitting each GEMM by columns) train the weights of one thread, bit for bit, run after run', async (t) => {
  await matchesOneThread(t, train, [3, 4]);
});

test('Adam on threads: shared with the backward after the last rows of a step, or on its own after a step a view had no rows in; both give the weights of one thread', async (t) => {
  // Most rows miss view 2, and batches of 4: some steps have no view-2 row (its gradient is zeroed after the backwards).
  const data = (): ViewData => {
    const d = plantedBinary(120, 24, 5);
    d.present = Uint8Array.from({ length: d.n }, (_, r) => (r % 5 === 0 ? HAS_BOTH : HAS_VIEW1));
    return d;
  };
  const options = { ...THREADS_TRAINING, batch: 4, epochs: 2 };
  const pool = TrainingThreads.prototype as unknown as { dispatch: (task: number, words?: { step?: number }) => void };
  const dispatch = pool.dispatch,
    tasks = { withBackward: 0, alone: 0 };
  pool.dispatch = function (task, words) {
    if (task === BACKWARD && words?.step) tasks.withBackward++;
    if (task === ADAM) tasks.alone++;
    return dispatch.call(this, task, words);
  };
  try {
    const run = (threads: number) =>
      trainToEnd(Training.start(CONFIG, options, { train: data() }, arraysRecord(data()), 'wasm', threads));
    const [two, one] = [await run(2), await run(1)];
    t.true(tasks.withBackward > 0 && tasks.alone > 0, `both kinds of update ran: ${JSON.stringify(tasks)}`);
    t.true(bitsEqual(two.params, one.params));
  } finally {
    pool.dispatch = dispatch;
  }
});

test('the plain-simd threads build trains like the plain-simd build', async (t) => {
  const [two, one] = [await train(2, 'wasm-simd'), await train(1, 'wasm-simd')];
  t.true(bitsEqual(two.params, one.params));
});

test('a thread that fails mid-step makes training throw, not hang', async (t) => {
  t.is(
    Training.start(CONFIG, THREADS_TRAINING, { train: planted() }, arraysRecord(planted()), 'wasm', 1).model.k.shared,
    undefined,
    'one thread: the plain build',
  );
  const threaded = Training.start(CONFIG, THREADS_TRAINING, { train: planted() }, arraysRecord(planted()), 'wasm', 2);
  // A lane whose gemm scratch lies outside the memory traps in its first task.
  const pool = await TrainingThreads.start(threaded.model, threaded.trainer.adam, (init) =>
    spawnNodeLane({ ...init, scratch: 2 ** 30 - 64 }),
  );
  await t.throwsAsync(() => threaded.trainer.runEpoch(), { message: /training thread failed: .*out of bounds/ });
  await pool.close();
});

test('a pool that has failed refuses its next task: a lane that missed the failure does not run it', async (t) => {
  const model = new Jpvae(createKernels('wasm', { threads: true }), CONFIG, 16);
  model.initParams(new Rng(5));
  const pool = await TrainingThreads.start(model, null, spawnNodeLane);
  const data = plantedBinary(16, 24, 11),
    rows = Uint32Array.from([0, 1, 2]);
  model.loss(data, rows, 1, null); // a task the lane runs
  const control = (pool as unknown as { control: Control }).control,
    done = () => Atomics.load(control.i32, control.word(1, DONE));
  const before = done();
  t.true(before > 0);
  // As when the training thread fails inside a team's work: the lane, waiting for its next task, never hears of it.
  control.fail(0, 'the owner failed');
  t.throws(() => model.loss(data, rows, 1, null), { message: 'training thread failed: the owner failed' });
  t.is(done(), before, 'the lane ran no task');
  await pool.close();
});

test('a thread terminated from outside mid-training makes training throw, not hang', async (t) => {
  const run = Training.start(CONFIG, THREADS_TRAINING, { train: planted() }, arraysRecord(planted()), 'wasm', 2);
  let lane: LaneThread | undefined;
  const pool = await TrainingThreads.start(run.model, run.trainer.adam, (init) => (lane = spawnNodeLane(init)));
  await run.trainer.runEpoch(); // trains
  const ended = lane!.terminate(); // not awaited: the next epoch's first step may already find it gone, or lose it mid-task
  await t.throwsAsync(() => run.trainer.runEpoch(), {
    message: /training thread failed: the thread ended \(exit code 1\) without being stopped/,
  });
  await ended;
  await pool.close();
});

test('a thread that ends past its own handlers (a hard exit while the owner waits) makes training throw, not hang', async (t) => {
  const run = Training.start(CONFIG, THREADS_TRAINING, { train: planted() }, arraysRecord(planted()), 'wasm', 2);
  // Says it joined, sleeps 200 ms (the owner is in its first step by then), and exits skipping every 'exit' handler.
  const crash = `data:text/javascript,import { parentPort } from 'node:worker_threads'; parentPort.postMessage('ready'); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200); process.reallyExit(9);`;
  const pool = await TrainingThreads.start(run.model, run.trainer.adam, (init) =>
    spawnNodeLane(init, { code: crash, evaluated: false }),
  );
  await t.throwsAsync(() => run.trainer.runEpoch(), {
    message: /training thread failed: the thread ended \(exit code 9\) without being stopped/,
  });
  await pool.close();
});

test('a thread that cannot join the model is refused at start', async (t) => {
  const run = Training.start(CONFIG, THREADS_TRAINING, { train: planted() }, arraysRecord(planted()), 'wasm', 2);
  await t.throwsAsync(
    () =>
      TrainingThreads.start(run.model, run.trainer.adam, (init) =>
        spawnNodeLane({ ...init, maxRows: init.maxRows + 4 }),
      ),
    { message: /did not start: .*do not match/ },
  );
});

test('without SharedArrayBuffer, train falls back to one thread with a one-line warning', (t) => {
  const dir = tempDir(t);
  const noShared = 'data:text/javascript,delete globalThis.SharedArrayBuffer';
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      noShared,
      BIN,
      'train',
      '--epochs',
      '1',
      '--train-limit',
      '96',
      '--hidden',
      '32',
      '--threads',
      '2',
      '--out',
      join(dir, 'm'),
      '--json',
    ],
    { encoding: 'utf8' },
  );
  t.is(r.status, 0, r.stderr);
  const warnings = r.stderr.split('\n').filter((l) => /warning/.test(l));
  t.deepEqual(warnings, [
    'jpvae train: warning: 2 threads asked for, training on one: shared memory (SharedArrayBuffer) is unavailable here',
  ]);
  t.is(JSON.parse(r.stdout).threads, 1);
  t.true(JSON.parse(readFileSync(join(dir, 'm', 'model.json'), 'utf8')).training.state.epoch === 1);
});

test('jpvae eval gives the same metrics, bit for bit, on 1, 2 and 3 threads', (t) => {
  const dir = tempDir(t),
    out = join(dir, 'm');
  const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  const trained = run([
    'train',
    '--epochs',
    '1',
    '--train-limit',
    '96',
    '--hidden',
    '32',
    '--threads',
    '1',
    '--out',
    out,
  ]);
  t.is(trained.status, 0, trained.stderr);
  const metrics = [1, 2, 3].map((n) => {
    const r = run(['eval', '--model', out, '--json', '--threads', String(n)]);
    t.is(r.status, 0, r.stderr);
    return r.stdout;
  });
  t.truthy(JSON.parse(metrics[0]).recon.x1 > 0);
  t.is(metrics[1], metrics[0]);
  t.is(metrics[2], metrics[0]);
});
