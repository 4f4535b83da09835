// The browser threads test's page (and its training worker, the same
// bundle's other entry): fit() as an app calls it, on the page's main
// thread or in a module worker, with the wasm builds' and the training
// threads' worker URLs given as a bundle must. It counts the training
// threads' Workers started in its global, so the test sees how many
// threads a run used.

import { initThreads, initWasm } from '../../src/index.ts';
import type { WasmVariant } from '../../src/core/wasm.ts';
import { trainRequest, type TrainOutcome, type TrainRequest } from './train-request.ts';

export type TrainResult = TrainOutcome & { laneWorkers: number };

const WASM: Record<WasmVariant, string> = {
  simd: 'simd.wasm',
  relaxed: 'relaxed.wasm',
  'simd-threads': 'simd-threads.wasm',
  'relaxed-threads': 'relaxed-threads.wasm',
};

let laneWorkers = 0;
const Native = globalThis.Worker;
if (Native)
  globalThis.Worker = class extends Native {
    constructor(url: string | URL, o?: WorkerOptions) {
      super(url, o);
      if (o?.name === 'jpvae-training-thread') laneWorkers++;
    }
  };

async function train(r: TrainRequest, workerUrl = 'threads-worker.js'): Promise<TrainResult> {
  await initWasm(WASM, Object.keys(WASM) as WasmVariant[]);
  initThreads({ workerUrl });
  const before = laneWorkers,
    outcome = await trainRequest(r);
  return { ...outcome, laneWorkers: laneWorkers - before };
}

/** train() in a module worker of this bundle (threads-fit-worker.js). */
function trainInWorker(r: TrainRequest): Promise<TrainResult> {
  const w = new Worker('threads-fit-worker.js', { type: 'module' });
  return new Promise<TrainResult>((resolve, reject) => {
    w.onmessage = ({ data }) => (data.error ? reject(new Error(data.error)) : resolve(data));
    w.onerror = (e) => reject(new Error(e.message || 'the training worker failed to start'));
    w.postMessage(r);
  }).finally(() => w.terminate());
}

if (typeof window !== 'undefined') {
  Object.assign(window, { threadsTest: { train, trainInWorker, isolated: crossOriginIsolated } });
  document.body.dataset.ready = '1';
} else {
  const scope = globalThis as unknown as {
    onmessage: (e: { data: TrainRequest }) => void;
    postMessage(m: unknown): void;
  };
  scope.onmessage = ({ data }) =>
    train(data).then(
      (result) => scope.postMessage(result),
      (e) => scope.postMessage({ error: e instanceof Error ? e.message : String(e) }),
    );
}
