// A second, independent one-thread training for the threads bench: its own
// kernels and model, nothing shared with the main thread. Asked for a
// number of seconds, it trains that long and answers its samples/s (the
// bench ends it by terminate()). Run
// beside a one-thread training on the main thread, the two together show
// how far this machine itself scales from one core to two (shared caches,
// memory bandwidth, a hypervisor's scheduling), which bounds what any
// two-thread step can reach.

import { parentPort } from 'node:worker_threads';
import { createKernels } from '../core/index.ts';
import { wallRate } from './rate.ts';
import { BATCH, referenceTraining } from './train.ts';

const { step } = referenceTraining(createKernels('wasm'));
step(); // warm-up
parentPort!.on('message', (seconds: number) => parentPort!.postMessage(wallRate(step, BATCH, seconds)));
parentPort!.postMessage('ready');
