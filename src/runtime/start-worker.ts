// Starting the imputer's worker: a module Web Worker in a browser, a
// worker_threads Worker in Node, with a promise that rejects when the
// worker dies (fails to start, throws past comlink, exits, is ended), so no
// call waits on a worker that will never answer.
//
// The browser's worker is created with the literal
// `new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })`
// that Vite, webpack 5 and Rollup follow to bundle it; Node's modules are
// reached through process.getBuiltinModule, never imported, so a browser
// bundle does not see them.

import type { Endpoint } from 'comlink';
import { moduleEntry, nodeWorker, workerEntry } from '../threads/spawn-node.ts';

export interface Started {
  endpoint: Endpoint;
  /** End the worker (its death, from here on, is expected: `died` stays pending). */
  terminate: () => Promise<void>;
  /** Rejects with one line when the worker dies unasked. */
  died: Promise<never>;
}

export function startWorker(workerUrl?: URL): Started {
  let ending = false,
    fail: (what: string) => void = () => {};
  const died = new Promise<never>(
    (_, reject) => (fail = (what) => ending || reject(new Error(`imputer worker: ${what}`))),
  );
  died.catch(() => {}); // observed by the imputer's calls
  // A terminate() after which the worker's death is expected.
  const ended = (end: () => unknown) => async () => {
    ending = true;
    await end();
  };
  const threads = globalThis.process?.getBuiltinModule?.('node:worker_threads');
  if (threads) {
    // A MessagePort is an EventTarget in Node, as comlink wants; a Worker is not.
    const { port1, port2 } = new threads.MessageChannel();
    const entry = workerUrl ? moduleEntry(workerUrl.href) : workerEntry('worker', import.meta.url);
    const w = nodeWorker(entry, { workerData: { port: port2 }, transferList: [port2] });
    w.on('error', (e) => fail(e.message));
    w.on('exit', (code) => fail(`exited (code ${code}); create the imputer again`));
    const terminate = ended(() => {
      port1.close();
      return w.terminate();
    });
    return { endpoint: port1 as Endpoint, terminate, died };
  }
  const w = workerUrl
    ? new Worker(workerUrl, { type: 'module' })
    : new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  const where = workerUrl ?? 'worker.js beside jpvae/runtime';
  w.addEventListener('error', (e) => {
    e.preventDefault();
    fail(
      e.message ||
        `failed to start ${where} (a bundler that does not follow new Worker(new URL(…, import.meta.url)) needs the workerUrl option)`,
    );
    w.terminate();
  });
  w.addEventListener('messageerror', () => fail('a message could not be read'));
  return { endpoint: w, terminate: ended(() => w.terminate()), died };
}
