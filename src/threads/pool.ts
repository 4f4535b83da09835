// Training on N threads: the owner (the thread that trains) and N − 1 lanes
// (src/threads/lane.ts) on the same shared wasm memory, for the two-view
// and the M-view model alike. Per group of rows every thread runs its
// team's share of the present views' forward halves (team.ts: whole views
// per team, teams of more than one splitting each GEMM by columns), the
// owner computes the KL, every thread runs its share of the backward
// halves and, after a step's last group of rows, goes straight on to Adam,
// shared in chunks as the teams finish (adam-share.ts): one hand-off fewer
// a step, and a late thread's update is partly done by the others. Each
// share is exactly the kernel calls (or the columns of them, or the
// elements of Adam) one thread would make, on the same buffers, so the
// weights are bit for bit those of one thread (same build), for any N.
//
// Synchronisation is the control block alone (control.ts): per task the
// owner writes a few words, bumps SEQ and notifies; each lane reports DONE;
// teams meet at barriers inside a view's half. Nothing is allocated,
// copied or posted per step. A lane that fails marks itself FAILED and
// wakes every waiting thread, and the owner throws instead of waiting.
//
// How a lane's thread is started is the one environment-specific part,
// passed in as `spawn` (spawn-node.ts for Node's worker_threads,
// spawn-web.ts for a browser's Web Workers).

import { createWasmKernels } from '../core/wasm.ts';
import type { ViewRunner } from '../model/view-runner.ts';
import { ADAM_DEFAULTS, type Adam, type AdamRunner } from '../train/adam.ts';
import { adamChunks, shareAdam } from './adam-share.ts';
import {
  ADAM,
  BACKWARD,
  Control,
  controlBytes,
  DONE,
  FAILED,
  FLAG,
  FORWARD,
  MASK,
  RESULT,
  ROWS,
  SCALE,
  SEQ,
  STEP,
  STOP,
  TASK,
  waitChange,
} from './control.ts';
import type { Jpvae } from '../model/jpvae.ts';
import { shareModel, type LaneInit } from './lane.ts';
import { roles, viewCost, viewSplits, type Role } from './team.ts';

/** A started lane thread: `ready` settles once it has joined (or failed to); `terminate` ends it. */
export interface LaneThread {
  ready: Promise<void>;
  terminate(): Promise<void>;
}
export type SpawnLane = (init: LaneInit) => LaneThread;

/** The most threads a training step uses (more would split the model's 512-column layers below 2 panels a thread). */
export const MAX_TRAINING_THREADS = 16;

export class TrainingThreads implements ViewRunner, AdamRunner {
  private seq = 0;
  private closed = false;
  /** The owner's share: its role, and the model it runs its view halves on (the model itself, or a team mirror). */
  private readonly role: Role;
  private readonly share: Jpvae;
  /** Per set of present views and team, the Adam chunks the team owns (adam-share.ts). */
  private readonly chunks: number[][][];
  /** The step whose update the last backward made (0: none since the last update()), and whether its gradients were finite. */
  private updated = { t: 0, finite: true };
  /** Per set of present views (a mask), the views the owner's team runs (team.ts viewSplits). */
  private readonly mine: number[][];
  /** Per mask and view, the thread whose RESULT holds the view's reconstruction sum (0: the owner's own). */
  private readonly reporter: number[][];
  /** Per mask: no lane has work (one-thread teams, every view the owner's), so the owner runs it without a task. */
  private readonly alone: boolean[];

