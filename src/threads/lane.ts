// One training thread besides the owner (a worker_thread in Node, a Web
// Worker in a browser: nothing here depends on which). It joins the
// owner's kernels on the shared memory, rebuilds the model over the same
// addresses (a mirror: it allocates and writes nothing at start), and then
// runs the tasks the owner dispatches through the control block: its view's
// half of each step (forward, backward) and its share of Adam.

import { createWasmKernels, type SharedWasm } from '../core/wasm.ts';
import type { ModelConfig } from '../model/config.ts';
import { Jpvae } from '../model/jpvae.ts';
import { adamRange, type AdamArrays, type AdamConfig } from '../train/adam.ts';
import {
  ADAM,
  BACKWARD,
  COUNT,
  Control,
  DONE,
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

/** Everything a lane needs, sent once when it starts. */
export interface LaneInit {
  shared: SharedWasm;
  control: SharedArrayBuffer;
  lanes: number;
  lane: number; // 1-based; lane 0 is the owner
  view: 0 | 1; // the view whose halves this lane runs
  config: ModelConfig;
  maxRows: number;
  heapStart: number; // the owner's heap top before the model
  P: number;
  G: number; // the owner's, to check the mirror against
  adam: AdamConfig & AdamArrays;
  scratch: number; // this lane's gemm packing scratch (heap element index)
}

/** Join the owner's kernels and model; throws when the mirror does not land on the owner's addresses. */
export function joinLane(init: LaneInit): () => void {
  const k = createWasmKernels(init.shared.build, { join: init.shared, mirrorBase: init.heapStart });
  const model = new Jpvae(k, init.config, init.maxRows);
  if (model.P !== init.P || model.G !== init.G)
    throw new Error(
      `training thread ${init.lane}: its model's buffers do not match the owner's (P ${model.P} ≠ ${init.P} or G ${model.G} ≠ ${init.G})`,
    );
  k.setGemmScratch!(init.scratch);
  return () => serve(init, model);
}

/** The task loop: wait for SEQ to move, run this lane's task, report DONE (or FAILED); returns on STOP. */
function serve(init: LaneInit, model: Jpvae): void {
  const c = new Control(init.control, init.lanes),
    i32 = c.i32,
    lane = init.lane;
  const at = (o: number) => c.word(lane, o);
  let seen = 0; // the control block is new: no task yet (one may be dispatched before this line runs)
  for (;;) {
    seen = waitChange(i32, SEQ, seen);
    const task = i32[at(TASK)];
    if (task === STOP) return;
    try {
      if (task === FORWARD) {
        c.setF64(
          lane,
          RESULT,
          model.forwardView(init.view, i32[at(ROWS)], i32[at(FLAG)] ? c.getF64(lane, SCALE) : null),
        );
      } else if (task === BACKWARD) {
        model.backwardView(init.view, i32[at(ROWS)], i32[at(FLAG)] === 1);
      } else if (task === ADAM) {
        c.setF64(
          lane,
          RESULT,
          adamRange(model.k, init.adam, init.adam, i32[at(LO)], i32[at(COUNT)], i32[at(STEP)]) ? 1 : 0,
        );
      }
    } catch (e) {
      c.fail(lane, e instanceof Error ? e.message : String(e));
      return;
    }
    Atomics.store(i32, at(DONE), seen);
    Atomics.notify(i32, at(DONE));
  }
}
