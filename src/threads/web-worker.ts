// The Web Worker bootstrap of a training thread: wait for the lane's init,
// join, report ready, serve. An error the lane's own catch does not see (a
// throw outside it, an unhandled rejection) marks its lane FAILED in the
// control block: the owner, blocked on it, cannot hear the worker's events.

import { Control } from './control.ts';
import { runLane, type LaneInit } from './lane.ts';

const scope = globalThis as unknown as {
  addEventListener(type: string, listener: (e: { data?: unknown; message?: string; reason?: unknown }) => void): void;
  postMessage(message: unknown): void;
};

scope.addEventListener('message', ({ data }) => {
  const init = data as LaneInit;
  const control = new Control(init.control, init.lanes);
  scope.addEventListener('error', (e) => control.fail(init.lane, e.message));
  scope.addEventListener('unhandledrejection', (e) => control.fail(init.lane, e.reason));
  runLane(init, control, () => scope.postMessage('ready')); // returns on STOP; a task that throws has already marked the lane failed
});
