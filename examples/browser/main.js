// The page: fetch the CSV files, hand them to a worker that fits and
// imputes (the page's thread never trains), show the progress and result.
// Bundle main.js and worker.js (e.g. esbuild --bundle --format=esm) and
// serve them beside index.html, data/ and jpvae's build/*.wasm.
const log = (s) => {
  document.getElementById('log').textContent += s + '\n';
};
const names = ['view1.csv', 'view2.csv', 'new-view1.csv'];
const files = Object.fromEntries(
  await Promise.all(names.map(async (n) => [n, await (await fetch(`data/${n}`)).text()])),
);
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const wasm = { simd: new URL('simd.wasm', location.href).href, relaxed: new URL('relaxed.wasm', location.href).href };
worker.onmessage = ({ data }) => {
  if (data.epoch) return log(`epoch ${data.epoch}: loss ${data.loss.toFixed(2)}`);
  if (data.error) {
    document.body.dataset.error = data.error;
    return log(`error: ${data.error}`);
  }
  log(
    `backend ${data.backend}: imputed ${data.rows} rows; first: ${data.imputed
      .slice(0, 4)
      .map((v) => v.toFixed(2))
      .join(', ')}`,
  );
  log(`the model through toFiles()/fromFiles() imputes the same: ${data.identical}`);
  window.jpvaeExample = data;
};
worker.postMessage({ files, wasm });