  private constructor(
    private readonly model: Jpvae,
    private readonly adam: Adam | null,
    private readonly control: Control,
    private readonly threads: LaneThread[],
    all: Role[],
  ) {
    this.role = all[0];
    const n = all.length,
      team = this.role.size;
    const splits = viewSplits(model.views.map(viewCost), n / team);
    this.chunks = adamChunks(model, splits);
    this.mine = splits.map((split) => split[0]);
    this.reporter = splits.map((split) => {
      const by = new Array<number>(model.views.length).fill(0);
      split.forEach((views, t) => views.forEach((v) => (by[v] = t * team)));
      return by;
    });
    this.alone = splits.map((split) => team === 1 && split.every((views, t) => t === 0 || !views.length));
    // In a team, the owner's second instance on the same memory; it shares the static gemm scratch with the
    // first, on this thread.
    const mirror = () =>
      createWasmKernels(model.k.shared!.build, { join: model.k.shared, mirrorBase: model.heapStart });
    this.share = team > 1 ? shareModel(mirror(), control, this.role, model, 'the training thread') : model;
  }

  /**
   * Start `threads` − 1 lanes for `model` (whose kernels must be a threads
   * build, on a shared memory; 2 ≤ threads ≤ MAX_TRAINING_THREADS) and route
   * its steps and `adam`'s updates (none: forward passes only, as in
   * evaluation) through all of them. Rejects when a thread cannot start.
   */
  static async start(model: Jpvae, adam: Adam | null, spawn: SpawnLane, threads = 2): Promise<TrainingThreads> {
    const k = model.k,
      shared = k.shared;
    if (!shared || !k.gemmScratchSize)
      throw new Error(
        'training threads need the wasm kernels of a threads build (createKernels(…, { threads: true }))',
      );
    if (!(Number.isInteger(threads) && threads >= 2 && threads <= MAX_TRAINING_THREADS))
      throw new Error(`training threads: 2 to ${MAX_TRAINING_THREADS} threads, not ${threads}`);
    const lanes = threads - 1,
      all = roles(threads, model.views.length);
    const control = new Control(new SharedArrayBuffer(controlBytes(lanes)), lanes);
    const started = Array.from({ length: lanes }, (_, i) =>
      spawn({
        shared,
        control: control.buffer,
        lanes,
        lane: i + 1,
        role: all[i + 1],
        config: model.config,
        maxRows: model.maxRows,
        heapStart: model.heapStart,
        P: model.P,
        G: model.G,
        adam: { ...(adam?.config ?? ADAM_DEFAULTS), P: model.P, G: model.G, m: adam?.m ?? 0, v: adam?.v ?? 0 },
        scratch: k.heap.alloc(k.gemmScratchSize!()),
      }),
    );
    const outcomes = await Promise.allSettled(started.map((t) => t.ready));
    const failed = outcomes.findIndex((o) => o.status === 'rejected');
    if (failed >= 0) {
      await Promise.all(started.map((t) => t.terminate()));
      const reason = (outcomes[failed] as PromiseRejectedResult).reason;
      throw new Error(
        `training thread did not start: ${control.error(failed + 1) || (reason instanceof Error ? reason.message : String(reason))}`,
      );
    }
    const pool = new TrainingThreads(model, adam, control, started, all);
    model.runner = pool;
    if (adam) adam.runner = pool;
    return pool;
  }

  forward(mask: number, rows: number, gradScale: number | null, sums: number[]): void {
    if (this.alone[mask]) {
      for (const v of this.mine[mask]) sums[v] = this.model.forwardView(v, rows, gradScale);
      return;
    }
    this.dispatch(FORWARD, { rows, flag: gradScale === null ? 0 : 1, scale: gradScale ?? 0, mask });
    this.own(() => {
      for (const v of this.mine[mask]) sums[v] = this.share.forwardView(v, rows, gradScale);
    });
    this.wait();
    const reporter = this.reporter[mask];
    for (let v = 0; v < reporter.length; v++)
      if ((mask >> v) & 1 && reporter[v] > 0) sums[v] = this.control.getF64(reporter[v], RESULT + 2 * v);
  }

