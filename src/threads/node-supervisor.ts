// The supervisor of one lane thread (see spawn-node.ts): starts it, passes
// on its first message, and when it ends without having been told to stop
// marks it failed in the control block, which wakes the training thread.
// Told 'terminate', it ends the lane; it ends itself once the lane is gone.

import { parentPort, workerData } from 'node:worker_threads';
import { Control, DONE, FAILED, STOP, TASK } from './control.ts';
import { nodeWorker, type SupervisorData, type SupervisorMessage } from './spawn-node.ts';

const { init, lane } = workerData as SupervisorData;
const control = new Control(init.control, init.lanes),
  i32 = control.i32;
const thread = nodeWorker(lane, { workerData: init });
const report = (m: SupervisorMessage) => parentPort!.postMessage(m);
thread.on('message', () => report('ready'));
thread.on('error', (e) => report({ error: e instanceof Error ? e.message : String(e) })); // its bootstrap marked the lane too
thread.once('exit', (code) => {
  const stopped = i32[control.word(init.lane, TASK)] === STOP;
  if (!stopped && Atomics.load(i32, control.word(init.lane, DONE)) !== FAILED)
    control.fail(init.lane, `the thread ended (exit code ${code}) without being stopped`);
  parentPort!.close();
});
parentPort!.on('message', (m) => {
  if (m === 'terminate') void thread.terminate();
});
