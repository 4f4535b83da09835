// The Node bootstrap of a training thread (a worker_thread): join, report
// ready, serve. Any way it ends without STOP (an exception, a trap, an exit)
// marks its lane FAILED in the control block, so the owner never waits on
// a thread that is gone.

import { parentPort, workerData } from 'node:worker_threads';
import { Control } from './control.ts';
import { runLane, type LaneInit } from './lane.ts';

const init = workerData as LaneInit;
const control = new Control(init.control, init.lanes);
let stopped = false;
process.on('exit', () => {
  if (!stopped) control.fail(init.lane, 'the thread exited');
});
try {
  runLane(init, control, () => parentPort!.postMessage('ready'));
} finally {
  stopped = true; // on STOP, or a failure already reported: the exit that follows is no news
}
