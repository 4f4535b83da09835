// The imputer's worker, but one that exits in the middle of an impute call,
// as a crash or an out-of-memory kill would end it (test/imputer.test.ts).
import { expose } from 'comlink';
import { workerData } from 'node:worker_threads';
import { api } from '../src/runtime/worker-api.ts';

expose({ ...api, impute: () => process.exit(3) }, workerData.port);
