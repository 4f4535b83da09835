// The Web Worker bootstrap of a training thread: wait for the lane's init,
// join, report ready, serve. An error the lane's own catch does not see (a
// throw outside it, an unhandled rejection) marks its lane FAILED in the
// control block: the owner, blocked on it, cannot hear the worker's events.

import { Control } from './control.ts';
import { joinLane, type LaneInit } from './lane.ts';

const scope = globalThis as unknown as {
  addEventListener(type: string, listener: (e: { data?: unknown; message?: string; reason?: unknown }) => void): void;
  postMessage(message: unknown): void;
};

scope.addEventListener('message', ({ data }) => {
  const init = data as LaneInit;
  const control = new Control(init.control, init.lanes);
  const fail = (e: unknown) => control.fail(init.lane, e instanceof Error ? e.message : String(e));
  scope.addEventListener('error', (e) => fail(e.message));
  scope.addEventListener('unhandledrejection', (e) => fail(e.reason));
  let serve: () => void;
  try {
    serve = joinLane(init);
  } catch (e) {
    fail(e);
    throw e;
  }
  scope.postMessage('ready');
  serve(); // returns on STOP; a task that throws has already marked the lane failed
});
