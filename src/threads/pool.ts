// Training on two threads: the owner (the thread that trains) and one lane
// (src/threads/lane.ts) on the same shared wasm memory. The views meet only
// in the KL (Eq. 9), so per step the lane runs view 2's forward half while
// the owner runs view 1's, the owner computes the KL, then both run their
// view's backward; Adam is split in two ranges. Each half is exactly the
// kernel calls one thread would make, on the same buffers, so the weights
// are bit for bit those of one thread (same build).
//
// Synchronisation is the control block alone (control.ts): per task the
// owner writes a few words, bumps SEQ and notifies; the lane reports DONE.
// Nothing is allocated, copied or posted per step. A lane that fails marks
// itself FAILED and wakes the owner, which throws instead of waiting.
//
// How a lane's thread is started is the one environment-specific part,
// passed in as `spawn` (spawn-node.ts for Node's worker_threads,
// spawn-web.ts for a browser's Web Workers).

import type { Jpvae, ViewRunner } from '../model/jpvae.ts';
import { adamRange, type Adam, type AdamRunner } from '../train/adam.ts';
import {
  ADAM,
  BACKWARD,
  COUNT,
  Control,
  controlBytes,
  DONE,
  FAILED,
  FLAG,
  FORWARD,
  LO,
  RESULT,
  ROWS,
  SCALE,
  SEQ,
  STEP,
  STOP,
  TASK,
  waitChange,
} from './control.ts';
import type { LaneInit } from './lane.ts';

/** A started lane thread: `ready` settles once it has joined (or failed to); `terminate` ends it. */
export interface LaneThread {
  ready: Promise<void>;
  terminate(): Promise<void>;
}
export type SpawnLane = (init: LaneInit) => LaneThread;

/** The most threads a training step uses now: one per view. */
export const MAX_TRAINING_THREADS = 2;

export class TrainingThreads implements ViewRunner, AdamRunner {
  private readonly control: Control;
  private seq = 0;
  private closed = false;

  private constructor(
    private readonly model: Jpvae,
    private readonly adam: Adam,
    buffer: SharedArrayBuffer,
    private readonly thread: LaneThread,
    private readonly split: number,
  ) {
    this.control = new Control(buffer, 1);
  }

  /**
   * Start the lane for `model` (whose kernels must be a threads build, on a
   * shared memory) and route its steps and `adam`'s updates through the two
   * threads. Rejects when the thread cannot start.
   */
  static async start(model: Jpvae, adam: Adam, spawn: SpawnLane): Promise<TrainingThreads> {
    const k = model.k,
      shared = k.shared;
    if (!shared || !k.gemmScratchSize)
      throw new Error(
        'training threads need the wasm kernels of a threads build (createKernels(…, { threads: true }))',
      );
    const buffer = new SharedArrayBuffer(controlBytes(1));
    const scratch = k.heap.alloc(k.gemmScratchSize());
    const split = Math.floor(adam.size / 8) * 4; // Adam's ranges [0, split) here, [split, size) on the lane
    const thread = spawn({
      shared,
      control: buffer,
      lanes: 1,
      lane: 1,
      view: 1,
      config: model.config,
      maxRows: model.maxRows,
      heapStart: model.heapStart,
      P: model.P,
      G: model.G,
      adam: { ...adam.config, P: model.P, G: model.G, m: adam.m, v: adam.v },
      scratch,
    });
    const control = new Control(buffer, 1);
    try {
      await thread.ready;
    } catch (e) {
      await thread.terminate();
      throw new Error(
        `training thread did not start: ${control.error(1) || (e instanceof Error ? e.message : String(e))}`,
      );
    }
    const pool = new TrainingThreads(model, adam, buffer, thread, split);
    model.runner = pool;
    adam.runner = pool;
    return pool;
  }

  forward(rows: number, gradScale: number | null, sums: number[]): void {
    this.dispatch(FORWARD, rows, gradScale === null ? 0 : 1, gradScale ?? 0);
    sums[0] = this.model.forwardView(0, rows, gradScale);
    this.wait();
    sums[1] = this.control.getF64(1, RESULT);
  }

  backward(rows: number, adds: readonly boolean[]): void {
    this.dispatch(BACKWARD, rows, adds[1] ? 1 : 0, 0);
    this.model.backwardView(0, rows, adds[0]);
    this.wait();
  }

  update(t: number): boolean {
    const { model, adam, split, control } = this;
    const i32 = control.i32;
    i32[control.word(1, LO)] = split;
    i32[control.word(1, COUNT)] = adam.size - split;
    i32[control.word(1, STEP)] = t;
    this.dispatch(ADAM, 0, 0, 0);
    const here = adamRange(model.k, adam.config, { P: model.P, G: model.G, m: adam.m, v: adam.v }, 0, split, t);
    this.wait();
    return here && control.getF64(1, RESULT) === 1;
  }

  /** Stop the lane and end its thread; the model and Adam run on this thread alone again. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.model.runner === this) this.model.runner = undefined;
    if (this.adam.runner === this) this.adam.runner = undefined;
    if (Atomics.load(this.control.i32, this.control.word(1, DONE)) !== FAILED) this.dispatch(STOP, 0, 0, 0);
    await this.thread.terminate();
  }

  private dispatch(task: number, rows: number, flag: number, scale: number): void {
    const c = this.control,
      i32 = c.i32;
    if (this.closed && task !== STOP) throw new Error('training threads: used after close()');
    i32[c.word(1, TASK)] = task;
    i32[c.word(1, ROWS)] = rows;
    i32[c.word(1, FLAG)] = flag;
    c.setF64(1, SCALE, scale);
    this.seq = Atomics.add(i32, SEQ, 1) + 1;
    Atomics.notify(i32, SEQ);
  }

  /** Until the lane reports the current task done; throws when it failed instead. */
  private wait(): void {
    const c = this.control,
      i32 = c.i32,
      at = c.word(1, DONE);
    for (let done = Atomics.load(i32, at); done !== this.seq; done = waitChange(i32, at, done))
      if (done === FAILED) throw new Error(`training thread failed: ${c.error(1)}`);
  }
}
