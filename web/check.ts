// A bare page for the browser test: the imputer, as an app imports it,
// on window, so the test can load any export into a worker and compare
// its results with Node's.

import { createImputer } from '../src/runtime/imputer.ts';

Object.assign(window, { jpvae: { createImputer } });
document.body.dataset.ready = '1';
