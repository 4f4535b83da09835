// The page of a bundled app (Vite, webpack 5, esbuild: docs/deployment.md
// has each setup): a fit in a Web Worker (fit-worker.js), then the
// exported model in model/ imputes through jpvae/runtime on both of its
// wasm providers. The results end up in window.jpvaeApp for the test.
import { createImputer } from 'jpvae/runtime';

const log = (s) => (document.getElementById('log').textContent += s + '\n');
const rowsOf = (csv) =>
  csv
    .trim()
    .split('\n')
    .map((line) => line.split(',').map(Number));

async function fitInWorker() {
  const worker = new Worker(new URL('./fit-worker.js', import.meta.url), { type: 'module' });
  return new Promise((resolve, reject) => {
    worker.onmessage = ({ data }) => {
      if (data.error) reject(new Error(data.error));
      else resolve(data);
      worker.terminate();
    };
    worker.onerror = (e) => reject(new Error(e.message || 'the fit worker did not start'));
    worker.postMessage({ page: location.href });
  });
}

try {
  const fitted = await fitInWorker();
  log(
    `fit (${fitted.backend}), cross-origin isolated: ${crossOriginIsolated}; warnings: ${fitted.warnings.join('; ') || 'none'}`,
  );
  const rows = rowsOf(await (await fetch('data/new-view1.csv')).text());
  const imputed = {};
  for (const provider of ['wasm', 'jpvae-wasm']) {
    const imputer = await createImputer(new URL('model/', location.href), { executionProviders: [provider] });
    try {
      imputed[provider] = Array.from(await imputer.impute(rows, { given: 1 }));
      log(`${provider}: imputed ${rows.length} rows`);
    } finally {
      await imputer.close();
    }
  }
  window.jpvaeApp = { isolated: crossOriginIsolated, ...fitted, runtime: imputed };
} catch (e) {
  log(`error: ${e.message}`);
  window.jpvaeApp = { error: e.message };
}