  backward(mask: number, rows: number, adds: readonly boolean[], last: boolean): void {
    // After the step's last rows, the update goes with the backward (the trainer's update() then reports it).
    const t = last && this.adam ? this.adam.step + 1 : 0;
    if (t && this.updated.t) throw new Error('training threads: a step took its gradient twice without an update');
    if (this.alone[mask] && !t) {
      for (const v of this.mine[mask]) this.model.backwardView(v, rows, adds[v]);
      return;
    }
    const flag = adds.reduce((bits, add, v) => (add ? bits | (1 << v) : bits), 0);
    this.dispatch(BACKWARD, { rows, flag, mask, step: t });
    this.own(() => {
      for (const v of this.mine[mask]) this.share.backwardView(v, rows, adds[v]);
      if (t) {
        this.control.setReady(this.role.team, this.seq);
        this.updateShare(this.chunks[mask], t);
      }
    });
    this.wait();
    if (t) this.updated = { t, finite: this.control.allFinite() };
  }

  update(t: number): boolean {
    if (!this.adam) throw new Error('training threads: started without an optimiser');
    const updated = this.updated;
    this.updated = { t: 0, finite: true };
    if (updated.t) {
      if (updated.t !== t) throw new Error(`training threads: the backward updated at step ${updated.t}, not ${t}`);
      return updated.finite;
    }
    // A step whose gradient was whole only after its backwards (a view without rows): every team is ready.
    const all = this.chunks.length - 1;
    this.dispatch(ADAM, { step: t });
    this.own(() => this.updateShare(this.chunks[all], t));
    this.wait();
    return this.control.allFinite();
  }

  /** The owner's part of the update at step t of the current task, over `chunks` (per team). */
  private updateShare(chunks: readonly number[][], t: number): void {
    const { model, adam } = this;
    const arrays = { P: model.P, G: model.G, m: adam!.m, v: adam!.v };
    shareAdam(model.k, this.control, this.role.team, chunks, { config: adam!.config, arrays, t, seq: this.seq });
  }

  /** Stop the lanes and end their threads; the model and Adam run on this thread alone again. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.model.runner === this) this.model.runner = undefined;
    if (this.adam?.runner === this) this.adam.runner = undefined;
    if (!this.control.failure()) this.dispatch(STOP);
    await Promise.all(this.threads.map((t) => t.terminate()));
  }

  /** The owner's share of a task; a failure in it (inside a team) wakes the lanes waiting for it at a barrier. */
  private own(work: () => void): void {
    try {
      work();
    } catch (e) {
      if (this.role.size > 1 && !this.control.failure()) this.control.fail(0, e);
      throw e;
    }
  }

  /** Task `task` to every lane, with its words (rows, flag, the gradient scale, the views' mask, the Adam step; 0 where unset). */
  private dispatch(task: number, { rows = 0, flag = 0, scale = 0, mask = 0, step = 0 } = {}): void {
    const c = this.control,
      i32 = c.i32;
    if (this.closed && task !== STOP) throw new Error('training threads: used after close()');
    c.throwIfFailed(); // a lane may not have seen a failure yet: it would run the task
    for (let l = 1; l <= c.lanes; l++) {
      i32[c.word(l, TASK)] = task;
      i32[c.word(l, ROWS)] = rows;
      i32[c.word(l, FLAG)] = flag;
      i32[c.word(l, MASK)] = mask;
      i32[c.word(l, STEP)] = step;
      c.setF64(l, SCALE, scale);
    }
    if (step) c.startUpdate(this.seq + 1, task === ADAM);
    this.seq = Atomics.add(i32, SEQ, 1) + 1;
    Atomics.notify(i32, SEQ);
  }

  /** Until every lane reports the current task done; throws when one failed instead. */
  private wait(): void {
    const c = this.control,
      i32 = c.i32;
    for (let l = 1; l <= c.lanes; l++) {
      const at = c.word(l, DONE);
      for (let done = Atomics.load(i32, at); done !== this.seq; done = waitChange(i32, at, done))
        if (done === FAILED) throw c.failure() ?? new Error(`training thread failed: ${c.error(l)}`);
    }
  }
}
