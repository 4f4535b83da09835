// One training thread besides the owner (a worker_thread in Node, a Web
// Worker in a browser: nothing here depends on which). It joins the
// owner's kernels on the shared memory, rebuilds the model over the same
// addresses (a mirror: it allocates and writes nothing at start), and then
// runs the tasks the owner dispatches through the control block: its
// team's share of each step's view halves (forward, backward; team.ts) and
// its share of Adam (adam-share.ts).

import { createWasmKernels, type SharedWasm } from '../core/wasm.ts';
import type { Kernels } from '../core/kernels.ts';
import type { ModelConfig } from '../model/config.ts';
import { Jpvae } from '../model/jpvae.ts';
import type { AdamArrays, AdamConfig } from '../train/adam.ts';
import { adamChunks, shareAdam } from './adam-share.ts';
import * as ctl from './control.ts';
import { teamKernels, viewCost, viewSplits, type Role } from './team.ts';

/** Everything a lane needs, sent once when it starts. */
export interface LaneInit {
  shared: SharedWasm;
  control: SharedArrayBuffer;
  lanes: number;
  lane: number; // 1-based; lane 0 is the owner
  role: Role;
  config: ModelConfig; // the model's, which the lane rebuilds
  maxRows: number;
  heapStart: number; // the owner's heap top before the model
  P: number;
  G: number; // the owner's, to check the mirror against
  adam: AdamConfig & AdamArrays;
  scratch: number; // this lane's gemm packing scratch (heap element index)
}

/**
 * The model over `k` that runs a thread's share of the views' halves (k itself alone, its team's kernels in
 * a team), rebuilt from the owner's config; `who` names the thread when its buffers miss the owner's.
 */
export function shareModel(
  k: Kernels,
  control: ctl.Control,
  role: Role,
  owner: Pick<Jpvae, 'config' | 'maxRows' | 'P' | 'G'>,
  who: string,
): Jpvae {
  const kernels =
    role.size > 1 ? teamKernels(k, role.member, role.size, () => control.barrier(role.team, role.size)) : k;
  const model = new Jpvae(kernels, owner.config, owner.maxRows);
  if (model.P !== owner.P || model.G !== owner.G)
    throw new Error(
      `${who}: its model's buffers do not match the owner's (P ${model.P} ≠ ${owner.P} or G ${model.G} ≠ ${owner.G})`,
    );
  return model;
}

/**
 * A lane's life: join the owner's kernels and model (a failure, such as a mirror off the owner's addresses,
 * marks the lane FAILED and throws), say it is `ready`, then serve until STOP.
 */
export function runLane(init: LaneInit, control: ctl.Control, ready: () => void): void {
  let k: Kernels, model: Jpvae;
  try {
    k = createWasmKernels(init.shared.build, { join: init.shared, mirrorBase: init.heapStart });
    k.setGemmScratch!(init.scratch);
    model = shareModel(k, control, init.role, init, `training thread ${init.lane}`);
  } catch (e) {
    control.fail(init.lane, e);
    throw e;
  }
  ready();
  serve(init, control, k, model);
}

/** The task loop: wait for SEQ to move, run this lane's task, report DONE (or FAILED); returns on STOP. */
function serve(init: LaneInit, c: ctl.Control, k: Kernels, model: Jpvae): void {
  const i32 = c.i32,
    { lane, role } = init;
  const at = (o: number) => c.word(lane, o);
  // This thread's team's views for each set of present views, and the teams' Adam chunks (the owner's tables: the same model, the same teams).
  const splits = viewSplits(model.views.map(viewCost), (init.lanes + 1) / role.size);
  const mine = splits.map((split) => split[role.team]);
  const chunks = adamChunks(model, splits);
  let seen = 0; // the control block is new: no task yet (one may be dispatched before this line runs)
  const update = (mask: number, t: number) =>
    shareAdam(k, c, role.team, chunks[mask], { config: init.adam, arrays: init.adam, t, seq: seen });
  for (;;) {
    seen = ctl.waitChange(i32, ctl.SEQ, seen);
    const task = i32[at(ctl.TASK)];
    if (task === ctl.STOP) return;
    c.setF64(lane, ctl.STARTED, performance.timeOrigin + performance.now());
    try {
      if (task === ctl.FORWARD) {
        const scale = i32[at(ctl.FLAG)] ? c.getF64(lane, ctl.SCALE) : null;
        for (const v of mine[i32[at(ctl.MASK)]])
          c.setF64(lane, ctl.RESULT + 2 * v, model.forwardView(v, i32[at(ctl.ROWS)], scale));
      } else if (task === ctl.BACKWARD) {
        const mask = i32[at(ctl.MASK)],
          t = i32[at(ctl.STEP)];
        for (const v of mine[mask]) model.backwardView(v, i32[at(ctl.ROWS)], ((i32[at(ctl.FLAG)] >> v) & 1) === 1);
        if (t) {
          c.setReady(role.team, seen);
          update(mask, t);
        }
      } else if (task === ctl.ADAM) update(chunks.length - 1, i32[at(ctl.STEP)]);
    } catch (e) {
      c.fail(lane, e);
      return;
    }
    c.setF64(lane, ctl.FINISHED, performance.timeOrigin + performance.now());
    Atomics.store(i32, at(ctl.DONE), seen);
    Atomics.notify(i32, at(ctl.DONE));
  }
}
