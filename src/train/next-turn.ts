// A turn of the event loop for long synchronous work (a training epoch), so
// a Ctrl-C handler, an AbortSignal or a worker's messages get to run:
// setImmediate in Node; elsewhere a MessageChannel message, which unlike
// setTimeout(0) is not clamped to 1–4 ms.

export function nextTurn(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}
